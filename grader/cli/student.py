"""The student kit's command line: `template`, `check` and `sheet`, a one-line answer for the rest.

`grade kit` writes `grader/_kit.py` into the kit's copy of the grader; its presence makes the CLI
register only the student commands, and every TA command (`run`, `key`, `validate`, ...) a stub
that says in one line that it is not part of the kit, never a traceback. `--version` names the
kit's own distribution.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import click

STUDENT_COMMANDS = ("template", "check", "sheet")


def kit_info() -> Any:
    """The kit's marker module (grader/_kit.py), or None in the grader's own checkout."""
    if importlib.util.find_spec("grader._kit") is None:
        return None
    import grader._kit as kit  # type: ignore[import-not-found,unused-ignore]

    return kit


def version_text() -> str:
    import importlib.metadata

    kit = kit_info()
    if kit is not None:
        return f"{kit.DIST} {kit.VERSION} (student kit of hwgrader)"
    try:
        return f"hwgrader {importlib.metadata.version('hwgrader')}"
    except importlib.metadata.PackageNotFoundError:
        return "hwgrader (not installed: run from a checkout)"


def show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(version_text())
    ctx.exit()


def _ta_only(name: str) -> click.Command:
    def refuse(args: tuple[str, ...]) -> None:
        from grader.errors import GraderError

        raise GraderError(f"`grade {name}` is a TA command and is not part of the student kit; students use `grade sheet --student ID`, `grade template --student ID` and `grade check FILE`")

    return click.Command(
        name,
        callback=refuse,
        params=[click.Argument(["args"], nargs=-1, type=click.UNPROCESSED)],
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
        help="(TA only: not part of the student kit)",
        hidden=True,
        add_help_option=False,
    )


KIT_HELP = """Self-check of an answer file, with the grader's own reader and no answer key.

    \b
    grade sheet --student 401234567    your fillable PDF answer sheet (needs the [sheet] extra)
    grade template --student 401234567 your answer file as YAML, with your numeric instance
    grade check HW4_T_401234567.pdf    how each answer was read, before you submit
    """


def register_kit(cli: click.Group, kit: Any) -> None:
    from grader.cli import grade_cmds, sheet_cmds

    cli.help = KIT_HELP
    for command in (*grade_cmds.COMMANDS, *sheet_cmds.COMMANDS):
        if command.name in STUDENT_COMMANDS:
            cli.add_command(command)
    for name in kit.TA_COMMANDS:
        if name not in STUDENT_COMMANDS:
            cli.add_command(_ta_only(name))
