"""`grade export`: final grades for the LMS, from the gradebook's latest run (or the out folder)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from grader.cli.common import echo
from grader.cli.manual_cmds import DB_OPTION, HOMEWORK_OPTION, OUT_OPTION, PART_OPTION
from grader.numfmt import score_value

BONUS_KINDS = ("early_bonus",)
PENALTY_KINDS = ("late_penalty", "too_late")




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
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_id", "total", *questions, "late_days", "bonus", "penalty"])
    for r in records:
        writer.writerow([r["student_id"], r["total"], *(r["questions"][q] for q in questions), r["late_days"], r["bonus"], r["penalty"]])
    return buffer.getvalue()


def load_source(out_dir: Path, db: Path | None, homework: str | None, part: str | None, run_id: int | None) -> tuple[dict[str, Any], dict[str, dict[str, Any]], list[str]]:
    """(metadata, student → results JSON, question ids) from the gradebook, or from <out>/results."""
    from grader.errors import GraderError
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
        meta = {"homework": run.homework, "part": run.part, "run_id": run.id, "source": str(path)}
        return meta, results, questions
    if db is not None or run_id is not None:
        raise GraderError(f"{path}: no gradebook here")
    folder = out_dir / "results"
    results = {}
    for file in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        data = json.loads(file.read_text(encoding="utf-8"))
        if homework is None or data.get("homework") == homework:
            results[str(data["student_id"])] = data
    if not results:
        raise GraderError(f"nothing to export: no gradebook at {path} and no results in {folder}")
    homeworks = sorted({str(d.get("homework")) for d in results.values()})
    if len(homeworks) > 1:
        raise GraderError(f"{folder} holds results of {', '.join(homeworks)}; choose one with --homework")
    questions = sorted({q for d in results.values() for q in d.get("questions", {})})
    echo(f"note: no gradebook at {path}; exported from {folder} as the last run wrote it (see `grade gradebook check`)", err=True)
    return {"homework": homeworks[0], "part": part, "run_id": None, "source": str(folder)}, results, questions


@click.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json", "canvas", "moodle"]), default="csv", show_default=True,
    help="csv: for the LMS upload; json: with every adjustment's reason; canvas / moodle: their gradebook imports (the term).",
)
@click.option("--term", is_flag=True, help="The whole term: one row per student, every homework's total, late days used and left.")
@click.option("--roster", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None, help="canvas/moodle: CSV of student_id with name, lms_id, login, section, email.")
@click.option("--assignment-id", "assignment_ids", multiple=True, metavar="HW=ID", help="canvas: the assignment id of a homework column, e.g. hw4=123 (default: the homework id).")
@OUT_OPTION
@DB_OPTION
@HOMEWORK_OPTION
@PART_OPTION
@click.option("--run", "run_id", type=int, default=None, help="A gradebook run id (default: the latest run).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Write here (atomically) instead of to stdout.")
def export_cmd(
    fmt: str, term: bool, roster: Path | None, assignment_ids: tuple[str, ...], out_dir: Path, db: Path | None,
    homework: str | None, part: str | None, run_id: int | None, output: Path | None,
) -> None:
    """Final grades: student id, total, per-question points, late days, early bonus, late penalty.

    From the gradebook's latest run of the homework (or <out>/results/*.json if there is no
    gradebook). `bonus` is the early-submission bonus; bonus *items* (the rubric's) are in their
    question. With --term (or --format canvas/moodle): the term table, one column per homework.
    """
    from grader.fsio import atomic_write
    from grader.outputs.results import dumps

    if term or fmt in ("canvas", "moodle"):
        text, students = _term_export(fmt, out_dir, db, homework, roster, assignment_ids)
        if output is None:
            click.echo(text, nl=False)
        else:
            atomic_write(output, text)
            click.echo(f"wrote {output}: {students} students (the term, {db or out_dir / 'gradebook.sqlite'})", err=True)
        return
    meta, results, questions = load_source(out_dir, db, homework, part, run_id)
    records = export_records(results, questions)
    if fmt == "csv":
        text = export_csv(records, questions)
    else:
        text = dumps({**meta, "questions": questions, "students": records})
    if output is None:
        echo(text, nl=False)
    else:
        atomic_write(output, text)
        echo(f"wrote {output}: {len(records)} students ({meta['homework']}, {meta['source']})", err=True)


def _term_export(fmt: str, out_dir: Path, db: Path | None, homework: str | None, roster: Path | None, assignment_ids: tuple[str, ...]) -> tuple[str, int]:
    from grader.cli.manual_cmds import open_existing
    from grader.errors import SubmissionError
    from grader.outputs.term import canvas_csv, moodle_csv, read_lms_roster, term_csv, term_json, term_table

    ids = {}
    for pair in assignment_ids:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise SubmissionError(f"--assignment-id {pair!r}: expected HOMEWORK=ID, e.g. hw4=123")
        ids[key.strip()] = value.strip()
    with open_existing(out_dir, db) as book:
        table = term_table(book, homeworks=[homework] if homework else ())
    people = read_lms_roster(roster) if roster is not None else None
    if fmt == "canvas":
        text = canvas_csv(table, roster=people, assignment_ids=ids)
    elif fmt == "moodle":
        text = moodle_csv(table, roster=people)
    elif fmt == "json":
        text = term_json(table)
    else:
        text = term_csv(table)
    return text, len(table.rows)


COMMANDS = [export_cmd]
