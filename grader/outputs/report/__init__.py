"""PDF reports: one per student, and a class summary.

results -> view model (`grader.outputs.report.view`, frozen dataclasses of plain values)
        -> Jinja2 templates (package data in `grader/outputs/report/templates/`)
        -> WeasyPrint (fonts bundled with matplotlib, a fetcher that loads nothing else).

jinja2 and weasyprint are imported only when something is rendered, so importing
this package stays cheap. Every rendering or writing failure is a `ReportError` that names the
student (or the summary) and the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from grader.model import SubmissionResult
from grader.outputs.report.batch import ReportPool, ReportStats
from grader.rubric import Rubric

__all__ = ["ReportPool", "ReportStats", "render_reports", "render_student_report", "render_summary"]


def render_student_report(
    result: SubmissionResult, rubric: Rubric, path: Path, *, course: str = "", graded_at: str = ""
) -> None:
    """Render one student's report to `path` (atomically), in this process.

    `graded_at` is shown as given; empty means "now".
    """
    from grader.outputs.report.batch import now_text, render_view
    from grader.outputs.report.view import build_student_view

    view = build_student_view(result, rubric, course=course, graded_at=graded_at or now_text())
    render_view(view, Path(path))


def render_reports(
    results: Sequence[SubmissionResult],
    rubric: Rubric,
    out_dir: Path,
    *,
    course: str = "",
    graded_at: str = "",
    jobs: int = 1,
    force: bool = False,
) -> ReportStats:
    """Render `<out_dir>/<student_id>.pdf` for every result, skipping unchanged ones.

    `jobs` > 1 renders in that many worker processes (0: one per CPU); `jobs=1` in-process.
    `force` re-renders everything; `graded_at` (empty: now) is not part of the content hash, so
    a new time alone never re-renders a report. Reports that fail do not stop the others; afterwards one
    `ReportError` lists them all.
    """
    with ReportPool(jobs) as pool:
        return pool.render_reports(results, rubric, Path(out_dir), course=course, graded_at=graded_at, force=force)


def render_summary(
    results: Sequence[SubmissionResult],
    rubric: Rubric,
    path: Path,
    *,
    unreadable: Sequence[tuple[str, str]] = (),
    course: str = "",
    graded_at: str = "",
) -> None:
    """Render the class summary (histogram, per-question/item statistics, unreadable files)."""
    from grader.outputs.report.batch import now_text, render_summary_view
    from grader.outputs.report.view import build_summary_view

    view = build_summary_view(results, rubric, unreadable=unreadable, course=course, graded_at=graded_at or now_text())
    render_summary_view(view, Path(path))
