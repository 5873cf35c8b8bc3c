"""`grade new`: scaffold a new homework of the term (rubric, reference package, test, course entry)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("new")
@click.argument("homework")
@click.option("--title", required=True, help='The homework\'s title, e.g. "HW5 (theory): Recurrent networks".')
@click.option("--part", type=click.Choice(["theory", "practical"]), default="theory", show_default=True, help="The part this rubric grades.")
@click.option("--bonus-deadline", default=None, help='Early-bonus deadline, Jalali or ISO ("1403-10-14 23:59"); default: no early bonus.')
@click.option("--final-deadline", default=None, help="Final deadline (default: a placeholder two weeks after the course's last one).")
@click.option("--rubrics", "rubrics_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("rubrics"), show_default=True, help="The folder holding course.yaml; the course folder is its parent.")
def new_cmd(homework: str, title: str, part: str, bonus_deadline: str | None, final_deadline: str | None, rubrics_dir: Path) -> None:
    """Scaffold HOMEWORK (e.g. hw5): rubrics/HOMEWORK.yaml with an example item of every kind,
    reference/HOMEWORK/ (registry, example reference functions, an instance generator),
    tests/reference/test_HOMEWORK.py (cross-check skeleton) and its deadlines in course.yaml.

    The scaffold passes `grade validate` as written; replace the examples with the homework's
    items and validate after each change (docs/rubric-format.md, "A new homework").
    """
    from grader.scaffold import scaffold

    made = scaffold(homework, title=title, rubrics_dir=rubrics_dir, part=part, bonus_deadline=bonus_deadline, final_deadline=final_deadline)
    for path in made.written:
        click.echo(f"wrote {path}")
    for note in made.notes:
        click.echo(f"note: {note}")
    click.echo(f"next: replace the examples, then grade validate {rubrics_dir / (homework + '.yaml')} and pytest tests/reference/test_{homework}.py")


COMMANDS = [new_cmd]
