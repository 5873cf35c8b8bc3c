"""Shared rare wrong answers: rare shared answers are evidence, common mistakes are not."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from grader.integrity import FindingKind, analyse
from grader.integrity.rare import BIN, _null_tail
from tests.integrity.helpers import grade_folder, write_batch

STUDENTS = [f"40220{i:04d}" for i in range(60)]
RARE = {"q1.c.unet_conv2_params": "73,600", "q4.a.densenet_channels": 108, "q4.b.ops_bottleneck": "12,400,448"}


def test_null_tail_of_one_item_is_the_chance_of_sharing():
    counts = {"item": Counter({"a": 2, "b": 1, "c": 97})}  # "c" is common: worth nothing
    tail = _null_tail(counts, 100)
    assert tail[0] == pytest.approx(1.0)
    k_a = math.ceil(-math.log(0.02) / BIN)
    k_b = math.ceil(-math.log(0.01) / BIN)
    assert tail[k_a] == pytest.approx(0.02**2 + 0.01**2)  # sharing a or b scores at least -ln 0.02
    assert tail[k_b] == pytest.approx(0.01**2)
    assert len(tail) == k_b + 1


def test_null_tail_of_two_items_multiplies():
    counts = {"x": Counter({"a": 1}), "y": Counter({"b": 1})}
    tail = _null_tail(counts, 100)
    assert tail[-1] == pytest.approx(0.01**2 * 0.01**2)


@pytest.mark.parametrize(
    ("shared", "found"),
    [
        (RARE, True),  # three rare answers (1 in 20 each) shared by three students
        (dict(list(RARE.items())[:1]), False),  # one shared rare answer is not "several"
    ],
)
def test_ring_with_rare_answers(tmp_path, hw4, hw4_keys, shared, found):
    answers = {s: {"q6.c.sigmoid_max_grad": "0.5" if i % 3 else "1/4"} for i, s in enumerate(STUDENTS)}
    ring = STUDENTS[:3]
    for s in ring:
        answers[s].update(shared)
    write_batch(tmp_path, answers)
    report = analyse(grade_folder(tmp_path, hw4, hw4_keys), rubric=hw4, folder=tmp_path)
    pairs = {(f.student, f.other) for f in report.of_kind(FindingKind.SHARED_RARE_WRONG)}
    expected = {(ring[0], ring[1]), (ring[0], ring[2]), (ring[1], ring[2])} if found else set()
    assert pairs == expected
    if found:
        groups = {f.group for f in report.of_kind(FindingKind.SHARED_RARE_WRONG)}
        assert len(groups) == 1  # one ring, one group


def test_a_common_mistake_shared_by_many_is_no_evidence(tmp_path, hw4, hw4_keys):
    # two thirds give 0.5 and a third 1 on two items: every pair of them shares both, by the hundred
    answers = {s: {"q6.c.sigmoid_max_grad": "0.5" if i % 3 else "1", "q6.b.kaiming_mean": "1" if i % 3 else "0.5"} for i, s in enumerate(STUDENTS)}
    write_batch(tmp_path, answers)
    report = analyse(grade_folder(tmp_path, hw4, hw4_keys), rubric=hw4, folder=tmp_path)
    assert report.of_kind(FindingKind.SHARED_RARE_WRONG) == ()
