"""The TA's main job (`grade run`) and the student's tools (`grade check`, `grade template`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from grader.cli.common import console, echo, find_rubric, folder_homeworks, the_rubric

if TYPE_CHECKING:
    from grader.model import Status
    from grader.rubric import Rubric

STATUS_STYLE = {
    "correct": "green",
    "partial": "yellow",
    "wrong": "red",
    "invalid": "magenta",
    "missing": "dim",
    "pending": "cyan",
}


@click.command("run")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--rubric", type=click.Path(path_type=Path, dir_okay=False), help="Rubric YAML (default: found from the file names' prefix, e.g. HW4_ → rubrics/hw4.yaml).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None, help="This homework's output folder, with its own gradebook.sqlite (default: the term workspace: out/<homework>/, and out/gradebook.sqlite for the whole term).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="Worker processes (default: all cores).")
@click.option("--no-pdf", is_flag=True, help="Skip the PDF reports.")
@click.option("--manifest", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None, help="Submission times, CSV: student_id, part, submitted_at (default: FOLDER/manifest.csv if present, else the files' modification times).")
@click.option("--db", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Gradebook file (default: out/gradebook.sqlite, the term's; with --out: <out>/gradebook.sqlite).")
@click.option("--dry-run", is_flag=True, help="Grade and show what changed since the previous run; write nothing (no results, CSV, PDFs or gradebook rows).")
@click.option("--roster", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None, help="Enrolled student ids (one per line, or a CSV with a student_id column); files of other ids are not graded.")
def run_cmd(folder: Path, rubric: Path | None, out_dir: Path | None, jobs: int | None, no_pdf: bool, manifest: Path | None, db: Path | None, dry_run: bool, roster: Path | None) -> None:
    """Grade every answer file in FOLDER and write results, grades.csv and PDF reports.

    TA scores from the gradebook (`grade manual import`) are merged in, the course policy (early
    bonus, late days, late penalty) is applied with the late days of the whole term (one
    gradebook, out/gradebook.sqlite), and the changes since the previous run are shown before
    anything is written. Outputs go to out/<homework>/ unless --out says otherwise.
    """
    from grader.csvio import read_roster
    from grader.errors import SubmissionError
    from grader.rubric import load_rubric

    roster_ids = read_roster(roster) if roster is not None else None
    if not folder.is_dir():
        raise SubmissionError(f"{folder}: no such folder")
    names = [p.name for p in folder.iterdir()]
    found = folder_homeworks(names)
    if rubric is not None:
        rubrics = [load_rubric(rubric)]
    elif len(found) > 1:
        if out_dir is not None:
            raise SubmissionError(
                f"{folder} holds answer files of {len(found)} homeworks ({_found_text(found)}) and --out names one homework's "
                "folder: pass --rubric FILE to grade one of them, or leave --out out to grade each into out/<homework>/"
            )
        rubrics = _in_course_order([load_rubric(path) for path, _, _, _ in found])
        _check_mixed_manifest(folder, manifest, found)
    else:
        rubrics = [load_rubric(find_rubric(None, file_names=names))]
    out = console()
    if len(rubrics) > 1:
        out.print(f"{folder}: answer files of {_found_text(found)}; each is graded with its own rubric", markup=False, highlight=False, soft_wrap=True)
    for rubric_obj in rubrics:
        others = {prefix: hw for _, hw, prefix, _ in found if hw != rubric_obj.homework}
        _grade_one(
            out, folder, rubric_obj, out_dir=out_dir, db=db, jobs=jobs or os.cpu_count() or 1, no_pdf=no_pdf, manifest=manifest,
            dry_run=dry_run, roster=roster_ids, others=others,
        )


def _found_text(found: list[tuple[Path, str, str, int]]) -> str:
    return ", ".join(f"{hw}: {n} {prefix.upper()}… file{'s' if n != 1 else ''} ({path.name})" for path, hw, prefix, n in found)


def _in_course_order(rubrics: list[Rubric]) -> list[Rubric]:
    """Earlier final deadlines first, so each homework sees the late days of the ones before it."""
    from grader.policy.course import load_course_for

    def when(rubric: Rubric) -> tuple[bool, float, str]:
        course = load_course_for(rubric)
        deadline = course.final_deadline(rubric.homework, rubric.part) if course is not None else None
        return (deadline is None, deadline.timestamp() if deadline is not None else 0.0, rubric.homework)

    return sorted(rubrics, key=when)


def _check_mixed_manifest(folder: Path, manifest: Path | None, found: list[tuple[Path, str, str, int]]) -> None:
    """One manifest for several homeworks must say which homework each row is of."""
    from grader.api import MANIFEST_NAME
    from grader.errors import SubmissionError
    from grader.policy.csv_inputs import manifest_columns

    path = manifest if manifest is not None else (folder / MANIFEST_NAME if (folder / MANIFEST_NAME).is_file() else None)
    if path is not None and "homework" not in manifest_columns(path):
        raise SubmissionError(
            f"{path} has no homework column, but {folder} holds answer files of {', '.join(hw for _, hw, _, _ in found)}: "
            "add a homework column (student_id,homework,part,submitted_at), or grade each homework from its own folder"
        )


def _grade_one(
    out: Any, folder: Path, rubric_obj: Rubric, *, out_dir: Path | None, db: Path | None, jobs: int, no_pdf: bool,
    manifest: Path | None, dry_run: bool, roster: list[str] | None, others: dict[str, str],
) -> None:
    from grader.api import run_grading
    from grader.workspace import TERM_ROOT, adopt_flat_layout, place

    where = place(homework=rubric_obj.homework, out=out_dir, db=db)
    if where.term and not dry_run:
        for note in adopt_flat_layout(TERM_ROOT, rubric_obj.homework):
            out.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    def show_diff(diff) -> None:  # type: ignore[no-untyped-def]
        bar.stop()
        for line in diff.lines():
            out.print(line, markup=False, highlight=False, soft_wrap=True)

    with Progress(TextColumn(f"grading {rubric_obj.homework}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console(stderr=True), transient=True) as bar:
        task = bar.add_task("grading", total=None)
        outcome = run_grading(
            folder,
            rubric=rubric_obj,
            out_dir=where.out_dir,
            jobs=jobs,
            pdf=not no_pdf and not dry_run,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            manifest=manifest,
            db=where.db,
            dry_run=dry_run,
            on_diff=show_diff,
            roster=roster,
            others=others,
        )
    from rich.markup import escape

    from grader.model import AdjustmentKind

    for note in outcome.notes:
        out.print(f"[yellow]note[/yellow] {escape(note)}", highlight=False, soft_wrap=True)
    early = [r.student_id for r in outcome.batch.results if any(str(a.kind) == "early_bonus" for a in r.adjustments)]
    if early:
        out.print(f"early-submission bonus: {len(early)} student(s); reasons in results/*.json and the reports")
    for r in outcome.batch.results:  # lateness is listed one by one: it is what a TA must check
        for a in r.adjustments:
            if str(a.kind) != "early_bonus":
                points = "" if a.kind is AdjustmentKind.LATE_DAYS and not a.points else f" {a.points:+g}"  # days drawn cost no points: no "+0"
                out.print(f"{r.student_id} {a.kind}{points}: {a.reason}", markup=False, highlight=False, soft_wrap=True)
    if dry_run:
        out.print(f"dry run: {len(outcome.batch.results)} graded, nothing written")
        return
    _print_summary(out, outcome)
    out.print(f"gradebook: {outcome.db_path} (run {outcome.run_id})")


TABLE_ROWS = 60


def _print_summary(out, outcome) -> None:  # type: ignore[no-untyped-def]
    from statistics import mean, median

    from rich.markup import escape
    from rich.table import Table

    batch = outcome.batch
    rubric = batch.rubric
    results = batch.results
    title = f"{rubric.title}: {len(results)} graded, {len(batch.errors)} unreadable"
    if len(results) <= TABLE_ROWS:
        table = Table(title=title, title_justify="left", pad_edge=False, padding=(0, 1))
        table.add_column("student", no_wrap=True)
        wide = out.width >= 110  # per-question columns only where they fit; grades.csv has them all
        for q in rubric.questions if wide else ():
            table.add_column(q.id, justify="right", no_wrap=True)
        for col in ("auto", "manual", "bonus", "adj", "total", "✓/~/✗/!/∅"):
            table.add_column(col, justify="right", no_wrap=True)
        for r in results:
            qp = r.question_points()
            manual = f"{r.manual_points:g}" + ("+?" if r.pending_points else "")
            table.add_row(
                r.student_id,
                *[f"{qp.get(q.id, 0):g}" for q in (rubric.questions if wide else ())],
                f"{r.auto_points:g}",
                manual,
                f"{r.bonus_points:g}",
                f"{r.adjustment_points:+g}" if r.adjustment_points else "",
                f"{r.total:g}",
                "/".join(str(r.count(s)) for s in _statuses()),
            )
        out.print(table)
        out.print("[dim]✓ correct ~ partial ✗ wrong ! invalid ∅ missing; manual +? = TA grading pending; adj = early bonus / late penalty[/dim]")
    else:
        totals = [r.total for r in results]
        out.print(f"[bold]{escape(title)}[/bold]: total mean {mean(totals):.1f}, median {median(totals):.1f}, min {min(totals):g}, max {max(totals):g} (per student: grades.csv)")
    for error in batch.errors:
        message = error.message if error.message.startswith(error.file) else f"{error.file}: {error.message}"
        out.print(f"[red]could not grade[/red] {escape(message)}", highlight=False)
    for skip in batch.skipped:
        out.print(f"[yellow]skipped[/yellow] {escape(skip.file)}: {escape(skip.message)}", highlight=False)
    if batch.no_file:
        shown = ", ".join(batch.no_file[:20]) + (f" … ({len(batch.no_file) - 20} more in errors.json)" if len(batch.no_file) > 20 else "")
        out.print(f"[yellow]no answer file[/yellow] for {len(batch.no_file)} student(s) of the roster: {escape(shown)}", highlight=False)
    warned = [(r.source, w) for r in results for w in r.warnings]
    for source, w in warned[:20]:
        out.print(f"[yellow]warning[/yellow] {escape(source)}: {escape(w)}", highlight=False)
    if len(warned) > 20:
        out.print(f"[yellow]… {len(warned) - 20} more warnings[/yellow] (in results/*.json)")
    out.print(f"wrote {outcome.out_dir}/results/*.json, {outcome.out_dir}/grades.csv, {outcome.out_dir}/errors.json" + (f"; reports: {outcome.report_note}" if outcome.report_note else ""), markup=False)
    out.print(f"graded in {batch.seconds:.2f} s")


def _statuses() -> tuple[Status, ...]:
    from grader.model import Status

    return (Status.CORRECT, Status.PARTIAL, Status.WRONG, Status.INVALID, Status.MISSING)


@click.command("check")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--rubric", type=click.Path(path_type=Path, dir_okay=False))
def check_cmd(file: Path, rubric: Path | None) -> None:
    """A student's self-check: read FILE back item by item, without revealing hidden keys.

    Every answer is echoed as the grader read it; unreadable answers point at the problem.
    Right/wrong is shown only for items the rubric marks visible to students.
    """
    from rich.markup import escape

    from grader.model import Status
    from grader.readers.answer_file import load_submission
    from grader.rubric import load_rubric
    from grader.student.selfcheck import check_answers, file_warnings, summary

    rubric_obj = load_rubric(_rubric_of_checked_file(file, rubric))
    submission = load_submission(file, prefix=rubric_obj.file_prefix, item_ids=rubric_obj.item_ids, recover=True)
    lines = check_answers(submission.answers, rubric=rubric_obj, student_id=submission.student_id, damaged=submission.extra.get("damaged"))
    out = console()
    out.print(f"[bold]{escape(rubric_obj.title)}[/bold] — self-check of {escape(file.name)} (student {escape(submission.student_id)})", highlight=False)
    for warning in [*submission.warnings, *file_warnings(submission, rubric_obj)]:
        out.print(f"[yellow]warning:[/yellow] {escape(warning)}", highlight=False)
    for line in lines:
        item = line.item
        style = STATUS_STYLE.get(line.status.value, "") if line.status is not None else "cyan"
        if line.status is Status.PENDING:
            style = STATUS_STYLE["pending"]
        out.print(f"[bold]{escape(item.id)}[/bold] ({item.points:g} pt{'s' if item.points != 1 else ''}{', bonus' if item.bonus else ''}): [{style}]{line.label}[/{style}]", soft_wrap=True)
        if line.read_as is not None:
            out.print(f"    read as: {_short(line.read_as)}", markup=False)
        for note in line.notes:
            out.print(f"    {note}", markup=False, highlight=False)
    out.print("\n" + summary(lines, rubric_obj), markup=False)


def _rubric_of_checked_file(file: Path, rubric: Path | None) -> Path:
    """The rubric for `grade check FILE`; a renamed PDF answer sheet is told its own name."""
    from grader.errors import RubricError, SubmissionError

    try:
        return find_rubric(rubric, file_names=[file.name])
    except RubricError:
        from grader.readers.answer_file import recorded_sheet_name

        recorded = recorded_sheet_name(file) if file.suffix.lower() == ".pdf" else None
        if recorded is None or recorded == file.name:
            raise
        raise SubmissionError(
            f"{file.name}: this is the answer sheet {recorded} (its name is recorded inside it), and the course requires "
            f"that name: rename the file to {recorded}, then grade check {recorded}"
        ) from None


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@click.command("template")
@click.option("--student", "student_id", required=True, help="Student id; the numbers of the per-student questions (the rubric's instances) depend on it.")
@click.option("--rubric", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Rubric (default: the only one found, e.g. rubrics/hw4.yaml).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Write here (default: <prefix><id>.yaml in the current folder; '-' for stdout).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def template_cmd(student_id: str, rubric: Path | None, output: Path | None, force: bool) -> None:
    """Write a student's answer skeleton: every item, its kind, a format example and their instance."""
    from grader.errors import SubmissionError
    from grader.fsio import atomic_write
    from grader.readers.answer_file import valid_student_id
    from grader.rubric import load_rubric
    from grader.student.template import render_template

    if not valid_student_id(student_id):
        raise SubmissionError(f"student id {student_id!r}: expected 1-64 letters, digits, '-' or '_'")
    rubric_obj = load_rubric(the_rubric(rubric))
    text = render_template(rubric_obj, student_id)
    if output is not None and str(output) == "-":
        echo(text, nl=False)
        return
    path = output or Path(f"{rubric_obj.file_prefix}{student_id}.yaml")
    if path.exists() and not force:
        raise SubmissionError(f"{path} exists; pass --force to overwrite it")
    atomic_write(path, text)
    echo(f"wrote {path}")


@click.command("kit")
@click.option("--rubric", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Rubric (default: the only one found).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), required=True, help="Folder to write the kit into.")
@click.option("--force", is_flag=True, help="Replace a non-empty folder.")
def kit_cmd(rubric: Path | None, out_dir: Path, force: bool) -> None:
    """Write a student self-check kit: the checker and the instance generator, no keys."""
    from grader.rubric import load_rubric
    from grader.student.kit import build_kit

    root = click.get_current_context().find_root().command
    names = sorted(root.commands) if isinstance(root, click.Group) else []
    notes = build_kit(load_rubric(the_rubric(rubric)), out_dir, force=force, ta_commands=names)
    for note in notes:
        echo(f"note: {note}")
    echo(f"wrote the student kit to {out_dir}; students: pip install it, then grade template / grade check")


COMMANDS = [run_cmd, check_cmd, template_cmd, kit_cmd]
