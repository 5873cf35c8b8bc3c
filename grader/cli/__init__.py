"""`grade`: a thin command line over the library, with one error boundary.

Heavy imports (pydantic, numpy, torch, weasyprint) happen inside commands so that `grade --help`
stays fast. Every `GraderError` becomes one line on stderr and the error's exit code.
"""

from __future__ import annotations

import sys

import click

from grader.cli.common import DefaultGroup
from grader.cli.student import kit_info, register_kit, show_version


@click.group(cls=DefaultGroup, default_command="run", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=show_version, help="Show the version and exit.")
def cli() -> None:
    """Grade homework answer files against a rubric whose keys are computed by reference code.

    \b
    grade submissions/                 grade a folder (same as `grade run submissions/`)
    grade check HW4_T_401234567.yaml   a student's self-check: how each answer was read
    grade new hw5 --title "…"          scaffold the next homework of the term
    grade template --student 401234567 that student's answer skeleton, with their instance
    grade sheet --student 401234567    that student's fillable PDF answer sheet
    grade validate rubrics/hw4.yaml    prove the key: references, blank file, known mistakes
    grade integrity submissions/ --key copied instances, shared rare answers, key health
    """


def _register() -> None:
    kit = kit_info()
    if kit is not None:  # a student kit: template and check only (grader/cli/student.py)
        register_kit(cli, kit)
        return
    from grader.cli import export_cmds, grade_cmds, gradebook_cmds, integrity_cmds, key_cmds, manual_cmds, new_cmds, review_cmds, sheet_cmds

    for module in (grade_cmds, key_cmds, manual_cmds, export_cmds, sheet_cmds, review_cmds, integrity_cmds, new_cmds, gradebook_cmds):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> int:
    """Run `grade`; every failure is one message (no traceback) and a documented exit code."""
    import sqlite3

    from grader.errors import GraderError
    from grader.terminal import printable

    try:
        cli.main(args=argv, prog_name="grade", standalone_mode=False)
    except GraderError as exc:
        click.echo(f"grade: error: {printable(exc)}", err=True)
        return exc.exit_code
    except sqlite3.Error as exc:  # a query outside the gradebook's own guards
        click.echo(f"grade: error: the gradebook cannot be used ({printable(exc)}); `grade gradebook check` says more", err=True)
        return 6
    except OSError as exc:  # disk full or a folder made read-only during the run
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"grade: error: {printable(where, one_line=True)}cannot write: {exc.strerror or exc}", err=True)
        return 8
    except click.exceptions.Abort:
        click.echo("grade: interrupted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("grade: interrupted", err=True)
        return 130
    return 0


def run() -> None:
    sys.exit(main())
