"""Machine-readable outputs: one results JSON per student and the grades CSV.

Both are deterministic (sorted, no timestamps), so re-grading the same inputs gives byte-identical
files and a diff shows only real changes. Every file is written atomically (grader.fsio).
The JSON layout is a public contract (docs/results-format.md): add fields, never rename them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from grader.csvio import csv_document
from grader.fsio import SkipIndex, atomic_write, remove_stale_temps, sync_dir, write_if_changed
from grader.model import ItemResult, SubmissionResult
from grader.numfmt import score_value
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


def item_json(result: ItemResult) -> dict[str, Any]:
    data: dict[str, Any] = {
        "status": result.status.value,
        "points": score_value(result.points),
        "max_points": score_value(result.max_points),
        "read_as": result.verdict.read_as,
        "feedback": result.verdict.feedback,
        "bonus": result.bonus,
        "manual": result.manual,
    }
    if result.verdict.matched:
        data["matched"] = result.verdict.matched
    if result.expected is not None:
        data["expected"] = result.expected
    if result.manual_score is not None:
        data["manual_score"] = {"points": score_value(result.manual_score.points), "comment": result.manual_score.comment}
        if result.manual_score.answer_changed:
            data["manual_score"]["answer_changed"] = True  # the answer is not the one the TA graded
    return data


def result_json(result: SubmissionResult) -> dict[str, Any]:
    data = _result_json(result)
    if result.pdf is not None:  # a PDF answer sheet: pages for the TA (derivations appended after the sheet)
        data["pdf"] = {"pages": result.pdf.pages, "sheet_pages": result.pdf.sheet_pages, "appended_pages": result.pdf.appended}
    return data


def _result_json(result: SubmissionResult) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "student_id": result.student_id,
        "homework": result.homework,
        "source": result.source,
        "file_sha256": result.file_sha256,
        "submitted_at": result.submitted_at,
        "totals": {
            "auto": score_value(result.auto_points),
            "manual": score_value(result.manual_points),
            "bonus": score_value(result.bonus_points),
            "pending_manual": score_value(result.pending_points),
            "adjustments": score_value(result.adjustment_points),
            "total": score_value(result.total),
            "max": score_value(result.max_points),
            "max_bonus": score_value(result.max_bonus),
        },
        "questions": {q: score_value(p) for q, p in sorted(result.question_points().items())},
        "items": {r.item_id: item_json(r) for r in result.items},
        "adjustments": [
            {"kind": a.kind.value, "points": score_value(a.points), "reason": a.reason, "late_days_used": a.late_days_used}
            for a in result.adjustments
        ],
        "late_days": result.late_days,
        "warnings": list(result.warnings),
    }


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(data: Any) -> str:
    """Indented UTF-8 JSON; a lone surrogate (only inside a string) becomes its \\uXXXX escape."""
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    if _LONE_SURROGATE.search(text):
        text = _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text


@dataclass(frozen=True)
class ResultDoc:
    """A result's JSON, made once per run and shared by the run diff, results/*.json and the
    gradebook (each used to build it again: a third of a re-grade's time at 1,000 students)."""

    result: SubmissionResult
    data: dict[str, Any]
    text: str  # compact, sorted keys: what the gradebook stores and the digest is taken of

    @property
    def student_id(self) -> str:
        return self.result.student_id

    @cached_property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8", "replace")).hexdigest()


def result_doc(result: SubmissionResult) -> ResultDoc:
    data = result_json(result)
    return ResultDoc(result, data, json.dumps(data, ensure_ascii=False, sort_keys=True))


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
