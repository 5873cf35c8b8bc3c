"""`grade check`: one status, label and set of notes per item, the same in a kit and in the repo.

The self-check tells the truth the grader would tell wherever it can without the key:

- an item the rubric makes visible (`self_check: correctness`) is graded with the key (in the
  repository) or by fingerprint (in a kit: the key's and every full-credit alternative's,
  grader/student/kit.py); "correct" exactly when `grade` gives full credit; an answer whose fingerprint
  cannot be computed offline (values that are not exact) is "not checkable", never "read OK";
- what is public is judged as the grader judges it: a tensor of the wrong shape or a list of the
  wrong length is *wrong* in both, with the grader's own words (the kinds' `format_problems`);
- read-back notes that need no key (a bare 0.897 on a percent item is read as 0.897%) come from
  the kinds' `format_notes`, the same sentences the graded report uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from grader.grading.item import READ_OK  # grading's words for an answer read but not judged
from grader.model import ItemResult, Status
from grader.rubric import Item, Rubric, SelfCheck

NOT_CHECKABLE = "not checkable"
HIDDEN = "does not match the key (feedback comes with the graded report)"


@dataclass(frozen=True)
class CheckLine:
    """What the self-check says about one item."""

    item: Item
    status: Status | None  # None: not checkable offline
    label: str  # correct, wrong, partial, invalid, missing, read OK, not checkable, text, graded by a TA
    read_as: str | None
    notes: tuple[str, ...]

    @property
    def problem(self) -> bool:
        """Missing or unreadable: what the student must fix before submitting."""
        return self.status in (Status.INVALID, Status.MISSING)


def correctness_shown(item: Item, rubric: Rubric) -> bool:
    if item.manual or item.self_check is not SelfCheck.CORRECTNESS:
        return False
    return not rubric.kit or item.key_digest is not None


def check_answers(answers: dict[str, Any], *, rubric: Rubric, student_id: str, damaged: dict[str, str] | None = None) -> list[CheckLine]:
    """Every item of `rubric` as `grade check` reports it; `damaged` items (not valid YAML, see
    `load_submission(recover=True)`) are invalid with what to do."""
    from grader.grading.item import grade_answers
    from grader.keys.keybook import KeyBook

    visible = not rubric.kit and any(item.self_check is SelfCheck.CORRECTNESS for item in rubric.auto_items)
    results = grade_answers(
        answers,
        rubric=rubric,
        keys=KeyBook(rubric) if visible else None,
        student_id=student_id,
        reveal=lambda item: item.self_check is SelfCheck.CORRECTNESS,
    )
    damaged = damaged or {}
    return [
        CheckLine(item, Status.INVALID, Status.INVALID.value, None, (f"not valid YAML: {damaged[item.id]}",))
        if item.id in damaged
        else _line(item, result, answers.get(item.id), rubric, judged=visible and item.self_check is SelfCheck.CORRECTNESS)
        for item, result in zip(rubric.items, results)  # noqa: B905 - the student kit runs on Python 3.9 (no strict=)
    ]


def file_warnings(submission: Any, rubric: Rubric) -> list[str]:
    """What the self-check adds to the reader's warnings: a file the grader would refuse as a
    whole, and an `instances:` block that is not this student's (a template made for another id)."""
    warnings = []
    damaged: dict[str, str] = submission.extra.get("damaged") or {}
    if damaged:
        items = set(rubric.item_ids)
        outside = [f"not valid YAML: {message}" for key, message in damaged.items() if key not in items]
        warnings.extend(outside)
        warnings.append(
            f"as written the grader cannot read this file at all: fix the {len(damaged)} line(s) that are not valid YAML "
            "(marked below) before you submit; the other answers were checked without them"
        )
    written = submission.extra.get("instances")
    if written is not None:
        from grader.keys.keybook import KeyBook

        try:
            own = KeyBook(rubric).instances_for(submission.student_id)
        except Exception:  # noqa: BLE001 - the instance generator is the course's: no warning without it
            own = None
        if own is not None and _plain(written) != _plain(own):
            warnings.append(
                f"the instances block in this file is not the one of student {submission.student_id}: it was made for another id. "
                f"Your numbers are different: run `grade template --student {submission.student_id}` and solve Q2/Q3 on its instances"
            )
    return warnings


def _plain(value: Any) -> Any:
    """Instance data as JSON would hold it (tuples and lists alike, ints and floats by value)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return repr(value)


def _line(item: Item, result: ItemResult, raw: Any, rubric: Rubric, *, judged: bool) -> CheckLine:
    verdict = result.verdict
    status: Status | None = verdict.status
    notes: list[str] = []
    # not compared with a key: a wrong verdict was decided on what is public (a shape, a length)
    public = status is Status.WRONG and not judged
    if rubric.kit and status is Status.PENDING and item.key_digest is not None:
        from grader.student.kit import digest_verdict

        match = digest_verdict(item, raw)
        status = None if match is None else Status.CORRECT if match else Status.WRONG
        if match is None:
            notes.append("its value cannot be fingerprinted exactly (e.g. it uses √ or π), so the kit cannot tell; the grader will")
    if status is Status.PENDING:
        label = "text, graded by a TA" if item.manual else "read OK"
        if not item.manual and verdict.feedback and verdict.feedback != READ_OK:
            notes.extend(verdict.feedback.split("\n"))
    elif status is None:
        label = NOT_CHECKABLE
    else:
        label = status.value
    if status is Status.INVALID or public:
        notes.extend(verdict.feedback.splitlines())
    elif status in (Status.WRONG, Status.PARTIAL):
        notes.append(HIDDEN)
    return CheckLine(item, status, label, verdict.read_as if not item.manual else None, tuple(notes))




def summary(lines: Sequence[CheckLine], rubric: Rubric) -> str:
    problems = sum(1 for line in lines if line.problem)
    shown = sum(1 for item in rubric.auto_items if correctness_shown(item, rubric))
    return (
        f"{problems} item(s) missing or unreadable. Correctness is shown for {shown} of {len(rubric.auto_items)} "
        "automatically graded items; the rest are checked only for format."
    )
