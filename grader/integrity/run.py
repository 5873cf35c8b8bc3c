"""`grade integrity` as a library call, and the hook a grading run calls after its results.

The command re-uses the grading cache of the output folder (unchanged files are not graded
again, and nothing of the run's is written: no results, gradebook rows or cache), merges the TA
scores of the gradebook (they count in the totals of the item analysis), analyses, and writes
integrity.csv and key-health.csv.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.integrity.analysis import analyse
from grader.integrity.csvout import write_integrity
from grader.integrity.findings import IntegrityReport
from grader.model import SubmissionResult
from grader.rubric import Rubric


@dataclass(frozen=True)
class IntegrityOutcome:
    report: IntegrityReport
    written: tuple[Path, ...]
    graded: int  # files graded (or taken from the cache) for the analysis
    unreadable: int


def run_integrity(folder: Path, *, rubric: Rubric, out_dir: Path, jobs: int = 1, db: Path | None = None, write: bool = True) -> IntegrityOutcome:
    """Grade `folder` (re-using `out_dir`'s grading cache), analyse it, write the two CSVs."""
    from grader.errors import SubmissionError
    from grader.grading.batch import grade_batch
    from grader.grading.cache import GradeCache
    from grader.store.gradebook import Gradebook, default_db
    from grader.store.manual import merge_manual

    folder, out_dir = Path(folder), Path(out_dir)
    if not folder.is_dir():
        raise SubmissionError(f"{folder}: no such folder")
    batch = grade_batch(folder, rubric=rubric, jobs=jobs, cache=GradeCache.load(out_dir, rubric))
    db_path = Path(db) if db is not None else default_db(out_dir)
    results: list[SubmissionResult] = list(batch.results)
    if db_path.is_file():
        book = Gradebook.snapshot(db_path)
        try:
            results, _ = merge_manual(results, book.manual_scores(rubric.homework, rubric.part))
        finally:
            book.close()
    report = analyse(results, rubric=rubric, folder=folder)
    written = tuple(write_integrity(report, out_dir)) if write else ()
    return IntegrityOutcome(report, written, len(batch.results), len(batch.errors))


def integrity_after_run(results: tuple[SubmissionResult, ...], *, rubric: Rubric, folder: Path) -> tuple[IntegrityReport | None, str | None]:
    """The analysis for a grading run: (report, None), or (None, a one-sentence note) if it
    failed; evidence for a TA must never stop or change the grading."""
    try:
        return analyse(results, rubric=rubric, folder=folder), None
    except Exception as exc:  # noqa: BLE001 - a bug here must not cost the run its results
        return None, f"the integrity analysis failed ({type(exc).__name__}: {exc}); grades are not affected"
