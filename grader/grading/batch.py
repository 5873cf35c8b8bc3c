"""Grading a folder: every answer file found and accounted for, graded in-process or in the
process pool, the roster applied, and two files of one student resolved (the newest wins)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import SubmissionError
from grader.grading.cache import GradeCache
from grader.grading.item import grade_submission
from grader.keys.keybook import KeyBook
from grader.model import FileError, SubmissionResult
from grader.pool import running_pool, worker_state
from grader.readers.answer_file import display_name, find_answer_files, load_submission, student_id_from_name, valid_student_id
from grader.rubric import Rubric, load_rubric

SMALL_BATCH = 24  # below this many files to grade, the pool's start-up costs more than it saves


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
    `errors` ("not in the roster") and not graded. With a `cache` (`grader.grading.cache`), files
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
