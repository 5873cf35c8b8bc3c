"""Grading: one answer → Verdict, one file → SubmissionResult, a folder → BatchResult.

The engine owns what is common to every kind: missing answers, turning `AnswerError` into an
*invalid* verdict, the per-item time bound, and walking the rubric's key → accepted → mistakes
rules to give credit and feedback.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from grader.errors import AnswerError, GraderError, SubmissionError, TimeLimitExceeded
from grader.gradecache import GradeCache
from grader.keys import KeyBook
from grader.kinds import get_kind
from grader.model import FileError, ItemResult, Status, SubmissionResult, Verdict
from grader.pool import running_pool, worker_state
from grader.rubric import Item, Rubric, load_rubric
from grader.submission import Submission, display_name, find_answer_files, load_submission, student_id_from_name, valid_student_id
from grader.timeout import limit_message, time_limit

ITEM_SECONDS = 2.0
READ_OK = "read correctly; correctness is not shown for this item"
SMALL_BATCH = 24


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
        extra={"modified_at": submission.modified_at, **{k: v for k, v in submission.extra.items() if k.startswith("pdf_")}},
    )


@dataclass(frozen=True)
class BatchResult:
    rubric: Rubric
    results: tuple[SubmissionResult, ...]
    errors: tuple[FileError, ...]
    skipped: tuple[FileError, ...] = ()
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)
    no_file: tuple[str, ...] = ()  # roster students with no answer file in the folder


# --- worker side: one rubric and key book per process ------------------------------------------


def _worker_setup(rubric_path: str) -> tuple[Rubric, KeyBook]:
    rubric = load_rubric(rubric_path)
    keys = KeyBook(rubric)
    keys.warm()
    return rubric, keys


def _grade_path(path: str) -> SubmissionResult | FileError:
    rubric, keys = worker_state()
    return grade_file(Path(path), rubric=rubric, keys=keys)


def grade_file(path: Path, *, rubric: Rubric, keys: KeyBook) -> SubmissionResult | FileError:
    try:
        submission = load_submission(path, prefix=rubric.file_prefix, item_ids=rubric.item_ids)
    except SubmissionError as exc:
        return FileError(display_name(path.name), str(exc))
    return grade_submission(submission, rubric=rubric, keys=keys)


def grade_batch(
    folder: Path,
    *,
    rubric: Rubric,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    roster: Collection[str] | None = None,
    cache: GradeCache | None = None,
    others: Mapping[str, str] | None = None,
) -> BatchResult:
    """Grade every answer file in `folder`; a bad file is listed in `errors`, never raised.

    With a `roster` (the course's student ids), a file whose id is not in it is listed in
    `errors` ("not in the roster") and not graded. With a `cache` (`grader.gradecache`), files
    unchanged since they were graded under the same rubric, reference code and grader take their
    stored results, and the others' results are added to it (the caller saves it).
    """
    start = time.perf_counter()
    files, skipped = find_answer_files(folder, rubric.file_prefix, others=others)
    outcomes: list[SubmissionResult | FileError] = []
    no_file: tuple[str, ...] = ()
    if roster is not None:
        with_file = {student_id_from_name(p, rubric.file_prefix) for p in files}
        no_file = tuple(sorted({str(r).strip() for r in roster} - with_file - {""}))
        files, outcomes = _filter_roster(files, roster, rubric.file_prefix)
    all_files = files
    done_before = 0
    if cache is not None:
        hits, files = cache.split(files)
        outcomes += hits
        done_before = len(hits)
    total = done_before + len(files)
    # Worker processes cost a second or two to start (torch); small batches are faster in-process.
    jobs = 1 if len(files) < SMALL_BATCH else max(1, min(jobs, len(files)))
    if jobs == 1:
        if files or cache is None:  # every file cached: no reference code needs to run
            keys = KeyBook(rubric)
            keys.warm()
        for done, path in enumerate(files, done_before + 1):
            outcomes.append(grade_file(path, rubric=rubric, keys=keys))
            if progress:
                progress(done, total)
    else:
        KeyBook(rubric).warm()  # fail fast on a broken reference before starting workers
        with running_pool(jobs, what="grading", setup=_worker_setup, args=(str(rubric.path),)) as pool:
            chunk = max(1, len(files) // (jobs * 8))
            for done, outcome in enumerate(pool.map(_grade_path, [str(p) for p in files], chunksize=chunk), done_before + 1):
                outcomes.append(outcome)
                if progress:
                    progress(done, total)
    if cache is not None:
        cache.store(files, outcomes[len(outcomes) - len(files):])
    results, superseded = _dedupe([o for o in outcomes if isinstance(o, SubmissionResult)], all_files)
    errors = [o for o in outcomes if isinstance(o, FileError)]
    return BatchResult(
        rubric=rubric,
        results=tuple(sorted(results, key=lambda r: r.student_id)),
        errors=tuple(sorted(errors, key=lambda e: e.file)),
        skipped=tuple(sorted([FileError(n, m) for n, m in skipped] + superseded, key=lambda e: e.file)),
        seconds=time.perf_counter() - start,
        no_file=no_file,
    )


def _filter_roster(files: Sequence[Path], roster: Collection[str], prefix: str) -> tuple[list[Path], list[SubmissionResult | FileError]]:
    """Files whose student id is in `roster`, and a FileError for each one that is not.

    Ids compare after stripping spaces; a file name whose id is malformed is left to the loader,
    which says what is wrong with it.
    """
    known = {str(r).strip() for r in roster}
    kept: list[Path] = []
    refused: list[SubmissionResult | FileError] = []
    for path in files:
        file_id = student_id_from_name(path, prefix)
        if file_id is not None and valid_student_id(file_id) and file_id not in known:
            name = display_name(path.name)
            refused.append(FileError(name, f"{name}: student id {file_id!r} is not in the roster; the file was not graded"))
        else:
            kept.append(path)
    return kept, refused


def _mtime(path: Path) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:  # removed or replaced while the batch ran
        return 0.0


def _dedupe(results: Sequence[SubmissionResult], files: Sequence[Path]) -> tuple[list[SubmissionResult], list[FileError]]:
    """Two files for one student: the newest file wins; both are reported."""
    mtimes = {p.name: _mtime(p) for p in files}
    by_id: dict[str, list[SubmissionResult]] = {}
    for result in results:
        by_id.setdefault(result.student_id, []).append(result)
    kept: list[SubmissionResult] = []
    notes: list[FileError] = []
    for student_id, group in by_id.items():
        group.sort(key=lambda r: (mtimes.get(r.source, 0.0), r.source))
        winner = group[-1]
        for loser in group[:-1]:
            notes.append(FileError(loser.source, f"superseded: {student_id} also submitted {winner.source}, which is newer and is graded"))
        if len(group) > 1:
            from dataclasses import replace

            winner = replace(winner, warnings=winner.warnings + (f"{len(group)} files for this student; graded the newest, {winner.source}",))
        kept.append(winner)
    return kept, notes
