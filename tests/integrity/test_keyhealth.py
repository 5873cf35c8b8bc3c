"""Key health and item analysis: uncovered popular answers, check the key, discrimination."""

from __future__ import annotations

import statistics

import numpy as np
import pytest
import yaml

from grader.integrity import analyse
from grader.integrity.keyhealth import _point_biserial, mistake_yaml
from tests.integrity.helpers import grade_folder, key_list, write_batch

STUDENTS = [f"40240{i:04d}" for i in range(20)]


def _health(report, item_id):
    return next(h for h in report.items if h.item_id == item_id)


def test_popular_uncovered_answer_and_check_the_key(tmp_path, hw4, hw4_keys):
    answers = {}
    for i, s in enumerate(STUDENTS):
        answers[s] = {
            # 12 say 0.3, 5 the key, 3 say 0.2 (the rubric has no rule for either)
            "q6.c.sigmoid_max_grad": "0.3" if i < 12 else ("1/4" if i < 17 else "0.2"),
            "q4.b.inception_ops": "64,024,576" if i < 4 else 128049152,
            "q1.c.unet_conv2_params": 73728 if i < 5 else 73856,  # a known mistake (bias not counted)
        }
    write_batch(tmp_path, answers)
    report = analyse(grade_folder(tmp_path, hw4, hw4_keys), rubric=hw4, folder=tmp_path)
    sigmoid = _health(report, "q6.c.sigmoid_max_grad")
    assert (sigmoid.answered, sigmoid.correct, sigmoid.top_wrong, sigmoid.check_key) == (20, 5, 12, True)
    assert [(u.answer, u.count) for u in sigmoid.uncovered] == [("0.3", 12), ("0.2", 3)]
    entry = yaml.safe_load(sigmoid.uncovered[0].yaml)
    assert entry == [{"value": 0.3, "credit": 0, "feedback": "TODO: what this answer gets wrong"}]
    ops = _health(report, "q4.b.inception_ops")
    assert ops.check_key is False and [(u.answer, u.count) for u in ops.uncovered] == [("64024576", 4)]
    assert ops.difficulty == pytest.approx(16 / 20)
    params = _health(report, "q1.c.unet_conv2_params")
    assert (params.top_wrong, params.top_wrong_answer, params.uncovered) == (5, "73728", ())


def test_instance_item_patterns(tmp_path, hw4, hw4_keys):
    answers = {}
    for i, s in enumerate(STUDENTS):
        key = np.asarray(key_list(hw4_keys, hw4, "q3.a.dL_dP3", s))
        answers[s] = {"q3.a.dL_dP3": (-key if i < 6 else 2 * key if i < 9 else key).tolist()}
    write_batch(tmp_path, answers)
    report = analyse(grade_folder(tmp_path, hw4, hw4_keys), rubric=hw4, folder=tmp_path)
    health = _health(report, "q3.a.dL_dP3")
    assert [(u.answer, u.count, u.pattern) for u in health.uncovered] == [("−key (every sign flipped)", 6, True), ("2×key", 3, True)]
    assert health.uncovered[0].yaml.startswith("- ref: TODO")


@pytest.mark.parametrize(
    ("credits", "totals"),
    [
        ([1, 0, 1, 0, 1], [90, 40, 70, 55, 80]),
        ([1, 1, 0, 0, 0.5], [10, 20, 30, 40, 25]),  # a negative discrimination
    ],
)
def test_point_biserial_is_the_correlation(credits, totals):
    got = _point_biserial(np.array(credits, float), np.array(totals, float))
    assert got == pytest.approx(statistics.correlation(credits, totals), abs=1e-4)


def test_point_biserial_undefined_without_spread():
    assert _point_biserial(np.ones(5), np.arange(5.0)) is None


@pytest.mark.parametrize(
    ("item_id", "answer", "head"),
    [
        ("q4.b.inception_ops", "64024576", "- value: 64024576"),
        ("q4.b.reduction_percent", "10.33%", "- value: 10.33"),
        ("q1.b.conv_bias_removal", "degrades", '- value: "degrades"'),
        ("q1.a.fc_units", "W·H·J·K", "- ref: TODO"),
    ],
)
def test_mistake_yaml(hw4, item_id, answer, head):
    text = mistake_yaml(hw4.item(item_id), answer, 7, pattern=False)
    assert text.splitlines()[0].startswith(head)
    assert yaml.safe_load(text)[0]["credit"] == 0
