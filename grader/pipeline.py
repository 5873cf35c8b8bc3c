"""The main job as a library call: grade a folder and write every output into one folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from grader.engine import BatchResult, grade_batch
from grader.output import atomic_write, dumps, write_grades_csv, write_results
from grader.rubric import Rubric


@dataclass
class RunOutcome:
    batch: BatchResult
    out_dir: Path
    written: list[Path] = field(default_factory=list)
    report_note: str = ""


def write_errors(batch: BatchResult, out_dir: Path) -> Path:
    """`errors.json`: files that could not be graded and files skipped, each with the reason."""
    data = {
        "unreadable": [{"file": e.file, "error": e.message} for e in batch.errors],
        "skipped": [{"file": e.file, "reason": e.message} for e in batch.skipped],
    }
    path = out_dir / "errors.json"
    atomic_write(path, dumps(data))
    return path


def run_grading(
    folder: Path,
    *,
    rubric: Rubric,
    out_dir: Path,
    jobs: int = 1,
    pdf: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> RunOutcome:
    batch = grade_batch(folder, rubric=rubric, jobs=jobs, progress=progress)
    outcome = RunOutcome(batch=batch, out_dir=out_dir)
    outcome.written += write_results(batch.results, out_dir)
    outcome.written.append(write_grades_csv(batch.results, rubric, out_dir))
    outcome.written.append(write_errors(batch, out_dir))
    if pdf:
        outcome.report_note = _render_reports(batch, out_dir, jobs=jobs)
    return outcome


def _render_reports(batch: BatchResult, out_dir: Path, *, jobs: int) -> str:
    try:
        from grader import report
    except ImportError:  # the report package is optional until installed
        return "PDF reports are not available in this installation"
    stats = report.render_reports(batch.results, batch.rubric, out_dir / "reports", jobs=jobs)
    report.render_summary(
        batch.results,
        batch.rubric,
        out_dir / "reports" / "summary.pdf",
        unreadable=[(e.file, e.message) for e in batch.errors],
    )
    return str(stats)


def load_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))
