"""Final grades for an LMS: one homework's run (from the gradebook, or results/*.json as the last
run wrote them) as CSV or JSON records, and the term's table in the term formats (`outputs.term`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.csvio import csv_document
from grader.errors import GraderError, SubmissionError
from grader.numfmt import score_value
from grader.outputs.results import read_results
from grader.result_schema import dumps

BONUS_KINDS = ("early_bonus",)
PENALTY_KINDS = ("late_penalty", "too_late")


@dataclass(frozen=True)
class ExportSource:
    """One homework's results to export, and where they came from."""

    homework: str
    part: str | None
    run_id: int | None
    source: str  # the gradebook or the results folder
    results: dict[str, dict[str, Any]]  # student id → results JSON
    questions: list[str]
    note: str | None = None  # e.g. exported from results/*.json: no gradebook


def export_records(results: Mapping[str, Mapping[str, Any]], questions: Sequence[str]) -> list[dict[str, Any]]:
    """One record per student from results JSON: total, per-question points, late days, bonus, penalty."""
    records = []
    for student in sorted(results):
        data = results[student]
        adjustments = data.get("adjustments", [])
        records.append(
            {
                "student_id": student,
                "total": score_value(data["totals"]["total"]),
                "questions": {q: score_value(data.get("questions", {}).get(q, 0.0)) for q in questions},
                "late_days": int(data.get("late_days", 0)),
                "bonus": score_value(sum(a["points"] for a in adjustments if a["kind"] in BONUS_KINDS)),
                "penalty": score_value(sum(a["points"] for a in adjustments if a["kind"] in PENALTY_KINDS)),
                "submitted_at": data.get("submitted_at"),
                "pending_manual": score_value(data["totals"].get("pending_manual", 0)),
                "adjustments": [{"kind": a["kind"], "points": score_value(a["points"]), "reason": a["reason"]} for a in adjustments],
            }
        )
    return records


def export_csv(records: Sequence[Mapping[str, Any]], questions: Sequence[str]) -> str:
    rows: list[list[Any]] = [["student_id", "total", *questions, "late_days", "bonus", "penalty"]]
    for r in records:
        rows.append([r["student_id"], r["total"], *(r["questions"][q] for q in questions), r["late_days"], r["bonus"], r["penalty"]])
    return csv_document(rows)


def export_json(source: ExportSource, records: Sequence[Mapping[str, Any]]) -> str:
    meta = {"homework": source.homework, "part": source.part, "run_id": source.run_id, "source": source.source}
    return dumps({**meta, "questions": source.questions, "students": list(records)})


def load_source(out_dir: Path, *, db: Path | None, homework: str | None, part: str | None, run_id: int | None) -> ExportSource:
    """The run to export: from the gradebook (`db`, default `<out>/gradebook.sqlite`), or from
    `<out>/results` as the last run wrote them when there is no gradebook."""
    from grader.store.gradebook import Gradebook, default_db
    from grader.store.manual import pick_run

    path = db or default_db(out_dir)
    if path.exists():
        with Gradebook.open(path) as book:
            run = book.run(run_id) if run_id is not None else pick_run(book, homework, part)
            if run is None:
                raise GraderError(f"{path}: no run {run_id}")
            results = book.run_results(run.id)
            questions = list(dict.fromkeys(i.question for i in book.run_items(run.id)))
        return ExportSource(run.homework, run.part, run.id, str(path), results, questions)
    if db is not None or run_id is not None:
        raise GraderError(f"{path}: no gradebook here")
    folder = out_dir / "results"
    results = {str(data["student_id"]): data for data in read_results(out_dir, homework=homework).values()}
    if not results:
        raise GraderError(f"nothing to export: no gradebook at {path} and no results in {folder}")
    homeworks = sorted({str(d.get("homework")) for d in results.values()})
    if len(homeworks) > 1:
        raise GraderError(f"{folder} holds results of {', '.join(homeworks)}; choose one with --homework")
    questions = sorted({q for d in results.values() for q in d.get("questions", {})})
    note = f"note: no gradebook at {path}; exported from {folder} as the last run wrote it (see `grade gradebook check`)"
    return ExportSource(homeworks[0], part, None, str(folder), results, questions, note)


def assignment_id_map(pairs: Sequence[str]) -> dict[str, str]:
    """`hw4=123` pairs (Canvas assignment ids per homework column)."""
    ids = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise SubmissionError(f"--assignment-id {pair!r}: expected HOMEWORK=ID, e.g. hw4=123")
        ids[key.strip()] = value.strip()
    return ids


def term_export(book: Any, *, fmt: str, homework: str | None = None, roster: Path | None = None, assignment_ids: Mapping[str, str] | None = None) -> tuple[str, int]:
    """The term table of `book` (a `Gradebook`) in `fmt`, and its number of students."""
    from grader.outputs.term import canvas_csv, moodle_csv, read_lms_roster, term_csv, term_json, term_table

    table = term_table(book, homeworks=[homework] if homework else ())
    people = read_lms_roster(roster) if roster is not None else None
    if fmt == "canvas":
        text = canvas_csv(table, roster=people, assignment_ids=dict(assignment_ids or {}))
    elif fmt == "moodle":
        text = moodle_csv(table, roster=people)
    elif fmt == "json":
        text = term_json(table)
    else:
        text = term_csv(table)
    return text, len(table.rows)
