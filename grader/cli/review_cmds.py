"""`grade review`: the grading workspace for free-text items, in the browser."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli.manual_cmds import DB_OPTION, HOMEWORK_OPTION, OUT_OPTION, PART_OPTION


@click.command("review")
@OUT_OPTION
@DB_OPTION
@HOMEWORK_OPTION
@PART_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; only this machine can connect unless you give another (e.g. 0.0.0.0 for the TAs' network).")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port (0: any free one).")
@click.option("--grader", "grader_name", default=None, help="Your name, stored with every score (default: each browser is asked once).")
def review_cmd(out_dir: Path, db: Path | None, homework: str | None, part: str | None, host: str, port: int, grader_name: str | None) -> None:
    """Grade the free-text items in the browser: prints one URL (with an access token) to open.

    \b
    Question by question: reusable rubric entries (digit keys), groups of identical answers
    graded at once, anonymous by default; scores go into the gradebook like `grade manual
    import` and reach results and reports at the next `grade` run (the page can start it).
    """
    from grader.review.app import Settings, new_token
    from grader.review.serve import bind, serve, url_of
    from grader.review.store import open_store
    from grader.store.gradebook import default_db

    path = db or default_db(out_dir)
    store = open_store(path, homework=homework, part=part)
    sock = bind(host, port)
    token = new_token()
    # the re-grade the page starts places its outputs as this command found the gradebook: the
    # term layout by default, or the --out / --db given here
    settings = Settings(token=token, grader=grader_name, out_dir=None if out_dir == Path("out") else out_dir, db=db)
    url = url_of(sock, host, token)
    items = len(store.items)

    def ready() -> None:
        click.echo(f"grade review: {store.homework} {store.part}, {items} free-text items, gradebook {path}")
        if host not in ("127.0.0.1", "localhost", "::1"):
            click.echo(f"grade review: listening on {host}: anyone who can reach this machine and has the URL can grade")
        click.echo("Open this URL in your browser (Ctrl-C stops the server):")
        click.echo(f"    {url}", nl=True)

    serve(store, settings, sock, ready=ready)
COMMANDS = [review_cmd]
