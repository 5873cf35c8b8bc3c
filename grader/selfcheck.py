"""`grade check`: one status, label and set of notes per item, the same in a kit and in the repo.

The self-check tells the truth the grader would tell wherever it can without the key:

- an item the rubric makes visible (`self_check: correctness`) is graded with the key (in the
  repository) or by fingerprint (in a kit: the key's and every full-credit alternative's,
  grader/kit.py); "correct" exactly when `grade` gives full credit; an answer whose fingerprint
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

from grader.engine import READ_OK  # the engine's words for an answer read but not judged
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


def check_answers(answers: dict[str, Any], *, rubric: Rubric, student_id: str) -> list[CheckLine]:
    """Every item of `rubric` as `grade check` reports it."""
    from grader.engine import grade_answers
    from grader.keys import KeyBook

    visible = not rubric.kit and any(item.self_check is SelfCheck.CORRECTNESS for item in rubric.auto_items)
    results = grade_answers(
        answers,
        rubric=rubric,
        keys=KeyBook(rubric) if visible else None,
        student_id=student_id,
        reveal=lambda item: item.self_check is SelfCheck.CORRECTNESS,
    )
    return [
        _line(item, result, answers.get(item.id), rubric, judged=visible and item.self_check is SelfCheck.CORRECTNESS)
        for item, result in zip(rubric.items, results, strict=True)
    ]


def _line(item: Item, result: ItemResult, raw: Any, rubric: Rubric, *, judged: bool) -> CheckLine:
    verdict = result.verdict
    status: Status | None = verdict.status
    notes: list[str] = []
    # not compared with a key: a wrong verdict was decided on what is public (a shape, a length)
    public = status is Status.WRONG and not judged
    if rubric.kit and status is Status.PENDING and item.key_digest is not None:
        from grader.kit import digest_verdict

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
