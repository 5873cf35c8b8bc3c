"""`grade export`: final grades for the LMS, from the gradebook's latest run (or the out folder)."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli.common import echo
from grader.cli.manual_cmds import DB_OPTION, HOMEWORK_OPTION, OUT_OPTION, PART_OPTION, open_existing


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
    from grader.outputs.export import assignment_id_map, export_csv, export_json, export_records, load_source, term_export

    if term or fmt in ("canvas", "moodle"):
        ids = assignment_id_map(assignment_ids)
        with open_existing(out_dir, db) as book:
            text, students = term_export(book, fmt=fmt, homework=homework, roster=roster, assignment_ids=ids)
        if output is None:
            click.echo(text, nl=False)
        else:
            atomic_write(output, text)
            click.echo(f"wrote {output}: {students} students (the term, {db or out_dir / 'gradebook.sqlite'})", err=True)
        return
    source = load_source(out_dir, db=db, homework=homework, part=part, run_id=run_id)
    if source.note:
        echo(source.note, err=True)
    records = export_records(source.results, source.questions)
    text = export_csv(records, source.questions) if fmt == "csv" else export_json(source, records)
    if output is None:
        echo(text, nl=False)
    else:
        atomic_write(output, text)
        echo(f"wrote {output}: {len(records)} students ({source.homework}, {source.source})", err=True)


COMMANDS = [export_cmd]
