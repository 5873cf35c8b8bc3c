"""Many student reports: skip the unchanged ones, render the rest in a long-lived process pool.

Views are built in the calling process (pure Python) and sent to workers; each worker's
initializer loads templates, stylesheet and fonts once. A small JSON index next to the PDFs
records, per file, two hashes: of its inputs (the result, the rubric, the course name, the
templates and fonts) and of the view it was rendered from (graded-at time excluded). A re-run
skips a report whose inputs are unchanged without building its view (a re-grade after one TA
score at 1,000 students spent 3 s building views to find them unchanged), and one whose view is
unchanged without rendering it; so it renders only reports whose content, templates or fonts
changed.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from grader.errors import ReportError
from grader.model import SubmissionResult
from grader.output import remove_stale_temps
from grader.report.render import fingerprint, get_renderer, render_to_file, write_atomic
from grader.report.view import StudentView, build_student_view, content_hash
from grader.rubric import Rubric

INDEX_NAME = ".report-index.json"
INDEX_VERSION = 2  # 1: {name: view hash}; read as view hashes without input hashes
# A fresh interpreter per worker (not fork): workers never inherit the caller's threads, locks or
# half-initialised native libraries. Each worker pays its imports once, in the initializer.
START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127}")


@dataclass(frozen=True)
class ReportStats:
    rendered: int
    skipped: int  # unchanged since the last run
    seconds: float

    def __str__(self) -> str:
        return f"{self.rendered} report{'s' if self.rendered != 1 else ''} rendered, {self.skipped} unchanged ({self.seconds:.1f} s)"


def now_text() -> str:
    """The default graded-at text: this moment, local time with its zone."""
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


def report_name(student_id: str) -> str:
    """`<student_id>.pdf`, refusing ids that could escape the output folder."""
    if not _SAFE_ID.fullmatch(student_id) or ".." in student_id:
        raise ReportError(f"cannot name a report after student id {student_id[:80]!r}: expected letters, digits, '_', '.', '@', '+' or '-'")
    return f"{student_id}.pdf"


@dataclass(frozen=True)
class IndexEntry:
    view: str  # content hash of the view the PDF was rendered from
    inputs: str = ""  # hash of what the view was built from ("" if unknown)


def load_index(out_dir: Path) -> dict[str, IndexEntry]:
    """The last run's {file name: entry}; a missing or damaged index means "render all"."""
    try:
        data = json.loads((out_dir / INDEX_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("reports"), dict):
        return {}
    reports = data["reports"]
    if data.get("version") == 1:
        return {str(k): IndexEntry(str(v)) for k, v in reports.items()}
    if data.get("version") != INDEX_VERSION:
        return {}
    return {
        str(k): IndexEntry(str(v.get("view", "")), str(v.get("inputs", "")))
        for k, v in reports.items()
        if isinstance(v, dict)
    }


def save_index(out_dir: Path, index: dict[str, IndexEntry]) -> None:
    reports = {name: {"view": e.view, "inputs": e.inputs} for name, e in sorted(index.items())}
    payload = {"version": INDEX_VERSION, "reports": reports}
    try:
        write_atomic(out_dir / INDEX_NAME, (json.dumps(payload, indent=1) + "\n").encode("utf-8"))
    except OSError as exc:
        raise ReportError(f"cannot write the report index {out_dir / INDEX_NAME}: {exc.strerror or exc}") from exc


def inputs_hash(result: SubmissionResult, context: str) -> str:
    """Everything a student's view is built from: the whole result (its dataclass repr is
    complete and deterministic: strings, numbers, enums, tuples) and `context` (rubric, course,
    templates). A false "changed" only costs building the view again; the view hash decides."""
    return hashlib.sha256((context + "\n" + repr(result)).encode("utf-8", "replace")).hexdigest()


def _describe(view: StudentView) -> str:
    return f"the report of student {view.student_id}"


def render_view(view: StudentView, path: Path) -> None:
    """Render one student view to `path` in this process (atomically; failures: ReportError)."""
    render_to_file(lambda: get_renderer().student_pdf(view), path, _describe(view))


# --- worker side ------------------------------------------------------------------------------


def _init_worker() -> None:
    get_renderer()  # templates, stylesheet, fonts: once per worker


def _render_in_worker(view: StudentView, path: str) -> str | None:
    """None on success, else the error message (ReportError does not need to cross back)."""
    try:
        render_view(view, Path(path))
    except ReportError as exc:
        return str(exc)
    return None


# --- caller side ------------------------------------------------------------------------------


class ReportPool:
    """A reusable batch renderer. With `jobs` > 1 it starts a process pool on first need and
    keeps it until `close()` (use it as a context manager); `jobs=1` renders in-process."""

    def __init__(self, jobs: int = 1) -> None:
        self.jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> ReportPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.jobs,
                mp_context=multiprocessing.get_context(START_METHOD),
                initializer=_init_worker,
            )
        return self._executor

    def render_reports(
        self,
        results: Sequence[SubmissionResult],
        rubric: Rubric,
        out_dir: Path,
        *,
        course: str = "",
        graded_at: str = "",
        force: bool = False,
    ) -> ReportStats:
        start = time.perf_counter()
        out_dir = Path(out_dir)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            remove_stale_temps(out_dir)  # what a killed render left behind
        except OSError as exc:
            raise ReportError(f"cannot create the report folder {out_dir}: {exc.strerror or exc}") from exc

        graded_at = graded_at or now_text()
        salt = fingerprint()
        context = hashlib.sha256(f"{salt}\n{course}\n{rubric!r}".encode("utf-8", "replace")).hexdigest()
        index = load_index(out_dir)
        previous = dict(index)
        todo: list[tuple[StudentView, Path, IndexEntry]] = []
        seen: set[str] = set()
        skipped = 0
        for result in results:
            name = report_name(result.student_id)
            if name in seen:
                raise ReportError(f"two results for student {result.student_id}: both would write {out_dir / name}")
            seen.add(name)
            path = out_dir / name
            old = index.get(name)
            inputs = inputs_hash(result, context)
            if not force and old is not None and old.inputs == inputs and path.is_file():
                skipped += 1
                continue
            view = build_student_view(result, rubric, course=course, graded_at=graded_at)
            entry = IndexEntry(content_hash(view, salt), inputs)
            if not force and old is not None and old.view == entry.view and path.is_file():
                index[name] = entry  # same page from new inputs (e.g. only the file's time changed)
                skipped += 1
                continue
            todo.append((view, path, entry))

        failures: list[str] = []
        try:
            if self.jobs == 1 or len(todo) <= 1:
                for view, path, entry in todo:
                    try:
                        render_view(view, path)
                    except ReportError as exc:
                        failures.append(str(exc))
                        index.pop(path.name, None)
                    else:
                        index[path.name] = entry
            else:
                self._render_parallel(todo, index, failures)
        finally:
            if index != previous or not (out_dir / INDEX_NAME).is_file():
                save_index(out_dir, index)
        if failures:
            head = f"{len(failures)} of {len(todo)} report{'s' if len(todo) != 1 else ''} failed"
            raise ReportError(head + "".join(f"\n  - {f}" for f in failures))
        return ReportStats(rendered=len(todo), skipped=skipped, seconds=round(time.perf_counter() - start, 3))

    def _render_parallel(self, todo: list[tuple[StudentView, Path, IndexEntry]], index: dict[str, IndexEntry], failures: list[str]) -> None:
        pool = self._pool()
        futures: list[tuple[Future[Any], StudentView, Path, IndexEntry]] = []
        for view, path, entry in todo:
            futures.append((pool.submit(_render_in_worker, view, str(path)), view, path, entry))
        for future, view, path, entry in futures:
            try:
                error = future.result()
            except BrokenProcessPool as exc:
                self.close()
                error = f"cannot render {_describe(view)} ({path}): the report worker died ({exc})"
            except Exception as exc:  # noqa: BLE001 - e.g. a view that would not pickle
                error = f"cannot render {_describe(view)} ({path}): {type(exc).__name__}: {exc}"
            if error is None:
                index[path.name] = entry
            else:
                failures.append(error)
                index.pop(path.name, None)
