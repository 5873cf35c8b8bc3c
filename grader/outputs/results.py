"""The run's machine-readable files: results/<id>.json per student (the JSON of
`grader.result_schema`), grades.csv, and the one reader of results/*.json.

Both are deterministic (sorted, no timestamps), so re-grading the same inputs gives byte-identical
files and a diff shows only real changes. Every file is written atomically (grader.fsio).
The JSON layout is a public contract (docs/results-format.md): add fields, never rename them.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from grader.csvio import csv_document
from grader.fsio import SkipIndex, atomic_write, remove_stale_temps, sync_dir, write_if_changed
from grader.model import SubmissionResult
from grader.numfmt import score_value
from grader.result_schema import ResultDoc, dumps, result_doc
from grader.rubric import Rubric

SCHEMA = "hwgrader.result/1"


def read_results(out_dir: Path, *, homework: str | None = None) -> dict[str, dict[str, Any]]:
    """The results JSON in `out_dir/results/` (of `homework` if given), by student id (the file's
    name): the one reader of results/*.json. A file that is not a result (unreadable, not JSON,
    without a student id and homework) is left out, never raised: the gradebook is the record."""
    folder = out_dir / "results"
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or not isinstance(data.get("student_id"), str) or not isinstance(data.get("homework"), str):
            continue
        if homework is None or data["homework"] == homework:
            found[path.stem] = data
    return found


def retire_stale(out_dir: Path, *, homework: str, keep: set[str], run_id: int | None) -> list[str]:
    """Move results/<id>.json (of `homework`) and reports/<id>.pdf of students this run did not
    grade (file removed, now unreadable, not in the roster) to `out_dir/stale/run-<run_id>/`,
    so the folder shows only this run; returns their ids. Nothing is deleted."""
    results = out_dir / "results"
    gone = [student for student in read_results(out_dir, homework=homework) if student not in keep]
    target = out_dir / "stale" / f"run-{run_id}"
    for student in gone:
        for folder, name in ((results, f"{student}.json"), (out_dir / "reports", f"{student}.pdf")):
            if (folder / name).is_file():
                (target / folder.name).mkdir(parents=True, exist_ok=True)
                os.replace(folder / name, target / folder.name / name)
    if gone:
        sync_dir(results)
    return gone


RESULTS_INDEX = ".results-index.json"  # {student id: [digest, size, mtime_ns]} of results/*.json as written
RESULTS_INDEX_VERSION = 1


def _results_entry(raw: Any) -> tuple[str, int, int]:
    digest, size, mtime_ns = raw
    return str(digest), int(size), int(mtime_ns)


def write_results(results: Iterable[SubmissionResult | ResultDoc], out_dir: Path) -> list[Path]:
    """results/<id>.json for each result. A file whose content is unchanged is not written (its
    time stays); one written by an earlier run from the same JSON (same digest) and not touched
    since (same size and modification time) is not even formatted again."""
    remove_stale_temps(out_dir / "results")
    skip = SkipIndex(out_dir / RESULTS_INDEX, RESULTS_INDEX_VERSION)
    index = skip.load(_results_entry)
    fresh: dict[str, tuple[str, int, int]] = {}
    paths = []
    for item in results:
        doc = item if isinstance(item, ResultDoc) else result_doc(item)
        path = out_dir / "results" / f"{doc.student_id}.json"
        paths.append(path)
        entry = index.get(doc.student_id)
        try:
            st = os.lstat(path) if entry is not None and entry[0] == doc.digest else None
        except OSError:
            st = None
        if st is None or entry is None or not stat.S_ISREG(st.st_mode) or (st.st_size, st.st_mtime_ns) != entry[1:]:
            write_if_changed(path, dumps(doc.data))
            st = os.lstat(path)
        fresh[doc.student_id] = (doc.digest, st.st_size, st.st_mtime_ns)
    skip.save(fresh, previous=index)
    return paths


def grades_csv(results: Sequence[SubmissionResult], rubric: Rubric) -> str:
    questions = [q.id for q in rubric.questions]
    header = ["student_id", *rubric.item_ids, *questions, "auto", "manual", "bonus", "pending_manual", "adjustments", "late_days", "total"]
    rows: list[list[Any]] = [header]
    for result in sorted(results, key=lambda r: r.student_id):
        by_item = {r.item_id: r for r in result.items}
        qpoints = result.question_points()
        row: list[Any] = [result.student_id]
        for item_id in rubric.item_ids:
            r = by_item.get(item_id)
            row.append("" if r is None else ("pending" if r.pending else score_value(r.points)))
        row += [score_value(qpoints.get(q, 0.0)) for q in questions]
        row += [
            score_value(result.auto_points),
            score_value(result.manual_points),
            score_value(result.bonus_points),
            score_value(result.pending_points),
            score_value(result.adjustment_points),
            result.late_days,
            score_value(result.total),
        ]
        rows.append(row)
    return csv_document(rows)


def write_grades_csv(results: Sequence[SubmissionResult], rubric: Rubric, out_dir: Path) -> Path:
    path = out_dir / "grades.csv"
    remove_stale_temps(out_dir)
    atomic_write(path, grades_csv(results, rubric))
    return path
