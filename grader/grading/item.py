"""Grading one answer file: one answer → `Verdict`, one submission → `SubmissionResult`.

This module owns what is common to every kind: missing answers, turning `AnswerError` into an
*invalid* verdict, the per-item time bound, and walking the rubric's key → accepted → mistakes
rules to give credit and feedback.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from grader.errors import AnswerError, GraderError, TimeLimitExceeded
from grader.keys.keybook import KeyBook
from grader.kinds import get_kind
from grader.model import ItemResult, SheetPages, Status, SubmissionResult, Verdict
from grader.readers.answer_file import Submission
from grader.rubric import Item, Rubric
from grader.timeout import limit_message, time_limit

ITEM_SECONDS = 2.0
READ_OK = "read correctly; correctness is not shown for this item"


def is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip()) or (isinstance(raw, (list, dict)) and not raw)


def grade_item(item: Item, raw: Any, *, keys: KeyBook | None, student_id: str | None, reveal: bool = True) -> ItemResult:
    """Grade one answer. With `reveal=False` (or no keys) only read it back: no key is computed.

    Reference code runs outside the student's time bound (a slow key is not their timeout, and an
    alarm inside reference code must not look like an author error): the key before the answer
    is read and compared, and the keys of alternatives and known mistakes only when the answer
    does not match the key (most do), before the remaining rules are compared in what is left
    of the same bound.
    """
    kind = get_kind(item.kind)
    expected_text = None
    judge = keys if keys is not None and reveal and not item.manual else None  # the keys, when judging
    if is_blank(raw):
        verdict: Verdict | None = Verdict.missing()
    else:
        if judge is not None:
            judge.expected(item, 0, student_id)
        # free text is only length-checked and kept: no alarm to arm (half the items of HW4)
        seconds = 0 if item.manual else ITEM_SECONDS
        answer = _Answer()
        started = time.monotonic()
        verdict = _bounded(item, seconds, answer, lambda: _read_and_compare_key(kind, item, raw, answer, judge, student_id))
        used = time.monotonic() - started
        if verdict is None and judge is not None:  # not the key: alternatives and mistakes decide
            book: KeyBook = judge
            for index in range(1, len(item.rules())):
                book.expected(item, index, student_id)
            left = seconds - used
            verdict = _bounded(
                item,
                left,
                answer,
                lambda: match_rules(item, answer.parsed, answer.read_as or "", keys=book, student_id=student_id, start=1, first=answer.first),
                total=seconds,
            )
    assert verdict is not None
    if judge is not None and item.show_expected:
        expected_text = kind.show(judge.expected(item, 0, student_id), item)
    return ItemResult(
        item_id=item.id,
        question=item.question,
        max_points=item.points,
        bonus=item.bonus,
        manual=item.manual,
        verdict=verdict,
        expected=expected_text,
    )


class _Answer:
    """What the first bounded step learned about an answer, for the second one."""

    __slots__ = ("parsed", "read_as", "first")

    def __init__(self) -> None:
        self.parsed: Any = None
        self.read_as: str | None = None
        self.first: Verdict | None = None


def _read_and_compare_key(kind: Any, item: Item, raw: Any, answer: _Answer, keys: KeyBook | None, student_id: str | None) -> Verdict | None:
    """Read the answer and compare it with the key; None when other rules must decide."""
    answer.parsed = parsed = kind.parse(raw, item)
    answer.read_as = read_as = kind.show(parsed, item)
    if item.manual:
        return Verdict.pending(read_as)
    if keys is None:
        # judged on what is public only (a declared shape or length): wrong as the grader would say
        problems = kind.format_problems(parsed, item)
        if problems:
            return Verdict(Status.WRONG, 0.0, read_as, "; ".join(problems))
        notes = kind.format_notes(parsed, item)
        return Verdict(Status.PENDING, 0.0, read_as, "\n".join(notes) or READ_OK)
    first = kind.compare(parsed, keys.expected(item, 0, student_id), item)
    if first.status is Status.CORRECT:
        return Verdict(Status.CORRECT, 1.0, read_as, first.feedback, cacheable=first.cacheable)
    if len(item.rules()) == 1:
        return Verdict(Status.WRONG, 0.0, read_as, first.feedback, cacheable=first.cacheable)
    answer.first = first
    return None


def _bounded(item: Item, seconds: float, answer: _Answer, step: Callable[[], Verdict | None], *, total: float | None = None) -> Verdict | None:
    """Run one step of reading or comparing an answer within `seconds` (0: unbounded); an
    `AnswerError` becomes *invalid*, and a bug in a kind an *internal error* verdict."""
    what = f"item {item.id}"
    try:
        if total and seconds <= 0:
            raise TimeLimitExceeded(limit_message(total, what))
        # the second step runs in what is left of the bound, and a timeout names the whole bound
        with time_limit(seconds, what, bound=total):
            return step()
    except TimeLimitExceeded as exc:  # depends on this machine's speed: never cached
        return Verdict.invalid(f"{exc.message}; the answer was not graded", read_as=answer.read_as, cacheable=False)
    except AnswerError as exc:
        return Verdict.invalid(exc.describe(), read_as=answer.read_as)
    except GraderError:
        raise  # an author error (rubric, reference): stops the run
    except Exception as exc:  # a bug in a kind must not stop the batch or lose other grades
        return Verdict.invalid(
            f"internal error: the grader failed on this answer ({type(exc).__name__}); "
            "this is a grader bug, not a mistake in the answer: a TA will review it",
            read_as=answer.read_as,
            cacheable=False,
        )


def match_rules(item: Item, parsed: Any, read_as: str, *, keys: KeyBook, student_id: str | None, start: int = 0, first: Verdict | None = None) -> Verdict:
    """Key first, then accepted alternatives, then known mistakes; the first match decides.

    `start` > 0 continues after rules already compared, `first` being the key's verdict. The
    outcome is cacheable only if every comparison it rests on was.
    """
    kind = get_kind(item.kind)
    cacheable = first is None or first.cacheable
    for index, rule in enumerate(item.rules()[start:], start):
        verdict = kind.compare(parsed, keys.expected(item, index, student_id), item)
        cacheable = cacheable and verdict.cacheable
        if first is None:
            first = verdict
        if verdict.status is not Status.CORRECT:
            continue
        if index == 0:
            return Verdict(Status.CORRECT, 1.0, read_as, verdict.feedback, cacheable=cacheable)
        status = Status.CORRECT if rule.credit >= 1 else Status.PARTIAL if rule.credit > 0 else Status.WRONG
        return Verdict(status, rule.credit, read_as, rule.feedback or verdict.feedback, matched=rule.name, cacheable=cacheable)
    assert first is not None
    return Verdict(Status.WRONG, 0.0, read_as, first.feedback, cacheable=cacheable)


def grade_answers(answers: dict[str, Any], *, rubric: Rubric, keys: KeyBook | None, student_id: str | None, reveal: Callable[[Item], bool] | None = None) -> tuple[ItemResult, ...]:
    return tuple(
        grade_item(item, answers.get(item.id), keys=keys, student_id=student_id, reveal=True if reveal is None else reveal(item))
        for item in rubric.items
    )


def grade_submission(submission: Submission, *, rubric: Rubric, keys: KeyBook) -> SubmissionResult:
    items = grade_answers(submission.answers, rubric=rubric, keys=keys, student_id=submission.student_id)
    reason = submission.extra.get("missing_reason")  # e.g. a PDF with no answer fields
    if reason:
        items = tuple(replace(r, verdict=Verdict(Status.MISSING, 0.0, None, str(reason))) if r.verdict.status is Status.MISSING else r for r in items)
    return SubmissionResult(
        student_id=submission.student_id,
        homework=rubric.homework,
        source=submission.path.name,
        items=items,
        warnings=submission.warnings,
        submitted_at=None,
        file_sha256=submission.sha256,
        name=submission.extra.get("name"),
        modified_at=submission.modified_at,
        pdf=_sheet_pages(submission),
    )


def _sheet_pages(submission: Submission) -> SheetPages | None:
    pages, sheet_pages = submission.extra.get("pdf_pages"), submission.extra.get("pdf_sheet_pages")
    if not isinstance(pages, int):
        return None
    return SheetPages(pages, sheet_pages if isinstance(sheet_pages, int) else None)
