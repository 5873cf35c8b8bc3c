"""Run the workspace: bind the socket first (so the URL printed is the real one, and a busy port
is one sentence), then uvicorn on it with its own access log off (ours prints no query strings)."""

from __future__ import annotations

import socket
from collections.abc import Callable

from grader.errors import GraderError
from grader.review.app import Settings, create_app
from grader.review.store import ReviewStore


class ServeError(GraderError):
    """The workspace cannot listen where it was asked to."""

    exit_code = 2


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; pass another --port (or --port 0 for any free one)") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket, host: str, token: str) -> str:
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else (f"[{host}]" if ":" in host else host))
    return f"http://{shown}:{port}/?token={token}"


def serve(store: ReviewStore, settings: Settings, sock: socket.socket, *, ready: Callable[[], None] | None = None) -> None:
    """Serve until interrupted (Ctrl-C); the gradebook is closed afterwards."""
    import uvicorn

    app = create_app(store, settings)
    config = uvicorn.Config(app, access_log=False, log_level="warning", lifespan="off", server_header=False, date_header=False)
    server = uvicorn.Server(config)
    if ready is not None:
        ready()
    try:
        server.run(sockets=[sock])
    finally:
        store.book.close()
