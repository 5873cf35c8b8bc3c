"""`grade review`: the grading workspace for free-text items, a Starlette app over the gradebook.

Server-rendered pages (Jinja2, autoescaped; student text is never marked safe), plain HTML forms
for every write (so the app works without JavaScript), and one static script for the keyboard.
Security, in one middleware: every request needs the access token (from the printed URL, then a
cookie bound to it), every POST needs the CSRF token and a same-origin Origin header, every
response carries a Content-Security-Policy without inline script, and the access log prints
method, path and status only (never query strings, form bodies, answers or tokens).

All requests are handled in the event loop's thread on one SQLite connection, one at a time: a
page needs milliseconds, and two TAs' saves meet in the gradebook's version check, not in threads.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from grader.numfmt import score_text
from grader.review.store import Grade, ReviewError, ReviewStore, SaveOutcome, signed
from grader.typeset.text import clean, is_rtl

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
MAX_FORM_BYTES = 64_000
NAME_CHARS = 60




@dataclass
class Regrade:
    """A `grade` run started from the workspace (one at a time); its output is kept in memory."""

    command: list[str]
    process: subprocess.Popen[bytes] | None = None
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=40))

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)  # noqa: S603 - argv list, no shell
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for raw in self.process.stdout:
            self.lines.append(clean(raw.decode("utf-8", errors="replace")).rstrip()[:300])
        self.process.wait()

    def tail(self, lines: int = 12) -> list[str]:
        return list(self.lines)[-lines:]


@dataclass
class Settings:
    token: str
    grader: str | None = None  # --grader: every browser saves as this TA
    out_dir: Path | None = None  # --out and --db for the re-grade (None: grade's defaults)
    db: Path | None = None
    log: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr, flush=True))

    @property
    def cookie(self) -> str:
        return "hwg_" + hashlib.sha256(self.token.encode()).hexdigest()[:10]

    @property
    def csrf(self) -> str:
        return hmac.new(self.token.encode(), b"csrf", hashlib.sha256).hexdigest()[:32]


class Guard(BaseHTTPMiddleware):
    """Token on every request, CSRF and origin on every write, security headers, a quiet log."""

    def __init__(self, app: Any, settings: Settings) -> None:
        super().__init__(app)
        self.settings = settings

    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await self._dispatch(request, call_next)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"  # no-referrer would make the browser send Origin: null
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Cache-Control", "no-store")
        # method, path, status and time: never the query (search terms, the token) nor a body
        self.settings.log(f"{request.method} {request.url.path} {response.status_code} {1000 * (time.perf_counter() - started):.0f}ms")
        return response

    async def _dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        s = self.settings
        given = request.query_params.get("token")
        if given is not None and hmac.compare_digest(given.encode(), s.token.encode()):
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = request.url.path + ("?" + urlencode(rest) if rest else "")
            response: Response = RedirectResponse(target, status_code=303)
            response.set_cookie(s.cookie, s.token, httponly=True, samesite="strict", path="/")
            return response
        cookie = request.cookies.get(s.cookie, "")
        if not hmac.compare_digest(cookie.encode(), s.token.encode()):
            return PlainTextResponse("Forbidden: open the URL with the access token that `grade review` printed.\n", status_code=403)
        if request.method == "POST":
            origin = request.headers.get("origin")
            host = request.headers.get("host", "")
            if origin is not None and origin not in (f"http://{host}", f"https://{host}"):
                return PlainTextResponse("Forbidden: a write from another site.\n", status_code=403)
            if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
                return PlainTextResponse("Request too large.\n", status_code=413)
            await request.body()  # read whole, so the endpoint gets the same body again
            form = await request.form()
            if not hmac.compare_digest(str(form.get("csrf", "")).encode(), s.csrf.encode()):
                return PlainTextResponse("Forbidden: the form's CSRF token is missing or wrong; reload the page.\n", status_code=403)
        elif request.method not in ("GET", "HEAD"):
            return PlainTextResponse("Method not allowed.\n", status_code=405)
        return await call_next(request)


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("grader.review", "templates"), autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["num"] = score_text
    env.filters["signed"] = signed
    env.filters["clean"] = clean
    env.tests["rtl"] = is_rtl
    return env


def create_app(store: ReviewStore, settings: Settings) -> Starlette:
    """The workspace over `store` (its gradebook stays open for the app's lifetime)."""
    templates = Jinja2Templates(env=_environment())
    regrade: dict[str, Regrade] = {}

    def grader_name(request: Request) -> str | None:
        if settings.grader:
            return settings.grader
        name = request.cookies.get(settings.cookie + "_name", "")
        return _valid_name(name)

    def show_ids(request: Request) -> bool:
        return request.cookies.get(settings.cookie + "_ids") == "1"

    def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
        context.update(csrf=settings.csrf, grader=grader_name(request), show_ids=show_ids(request), fixed_grader=bool(settings.grader), homework=store.homework, part=store.part)
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    def error(request: Request, message: str, status_code: int = 400) -> Response:
        return render(request, "error.html", status_code=status_code, message=message)

    def who(request: Request) -> str:
        name = grader_name(request)
        if name is None:
            raise ReviewError("say who you are first (the name stored with your scores)")
        return name

    async def form_of(request: Request) -> FormData:
        return await request.form()

    # ---- pages --------------------------------------------------------------------------------

    async def index(request: Request) -> Response:
        if grader_name(request) is None:
            return RedirectResponse("/name", status_code=303)
        store.refresh()
        progress = store.progress()
        job = regrade.get("job")
        stale = store.stale_reports()
        return render(
            request, "index.html", items=store.items, progress=progress, stale=len(stale), run=store.run,
            regrade=job, regrade_command=_regrade_command(store, settings), totals=_totals(progress),
        )

    async def name_page(request: Request) -> Response:
        if request.method == "POST":
            form = await form_of(request)
            name = _valid_name(str(form.get("name", "")))
            if name is None:
                return render(request, "name.html", status_code=400, problem=f"expected a name of 1 to {NAME_CHARS} printable characters")
            response = RedirectResponse("/", status_code=303)
            response.set_cookie(settings.cookie + "_name", name, httponly=True, samesite="strict", path="/", max_age=3600 * 24 * 90)
            return response
        return render(request, "name.html", problem=None)

    async def prefs(request: Request) -> Response:
        form = await form_of(request)
        response = RedirectResponse(_local(str(form.get("back", "/"))), status_code=303)
        response.set_cookie(settings.cookie + "_ids", "1" if form.get("ids") == "1" else "0", httponly=True, samesite="strict", path="/")
        return response

    async def item_page(request: Request) -> Response:
        if grader_name(request) is None:
            return RedirectResponse("/name", status_code=303)
        store.refresh()
        item_id = request.path_params["item_id"]
        info = store.item(item_id)
        query = request.query_params.get("q", "")[:200]
        group_key = request.query_params.get("group")
        answers = store.answers(item_id)
        if query:
            from grader.review.normalize import answer_key

            needle = answer_key(query)
            answers = [a for a in answers if needle in a.key or needle == a.student_id]
        entries = store.entries(item_id)
        by_id = {e.id: e for e in entries}
        uses = store.entry_uses(item_id)
        grades = store.grades(item_id)
        progress = store.progress(item_id)[item_id]
        group_sizes: dict[str, int] = {}
        for a in store.answers(item_id):
            group_sizes[a.key] = group_sizes.get(a.key, 0) + 1
        base: dict[str, Any] = {"item": info, "entries": entries, "uses": uses, "progress": progress, "query": query, "answers_count": len(answers)}
        if group_key is not None:
            members = [a for a in store.answers(item_id) if _group_id(a.key) == group_key]
            if not members:
                return error(request, "this group of answers is gone (the answers changed in a re-grade); go back to the groups", 404)
            member_grades = [grades.get(a.student_id, Grade(None, 0)) for a in members]
            applied_all = {e.id for e in entries if all(e.id in g.applied for g in member_grades)}
            applied_some = {e.id for e in entries if any(e.id in g.applied for g in member_grades)} - applied_all
            back = f"/item/{item_id}?group={group_key}"
            return render(
                request, "group.html", **base, members=members, grades=grades, group_key=group_key, back=back,
                applied_all=applied_all, applied_some=applied_some, graded=sum(g.graded for g in member_grades),
                targets=[(a.student_id, grades.get(a.student_id, Grade(None, 0)).version) for a in members],
            )
        if not answers:
            return render(request, "item.html", **base, answer=None, pages=None, position=0, back=f"/item/{item_id}", nav={}, grade=None, context=[], elsewhere=False, group_size=0, group_key=None, computed=None)
        try:
            at = int(request.query_params.get("at", "0"))
        except ValueError:
            at = 0
        if not 1 <= at <= len(answers):  # no position: the first ungraded answer
            at = next((n for n, a in enumerate(answers, start=1) if a.student_id not in grades or not grades[a.student_id].graded), 1)
        answer = answers[at - 1]
        grade = grades.get(answer.student_id, Grade(None, 0))
        extra = {"q": query} if query else {}

        def link(position: int) -> str:
            return f"/item/{item_id}?" + urlencode({"at": position, **extra})

        nav: dict[str, str] = {}
        if at > 1:
            nav["prev"] = link(at - 1)
        if at < len(answers):
            nav["next"] = link(at + 1)
        ungraded = [n for n, a in enumerate(answers, start=1) if a.student_id not in grades or not grades[a.student_id].graded]
        following = next((n for n in ungraded if n > at), None) or next((n for n in ungraded if n != at), None)
        if following is not None:
            nav["ungraded"] = link(following)
        return render(
            request, "item.html", **base, answer=answer, position=at, back=link(at), nav=nav, grade=grade,
            context=store.context(answer.student_id, item_id), pages=store.appended_pages(answer.student_id), elsewhere=store.set_elsewhere(grade, by_id, info.max_points),
            computed=store.from_entries(grade, by_id, info.max_points), group_size=group_sizes.get(answer.key, 1), group_key=_group_id(answer.key),
        )

    async def groups_page(request: Request) -> Response:
        item_id = request.path_params["item_id"]
        info = store.item(item_id)
        grades = store.grades(item_id)
        groups = [
            {"key": _group_id(g[0].key), "size": len(g), "text": g[0].text, "graded": sum(1 for a in g if a.student_id in grades and grades[a.student_id].graded)}
            for g in store.groups(item_id)
        ]
        return render(request, "groups.html", item=info, groups=groups, progress=store.progress(item_id)[item_id])

    async def page_image(request: Request) -> Response:
        """The n-th appended page of a student's PDF answer sheet, found by the student id."""
        from starlette.concurrency import run_in_threadpool

        from grader.review.pages import PageError, page_png

        pages = store.appended_pages(request.path_params["student_id"])
        if pages is None:
            return PlainTextResponse("No appended pages for this student.\n", status_code=404)
        n = request.path_params["n"]
        if not 1 <= n <= pages.count:
            return PlainTextResponse(f"No appended page {n}: expected 1 to {pages.count}.\n", status_code=404)
        try:  # drawing takes a child process up to seconds: other TAs' pages go on meanwhile
            png = await run_in_threadpool(page_png, pages, n, store.page_cache)
        except PageError as exc:
            return PlainTextResponse(f"{exc}\n", status_code=422)
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"})

    # ---- writes -------------------------------------------------------------------------------

    def targets_of(form: FormData) -> dict[str, int]:
        out: dict[str, int] = {}
        for value in form.getlist("t"):
            student, _, version = str(value).rpartition(":")
            if not student or not version.isdigit():
                raise ReviewError(f"expected student:version, got {str(value)[:40]!r}")
            out[student] = int(version)
        if not out:
            raise ReviewError("no answer chosen")
        return out

    def after_save(request: Request, outcome: SaveOutcome, back: str, item_id: str) -> Response:
        if outcome.conflicts:
            entries = {e.id: e for e in store.entries(item_id)}
            return render(request, "conflict.html", status_code=409, item=store.item(item_id), conflicts=outcome.conflicts, outcome=outcome, back=back, entries=entries)
        return RedirectResponse(back, status_code=303)

    async def apply(request: Request) -> Response:
        item_id = request.path_params["item_id"]
        form = await form_of(request)
        back = _local(str(form.get("back", f"/item/{item_id}")))
        targets = targets_of(form)
        seen = None
        if "seen" in form and len(targets) == 1:  # one answer: toggle relative to what the TA saw
            seen = {next(iter(targets)): frozenset(_int(v, "entry") for v in str(form["seen"]).split(",") if v)}
        outcome = store.toggle_entry(item_id, _int(form.get("entry"), "entry"), targets, grader=who(request), seen=seen)
        return after_save(request, outcome, back, item_id)

    async def adjust(request: Request) -> Response:
        item_id = request.path_params["item_id"]
        form = await form_of(request)
        back = _local(str(form.get("back", f"/item/{item_id}")))
        points = _float(form.get("points") or "0", "adjustment")
        outcome = store.set_adjustment(item_id, points, str(form.get("note", "")), targets_of(form), grader=who(request))
        return after_save(request, outcome, back, item_id)

    async def overwrite(request: Request) -> Response:
        item_id = request.path_params["item_id"]
        form = await form_of(request)
        back = _local(str(form.get("back", f"/item/{item_id}")))
        applied = [_int(v, "entry") for v in form.getlist("e")]
        outcome = store.overwrite(
            item_id, str(form.get("student", "")), _int(form.get("version"), "version"), applied,
            _float(form.get("points") or "0", "adjustment"), str(form.get("note", "")), grader=who(request),
        )
        return after_save(request, outcome, back, item_id)

    async def new_entry(request: Request) -> Response:
        item_id = request.path_params["item_id"]
        form = await form_of(request)
        store.add_entry(item_id, _float(form.get("points"), "points"), str(form.get("comment", "")), by=who(request))
        return RedirectResponse(_local(str(form.get("back", f"/item/{item_id}"))), status_code=303)

    async def edit_entry(request: Request) -> Response:
        entry = store.entry(_int(request.path_params["entry_id"], "entry"))
        form = await form_of(request)
        back = _local(str(form.get("back", f"/item/{entry.item_id}")))
        delete = form.get("delete") == "1"
        points = None if delete else _float(form.get("points"), "points")
        comment = None if delete else str(form.get("comment", ""))
        if form.get("confirm") != "1":
            changes, skipped = store.entry_change_preview(entry.id, points, comment)
            return render(request, "entry_confirm.html", entry=entry, points=points, comment=comment, delete=delete, changes=changes, skipped=skipped, back=back, item=store.item(entry.item_id))
        grader = who(request)
        if delete:
            store.delete_entry(entry.id, grader=grader)
        else:
            assert points is not None and comment is not None
            store.update_entry(entry.id, points, comment, grader=grader)
        return RedirectResponse(back, status_code=303)

    async def export_entries(request: Request) -> Response:
        return PlainTextResponse(
            store.export_entries(), media_type="application/yaml",
            headers={"Content-Disposition": f'attachment; filename="manual-rubric-{store.homework}-{store.part}.yaml"'},
        )

    async def start_regrade(request: Request) -> Response:
        command = _regrade_command(store, settings)
        job = regrade.get("job")
        if job is not None and job.running:
            return error(request, "a re-grade is already running", 409)
        if isinstance(command, str):
            return error(request, command, 409)
        job = Regrade(command)
        job.start()
        regrade["job"] = job
        return RedirectResponse("/", status_code=303)

    async def on_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, ReviewError):
            return error(request, str(exc))
        from grader.errors import GraderError

        if isinstance(exc, GraderError):
            return error(request, str(exc), 500)
        raise exc

    routes = [
        Route("/", index),
        Route("/name", name_page, methods=["GET", "POST"]),
        Route("/prefs", prefs, methods=["POST"]),
        Route("/item/{item_id}", item_page),
        Route("/item/{item_id}/groups", groups_page),
        Route("/item/{item_id}/apply", apply, methods=["POST"]),
        Route("/item/{item_id}/adjust", adjust, methods=["POST"]),
        Route("/item/{item_id}/overwrite", overwrite, methods=["POST"]),
        Route("/item/{item_id}/entries", new_entry, methods=["POST"]),
        Route("/entries/{entry_id}", edit_entry, methods=["POST"]),
        Route("/entries.yaml", export_entries),
        Route("/pages/{student_id}/{n:int}.png", page_image),
        Route("/regrade", start_regrade, methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("grader.review", "static")]), name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(Guard, settings=settings)], exception_handlers={ReviewError: on_error, Exception: on_error})


def _valid_name(name: str) -> str | None:
    name = " ".join(clean(name).split())
    return name if 0 < len(name) <= NAME_CHARS and name.isprintable() else None


def _local(path: str) -> str:
    """A redirect target only within this site."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


def _int(value: Any, what: str) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise ReviewError(f"expected a whole number for {what}, got {str(value)[:20]!r}") from None


def _float(value: Any, what: str) -> float:
    from grader.store.manual import parse_score

    text = str(value if value is not None else "").strip()
    sign = -1.0 if text[:1] in ("-", "−") else 1.0
    parsed = parse_score(text[1:] if text[:1] in ("-", "−", "+") else text)
    if parsed is None:
        raise ReviewError(f"expected a number for {what}, got {text[:20]!r}")
    return sign * parsed


def _group_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _totals(progress: dict[str, dict[str, Any]]) -> dict[str, Any]:
    by: dict[str, int] = {}
    for p in progress.values():
        for name, n in p["by"].items():
            by[name] = by.get(name, 0) + n
    return {"graded": sum(p["graded"] for p in progress.values()), "total": sum(p["total"] for p in progress.values()), "by": dict(sorted(by.items()))}


def _regrade_command(store: ReviewStore, settings: Settings) -> list[str] | str:
    """The `grade` run that brings results and reports up to date, or why it cannot be started
    from here (then the TA runs it by hand with the options of the original run)."""
    run = store.run
    folder = Path(run.folder)
    if not folder.is_dir():
        return f"the graded folder {folder} is not here; re-grade by hand"
    if run.manifest_sha256 is not None:
        manifest = folder / "manifest.csv"
        if not manifest.exists() or hashlib.sha256(manifest.read_bytes()).hexdigest() != run.manifest_sha256:
            return "the last run used a manifest other than the folder's manifest.csv; re-grade by hand with its --manifest"
    command = [sys.executable, "-c", "import sys; from grader.cli import main; sys.exit(main(sys.argv[1:]))", "run", str(folder)]
    if settings.out_dir is not None:
        command += ["--out", str(settings.out_dir)]
    if run.rubric_path:
        command += ["--rubric", run.rubric_path]
    if settings.db is not None:
        command += ["--db", str(settings.db)]
    return command


def new_token() -> str:
    return secrets.token_urlsafe(24)
