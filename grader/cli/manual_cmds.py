"""`grade manual export|import` (TA scores for free-text items) and `grade ledger import|show`."""

from __future__ import annotations

import os
from pathlib import Path

import click

from grader.cli.common import echo

OUT_OPTION = click.option(
    "--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("out"), show_default=True,
    help="The grading output folder; the gradebook is <out>/gradebook.sqlite unless --db is given.",
)
DB_OPTION = click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Gradebook file (default: <out>/gradebook.sqlite).")
HOMEWORK_OPTION = click.option("--homework", default=None, help="Homework id, e.g. hw4 (default: the one in the gradebook or the sheet).")
PART_OPTION = click.option("--part", type=click.Choice(["theory", "practical"]), default=None, help="Part (default: the latest run's).")


def open_existing(out_dir: Path, db: Path | None):  # type: ignore[no-untyped-def]
    """The gradebook to read or update; never creates an empty one by mistake."""
    from grader.store.gradebook import Gradebook, GradebookError, default_db

    path = db or default_db(out_dir)
    if not path.exists():
        raise GradebookError(f"{path}: no gradebook here; grade the submissions first (or pass --db / --out)")
    return Gradebook.open(path)


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name on this machine: the TA passes --grader
        return ""


@click.group("manual")
def manual_group() -> None:
    """Manual grading of free-text items: export a sheet for the TAs, import their scores.

    \b
    grade manual export                          out/manual-hw4-theory.csv from the latest run
    grade manual import out/manual-hw4-theory.csv  check every row, then merge the scores
    grade submissions/                           re-grade: the scores reach results and reports
    """


@manual_group.command("export")
@OUT_OPTION
@DB_OPTION
@HOMEWORK_OPTION
@PART_OPTION
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Sheet file (default: <out>/manual-<homework>-<part>.csv).")
@click.option("--force", is_flag=True, help="Overwrite an existing sheet (scores not yet imported from it are lost).")
def manual_export_cmd(out_dir: Path, db: Path | None, homework: str | None, part: str | None, output: Path | None, force: bool) -> None:
    """Write the grading sheet: one row per student × manual item, with the student's text.

    CSV in UTF-8 with a BOM (Excel shows Persian). Fill in `score` (and `comment`); scores already
    in the gradebook are pre-filled.
    """
    from grader.store.manual import pick_run, write_sheet

    with open_existing(out_dir, db) as book:
        run = pick_run(book, homework, part)
        path = output or out_dir / f"manual-{run.homework}-{run.part}.csv"
        if path.exists() and not force:
            from grader.store.manual import SheetError

            raise SheetError(f"{path} exists (a TA may be filling it in); import it first, or pass --force or -o OTHER.csv")
        run, rows = write_sheet(book, path, homework=run.homework, part=run.part)
    echo(f"wrote {path}: {rows} rows (students × manual items) from run {run.id} of {run.homework} {run.part}")


@manual_group.command("import")
@click.argument("sheet", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@OUT_OPTION
@DB_OPTION
@HOMEWORK_OPTION
@PART_OPTION
@click.option("--grader", "grader_name", default=None, help="Your name, stored with the scores you changed (default: $USER).")
@click.option("--dry-run", is_flag=True, help="Check the sheet and show the changes; store nothing.")
@click.option("--overwrite", is_flag=True, help="Replace scores another TA changed since this sheet was exported (listed as conflicts otherwise).")
def manual_import_cmd(
    sheet: Path, out_dir: Path, db: Path | None, homework: str | None, part: str | None, grader_name: str | None, dry_run: bool, overwrite: bool
) -> None:
    """Check every row of SHEET and merge the rows you changed into the gradebook (all or none).

    Only rows whose score or comment differs from the export are imported, under your name. A
    row whose stored score another TA changed since the export is a conflict (exit 7, both
    values listed): blank it to keep theirs, or pass --overwrite. A blank score leaves the stored
    score alone. Re-grade afterwards to put the scores into the results, CSV and reports.
    """
    from grader.store.manual import SheetError, describe_change, import_sheet

    who = (grader_name or os.environ.get("USER", "") or _login_name()).strip()
    if not who:
        raise SheetError("who is importing? pass --grader NAME ($USER is not set)")
    with open_existing(out_dir, db) as book:
        plan, changes = import_sheet(sheet, book, homework=homework, part=part, grader=who.strip(), dry_run=dry_run, overwrite=overwrite)
    changed = [c for c in changes if c.changed]
    for change in changed:
        echo(describe_change(change))
    verb = "would change" if dry_run else "changed"
    echo(
        f"{plan.run.homework} {plan.run.part}: {len(changed)} score(s) {verb}, {len(changes) - len(changed) + plan.untouched} unchanged, "
        f"{plan.blank} row(s) without a score"
    )
    if dry_run:
        echo("dry run: nothing was stored")
    elif changed:
        echo("re-grade (grade <folder>) to apply the scores to the results, grades.csv and reports")


@click.group("ledger")
def ledger_group() -> None:
    """The late-day ledger: days each student used per homework part (for the term allowance)."""


@ledger_group.command("import")
@click.argument("csv_file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@OUT_OPTION
@DB_OPTION
def ledger_import_cmd(csv_file: Path, out_dir: Path, db: Path | None) -> None:
    """Record late days used on homeworks graded elsewhere (CSV: student_id, homework, part, late_days).

    A later grading run of the same homework part replaces these rows with what it computes.
    """
    from grader.policy.csv_inputs import read_ledger_csv
    from grader.store.gradebook import Gradebook, default_db

    entries = read_ledger_csv(csv_file)
    with Gradebook.open(db or default_db(out_dir)) as book:
        book.import_ledger(entries)
    echo(f"recorded {len(entries)} ledger row(s) from {csv_file}")


@ledger_group.command("show")
@click.argument("student_id", required=False)
@OUT_OPTION
@DB_OPTION
def ledger_show_cmd(student_id: str | None, out_dir: Path, db: Path | None) -> None:
    """The term's late days per student: used on each homework part, in all, and left this term
    by the course rule (from the term gradebook, out/gradebook.sqlite)."""
    from grader.outputs.term import ledger_lines, term_table

    with open_existing(out_dir, db) as book:
        table = term_table(book)
    for line in ledger_lines(table, student=student_id):
        echo(line)


COMMANDS = [manual_group, ledger_group]
