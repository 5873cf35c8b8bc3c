"""Commands that prove and document the key: `grade validate`, `grade key`."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli.common import all_rubric_paths, console, echo, the_rubric


@click.command("validate")
@click.argument("rubrics", nargs=-1, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("-v", "--verbose", is_flag=True, help="List every check, not only failures.")
def validate_cmd(rubrics: tuple[Path, ...], verbose: bool) -> None:
    """Prove each RUBRIC's key (default: every rubric found): references score full marks,
    a blank file scores 0, and every known mistake earns exactly its stated credit."""
    from rich.markup import escape

    from grader.errors import RubricError
    from grader.keys.prove import validate_rubric, validate_term
    from grader.rubric import load_rubric

    paths = list(rubrics) or all_rubric_paths()
    if not paths:
        raise RubricError("no rubric to validate")
    out = console()
    failed = 0
    for path in paths:
        rubric_obj = load_rubric(path)
        checks = validate_rubric(rubric_obj) + validate_term(rubric_obj)
        bad = [c for c in checks if not c.ok]
        failed += len(bad)
        for check in checks if verbose else bad:
            mark = "[green]ok[/green]  " if check.ok else "[red]FAIL[/red]"
            out.print(f"{mark} {escape(check.name)}" + (f": {escape(check.detail)}" if check.detail and not check.ok else ""), soft_wrap=True, highlight=False)
        out.print(f"{path}: {len(checks) - len(bad)} of {len(checks)} checks passed", markup=False)
    if failed:
        raise RubricError(f"{failed} validation check(s) failed")


@click.command("key")
@click.option("--rubric", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None)
@click.option("--markdown", is_flag=True, help="Write the key documentation as Markdown (docs/key.md).")
def key_cmd(rubric: Path | None, markdown: bool) -> None:
    """Print every automatic item's key, how it is computed, and where the official key differs."""
    from grader.keys.keydoc import key_markdown, key_rows
    from grader.rubric import load_rubric

    rubric_obj = load_rubric(the_rubric(rubric))
    if markdown:
        echo(key_markdown(rubric_obj), nl=False)
        return
    from rich.table import Table

    table = Table(title=rubric_obj.title, show_lines=True)
    for col in ("item", "pts", "key", "also accepted / partial"):
        table.add_column(col)
    for row in key_rows(rubric_obj):
        table.add_row(row.item_id, row.points, row.key, "\n".join(row.alternatives))
    console().print(table)


COMMANDS = [validate_cmd, key_cmd]
