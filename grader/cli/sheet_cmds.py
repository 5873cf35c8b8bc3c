"""`grade sheet`: a student's fillable PDF answer sheet, or one for every id of a roster."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import click

from grader.cli.common import the_rubric


@click.command("sheet")
@click.option("--student", "student_id", default=None, help="Student id: the sheet carries their per-student numbers (the rubric's instances).")
@click.option("--roster", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None, help="One sheet per id of this roster (one id per line, or a CSV with a student_id column), into --out.")
@click.option("--rubric", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Rubric (default: the only one found, e.g. rubrics/hw4.yaml).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help="With --student: write here (default: <prefix><id>.pdf in the current folder).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None, help="The folder to write <prefix><id>.pdf into (default: sheets/ with --roster, the current folder with --student).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="With --roster: worker processes (default: all cores).")
@click.option("--force", is_flag=True, help="Overwrite existing sheets.")
def sheet_cmd(student_id: str | None, roster: Path | None, rubric: Path | None, output: Path | None, out_dir: Path | None, jobs: int | None, force: bool) -> None:
    """Write a fillable answer sheet HW4_T_<id>.pdf: every item with its field, titles and hints,
    and the student's numeric instance. Students fill it in a PDF viewer, save it, and submit it."""
    from grader.errors import SubmissionError
    from grader.readers.answer_file import valid_student_id
    from grader.rubric import load_rubric

    if (student_id is None) == (roster is None):
        raise SubmissionError("give either --student ID or --roster FILE")
    rubric_obj = load_rubric(the_rubric(rubric))
    missing = [name for name in ("weasyprint", "jinja2") if importlib.util.find_spec(name) is None]
    if missing:  # the student kit without its optional [sheet] extra
        raise SubmissionError(
            f"writing a sheet needs {' and '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} not installed: in the kit's folder, "
            '`pip install ".[sheet]"` (the kit\'s README says more); `grade template` writes a YAML answer file instead'
        )
    from grader.student.sheet.write import SheetWriter, write_sheets
    if roster is not None:
        from grader.csvio import read_roster

        out_dir = out_dir or Path("sheets")
        paths = write_sheets(rubric_obj, read_roster(roster), out_dir, jobs=jobs or os.cpu_count() or 1, force=force)
        click.echo(f"wrote {len(paths)} answer sheet(s) into {out_dir}")
        return
    assert student_id is not None
    if not valid_student_id(student_id):
        raise SubmissionError(f"student id {student_id!r}: expected 1-64 letters, digits, '-' or '_'")
    if output is not None and out_dir is not None:
        raise SubmissionError("give either -o FILE or --out DIR for one student's sheet, not both")
    path = output or (out_dir or Path()) / f"{rubric_obj.file_prefix}{student_id}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not force:
        raise SubmissionError(f"{path} exists; pass --force to overwrite it")
    from grader.fsio import atomic_write

    atomic_write(path, SheetWriter(rubric_obj).pdf(student_id))
    click.echo(f"wrote {path}: fill it in a PDF viewer, Save it, then: grade check {path.name}")


COMMANDS = [sheet_cmd]
