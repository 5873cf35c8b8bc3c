"""`grade gradebook check|restore|rebuild`: see the state of the gradebook and recover a lost one."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli.common import echo
from grader.cli.manual_cmds import DB_OPTION, OUT_OPTION


@click.group("gradebook")
def gradebook_group() -> None:
    """The gradebook (<out>/gradebook.sqlite): its state, its backups, and recovering it.

    \b
    grade gradebook check      is it usable? how many runs, scores, backups
    grade gradebook restore    the newest good backup, plus the later TA scores from the history file
    grade gradebook rebuild    a new gradebook from the TA-score history file (and results/*.json)
    """


def _db(out_dir: Path, db: Path | None) -> Path:
    from grader.store.gradebook import default_db

    return db or default_db(out_dir)


@gradebook_group.command("check")
@OUT_OPTION
@DB_OPTION
def check_cmd(out_dir: Path, db: Path | None) -> None:
    """Say whether the gradebook is usable, and what it and its backups hold."""
    from grader.store.gradebook import Gradebook, GradebookError
    from grader.store.journal import journal_path, read
    from grader.store.recovery import backups, problem

    path = _db(out_dir, db)
    why = problem(path)
    found = backups(path)
    entries = sum(1 for _ in read(path))
    echo(f"backups: {len(found)} in {path.parent / '.gradebook-backups'}" + (f" (newest {found[0].name})" if found else ""))
    echo(f"TA-score history: {entries} change(s) in {journal_path(path)}")
    if why is not None:
        raise GradebookError(f"{path} is {why}; `grade gradebook restore` or `grade gradebook rebuild` recovers it")
    with Gradebook.snapshot(path) as book:
        runs = len(book.runs())
        scores = int(book.conn.execute("SELECT COUNT(*) FROM manual_scores").fetchone()[0])
    echo(f"{path}: usable, {runs} run(s), {scores} manual score(s)")


def _report(recovered) -> None:  # type: ignore[no-untyped-def]
    if recovered.moved_aside is not None:
        echo(f"moved the old file aside: {recovered.moved_aside}")
    echo(
        f"{recovered.db}: recovered from {recovered.source}: {recovered.runs} run(s), {recovered.scores} manual score(s), "
        f"{recovered.replayed} change(s) replayed from the TA-score history; re-grade to rewrite results and reports"
    )


@gradebook_group.command("restore")
@OUT_OPTION
@DB_OPTION
@click.option("--from", "source", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None, help="The backup to restore (default: the newest usable one).")
def restore_cmd(out_dir: Path, db: Path | None, source: Path | None) -> None:
    """Put the newest good backup in place (the old file is moved aside, never deleted), then
    replay the TA-score changes made after it from the history file."""
    from grader.store.recovery import restore

    _report(restore(_db(out_dir, db), source=source))


@gradebook_group.command("rebuild")
@OUT_OPTION
@DB_OPTION
def rebuild_cmd(out_dir: Path, db: Path | None) -> None:
    """A new gradebook holding every TA score from the history file (and results/*.json beside it).

    Runs are not rebuilt: the next `grade` run records one. Use `restore` when a backup exists."""
    from grader.store.recovery import rebuild

    _report(rebuild(_db(out_dir, db)))


COMMANDS = [gradebook_group]
