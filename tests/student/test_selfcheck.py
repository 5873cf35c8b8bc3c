"""The self-check tells the truth: in a kit it says correct exactly where `grade` gives full
credit, and its hints and statuses are the grader's own."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from grader.errors import SubmissionError
from grader.grading.item import grade_answers
from grader.model import Status
from grader.readers.answer_file import load_submission
from grader.rubric import SelfCheck, load_rubric
from grader.student.kit import build_kit
from grader.student.selfcheck import NOT_CHECKABLE, check_answers
from tests.adversarial.conftest import FILES
from tests.conftest import SUBMISSIONS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def kit_rubric(tmp_path_factory, hw4):
    out = tmp_path_factory.mktemp("selfcheck-kit")
    build_kit(hw4, out, force=True)
    # the kit's instance module, importable without shadowing this checkout's grader
    sys.path.append(str(out))
    try:
        yield load_rubric(out / "kit_reference" / "rubrics" / "hw4.yaml")
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == "kit_reference" or m.startswith("kit_reference.")]:
            del sys.modules[name]  # else later tests' rubric lookup finds the kit's rubric too


def _lines(rubric, answers: dict, student_id: str = "401234567") -> dict:
    return {line.item.id: line for line in check_answers(answers, rubric=rubric, student_id=student_id)}


CASES = [
    # item, answer, label in the kit
    ("q1.a.conv_units", "(W-K+1)(H-K+1)J", "correct"),  # a full-credit alternative (valid padding)
    ("q1.a.conv_units", "W H J", "correct"),
    ("q1.a.conv_units", "W H I", "wrong"),  # the official key's mistake
    ("q1.a.conv_connections", "(W-K+1)(H-K+1) K^2 I J", "correct"),
    ("q1.a.conv_connections", "W H K^2 I J", "correct"),
    ("q5.a.output_size", "[N-DF+D, M-DF+D]", "correct"),  # sides swapped: accepted
    ("q5.a.output_size", "[M-DF+D]", "wrong"),  # wrong length: wrong, as in grade
    ("q1.a.fc_weights", "W^2 H^2 I J sqrt(2)/sqrt(2)", NOT_CHECKABLE),
    ("q1.a.fc_weights", "W^2 H^2 I J +", "invalid"),
    ("q1.c.unet_conv2_params", "73728", "read OK"),
]


@pytest.mark.parametrize(("item_id", "answer", "label"), CASES)
def test_kit_labels(kit_rubric, hw4, hw4_keys, item_id, answer, label):
    line = _lines(kit_rubric, {item_id: answer})[item_id]
    assert line.label == label
    graded = grade_answers({item_id: answer}, rubric=hw4, keys=hw4_keys, student_id="401234567")
    status = {r.item_id: r for r in graded}[item_id].verdict.status
    if label in ("correct", "wrong", "invalid"):
        assert status.value == label or (label == "wrong" and status is Status.PARTIAL)


def test_the_percent_slip_is_noted_in_check_and_in_the_report(kit_rubric, hw4, hw4_keys):
    line = _lines(kit_rubric, {"q4.b.reduction_percent": "0.8967"})["q4.b.reduction_percent"]
    assert line.label == "read OK"
    slip = "0.8967 was read as 0.8967%: to give a fraction as a percentage write 89.67%"
    assert slip in line.notes
    graded = {r.item_id: r for r in grade_answers({"q4.b.reduction_percent": "0.8967"}, rubric=hw4, keys=hw4_keys, student_id="1")}
    assert slip in graded["q4.b.reduction_percent"].verdict.feedback
    assert not _lines(kit_rubric, {"q4.b.reduction_percent": "89.67%"})["q4.b.reduction_percent"].notes


def test_a_transposed_tensor_is_wrong_with_the_index_order_hint_in_both(kit_rubric, hw4, hw4_keys):
    answer = [[0.5] * 8 for _ in range(4)]  # 4×8 for an 8×4 item
    line = _lines(kit_rubric, {"q3.b.dL_dW1": answer})["q3.b.dL_dW1"]
    hint = "expected shape 8×4, got 4×8 (the same sizes in another order: check which index comes first)"
    assert line.status is Status.WRONG and hint in line.notes
    graded = {r.item_id: r for r in grade_answers({"q3.b.dL_dW1": answer}, rubric=hw4, keys=hw4_keys, student_id="401234567")}
    assert graded["q3.b.dL_dW1"].verdict.status is Status.WRONG and graded["q3.b.dL_dW1"].verdict.feedback == hint


def _corpus(tmp_path_factory) -> list[Path]:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import gen
    finally:
        sys.path.remove(str(ROOT / "bench"))
    folder = tmp_path_factory.mktemp("bench-corpus")
    gen.generate(folder, 80)
    files = sorted(FILES.iterdir()) + sorted(SUBMISSIONS.glob("*.yaml")) + sorted(folder.glob("HW4_T_*"))
    return [f for f in files if f.is_file()]


def test_kit_and_grader_agree_on_every_correctness_item(kit_rubric, hw4, hw4_keys, tmp_path_factory):
    """The adversarial corpus, the sample submissions and 80 bench files, graded both ways."""
    visible = [item for item in hw4.auto_items if item.self_check is SelfCheck.CORRECTNESS]
    assert len(visible) == 7
    compared = disagreements = 0
    seen_correct = seen_wrong = 0
    for path in _corpus(tmp_path_factory):
        try:
            submission = load_submission(path, prefix=hw4.file_prefix, item_ids=hw4.item_ids)
        except SubmissionError:
            continue
        graded = {r.item_id: r.verdict for r in grade_answers(submission.answers, rubric=hw4, keys=hw4_keys, student_id=submission.student_id)}
        checked = _lines(kit_rubric, submission.answers, submission.student_id)
        for item in visible:
            verdict, line = graded[item.id], checked[item.id]
            compared += 1
            full = verdict.status is Status.CORRECT and verdict.credit == 1
            if line.status is None:  # not checkable offline: only answers whose values are not exact
                assert verdict.status is not Status.INVALID, (path.name, item.id)
                continue
            expected = Status.CORRECT if full else Status.WRONG if verdict.status in (Status.WRONG, Status.PARTIAL) else verdict.status
            if line.status is not expected:
                disagreements += 1
                print(path.name, item.id, submission.answers.get(item.id), verdict, line)
            seen_correct += line.status is Status.CORRECT
            seen_wrong += line.status is Status.WRONG
    assert disagreements == 0
    assert compared > 500 and seen_correct > 100 and seen_wrong > 20
