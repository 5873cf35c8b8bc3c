"""Instance cross-match: found for a copied instance, not for the own key or trivial answers."""

from __future__ import annotations

import numpy as np
import pytest

from grader.integrity import FindingKind, analyse
from grader.integrity.crossmatch import OFFSET, _bucket, _probes
from tests.integrity.helpers import grade_folder, key_list, write_batch

STUDENTS = [f"40210{i:04d}" for i in range(12)]


class _Item:
    def __init__(self, rel: float, abs_: float) -> None:
        self.tolerance = (rel, abs_)


@pytest.mark.parametrize("step", [1.0, 0.375, 0.125])
@pytest.mark.parametrize("relative", [0.0, 0.999, -0.999])
def test_an_answer_within_tolerance_probes_its_keys_bucket(step, relative):
    rng = np.random.default_rng(3)
    item = _Item(1e-3, 1e-6)
    for _ in range(200):
        key = rng.integers(-40, 40, size=6) / 8.0
        # keys right at a grid line, where rounding would split key and answer
        key[0] = (round(key[0] / step) - OFFSET) * step
        answer = key + relative * np.maximum(1e-3 * np.abs(key), 1e-6)
        assert _bucket(key, step) in _probes(answer, step, item)


def test_too_many_uncertain_entries_give_no_probe():
    item = _Item(0.2, 0.0)  # a tolerance wider than the grid: entries could be in three cells
    assert _probes(np.array([10.0, 20.0]), 1.0, item) == []


@pytest.fixture()
def batch(tmp_path, hw4, hw4_keys):
    """Twelve students; 0 copies 5's Q3 and Q2 answers, 1 gives their own keys, 2 all zeros."""
    items = ["q2.dL_dW", "q3.a.dL_dP3", "q3.a.dL_dP1", "q3.b.dL_dW1", "q3.c.dL_dW2"]
    answers = {s: {i: key_list(hw4_keys, hw4, i, s) for i in items} for s in STUDENTS}
    answers[STUDENTS[0]] = {i: key_list(hw4_keys, hw4, i, STUDENTS[5]) for i in items}
    answers[STUDENTS[2]] = {i: np.zeros_like(np.asarray(key_list(hw4_keys, hw4, i, STUDENTS[2]))).tolist() for i in items}
    answers[STUDENTS[3]]["q3.a.dL_dP3"] = (-np.asarray(answers[STUDENTS[3]]["q3.a.dL_dP3"])).tolist()
    # 4 copies 6's dL/dP3 only, in another written form (text, rounded within the tolerance)
    copied = np.asarray(key_list(hw4_keys, hw4, "q3.a.dL_dP3", STUDENTS[6])) * (1 + 4e-4)
    answers[STUDENTS[4]]["q3.a.dL_dP3"] = str(copied.tolist())
    write_batch(tmp_path, answers)
    return tmp_path, grade_folder(tmp_path, hw4, hw4_keys)


def test_copied_instance_answers_are_found_with_both_instances(batch, hw4):
    folder, results = batch
    report = analyse(results, rubric=hw4, folder=folder)
    found = {(f.student, f.other): f for f in report.of_kind(FindingKind.INSTANCE_MATCH)}
    assert set(found) == {(STUDENTS[0], STUDENTS[5]), (STUDENTS[4], STUDENTS[6])}
    full = found[(STUDENTS[0], STUDENTS[5])]
    assert full.items == ("q2.dL_dW", "q3.a.dL_dP3", "q3.a.dL_dP1", "q3.b.dL_dW1", "q3.c.dL_dW2")
    assert all("own instance q" in e.note and f"{STUDENTS[5]}'s instance q" in e.note for e in full.evidence)
    assert found[(STUDENTS[4], STUDENTS[6])].items == ("q3.a.dL_dP3",)


def test_a_changed_file_is_left_out_with_a_note(batch, hw4):
    folder, results = batch
    path = folder / f"HW4_T_{STUDENTS[0]}.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    report = analyse(results, rubric=hw4, folder=folder)
    assert {(f.student, f.other) for f in report.of_kind(FindingKind.INSTANCE_MATCH)} == {(STUDENTS[4], STUDENTS[6])}
    assert any("changed since they were graded" in n for n in report.notes)
