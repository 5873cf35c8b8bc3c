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

import gc
import hashlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from grader.config import plural, problem_list
from grader.errors import ReportError
from grader.fsio import SkipIndex, commit_staged, discard_staged, remove_stale_temps, stage_write, sync_dir
from grader.model import SubmissionResult
from grader.outputs.report.render import fingerprint, get_renderer, render_bytes, render_to_file
from grader.outputs.report.view import StudentView, SummaryView, build_student_view, content_hash
from grader.pool import BrokenProcessPool, new_pool
from grader.rubric import Rubric

INDEX_NAME = ".report-index.json"
SUMMARY_NAME = "summary.pdf"
INDEX_VERSION = 2  # 1: {name: view hash}; read as view hashes without input hashes
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


def _index(out_dir: Path) -> SkipIndex:
    # version 1 held {name: view hash}: read as view hashes without input hashes
    return SkipIndex(out_dir / INDEX_NAME, INDEX_VERSION, "reports", legacy={1: lambda view: {"view": view}})


def _index_entry(raw: Any) -> IndexEntry:
    return IndexEntry(str(raw.get("view", "")), str(raw.get("inputs", "")))


def load_index(out_dir: Path) -> dict[str, IndexEntry]:
    """The last run's {file name: entry}; a missing or damaged index means "render all"."""
    return _index(out_dir).load(_index_entry)


def save_index(out_dir: Path, index: dict[str, IndexEntry], *, previous: dict[str, IndexEntry] | None = None) -> None:
    """Write the index (not at all if it equals `previous` and is on disk)."""
    try:
        _index(out_dir).save(index, previous=previous, encode=lambda e: {"view": e.view, "inputs": e.inputs})
    except OSError as exc:
        raise ReportError(f"cannot write the report index {out_dir / INDEX_NAME}: {exc.strerror or exc}") from exc


def inputs_hash(result: SubmissionResult, context: str, result_digest: str | None = None) -> str:
    """Everything a student's view is built from, as one hash: the result's JSON digest
    (`grader.result_schema`, which carries all of a result; `result_digest` when the caller has it)
    and `context` (rubric, course, templates). A false "changed" only costs building the view
    again; the view hash then decides. tests/report/test_pdf.py changes every field of a result
    one at a time and checks that whatever changes the page changes this hash.
    """
    from grader.result_schema import result_doc

    digest = result_digest if result_digest is not None else result_doc(result).digest
    return hashlib.sha256(f"{context}\n{digest}".encode()).hexdigest()


def _describe(view: StudentView) -> str:
    return f"the report of student {view.student_id}"


def render_view(view: StudentView, path: Path) -> None:
    """Render one student view to `path` in this process (atomically; failures: ReportError)."""
    render_to_file(lambda: get_renderer().student_pdf(view), path, _describe(view))


def render_summary_view(view: SummaryView, path: Path) -> None:
    """Render the class summary to `path` in this process (atomically; failures: ReportError)."""
    render_to_file(lambda: get_renderer().summary_pdf(view), path, "the class summary")


# --- worker side ------------------------------------------------------------------------------


@contextmanager
def collecting_only_new_objects() -> Iterator[None]:
    """Rendering allocates millions of short-lived objects, and every full garbage collection
    would also walk everything already alive (the renderer and its libraries; in the CLI
    process also torch, SymPy and the results): 5-10% of a report's time. Objects alive when
    the batch starts are frozen (`gc.freeze`) for its duration, so collections see only the
    renderer's own garbage."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _worker_setup() -> None:
    get_renderer()  # templates, stylesheet, fonts: once per worker
    gc.freeze()  # ... and never walked by the collector again (see collecting_only_new_objects)


def _ready() -> None:
    """A no-op task: submitting one per worker makes the pool start them (and run the initializer)."""


@dataclass(frozen=True)
class _Task:
    """One PDF to render: a student's report or (`view` a SummaryView) the class summary."""

    view: StudentView | SummaryView
    path: Path

    @property
    def what(self) -> str:
        return _describe(self.view) if isinstance(self.view, StudentView) else "the class summary"

    def render(self) -> bytes:
        view = self.view
        if isinstance(view, StudentView):
            return render_bytes(lambda: get_renderer().student_pdf(view), self.path, self.what)
        return render_bytes(lambda: get_renderer().summary_pdf(view), self.path, self.what)


def _stage_in_worker(tasks: list[_Task]) -> list[tuple[str | None, str | None]]:
    """Render `tasks` one after another; for each, (staged temp file, None) or (None, error
    message). The caller renames the files into place when it publishes the run."""
    out: list[tuple[str | None, str | None]] = []
    for task in tasks:
        try:
            out.append((str(stage_write(task.path, task.render())), None))
        except ReportError as exc:
            out.append((None, str(exc)))
        except OSError as exc:
            out.append((None, f"cannot write {task.what} ({task.path}): {exc.strerror or exc}"))
    return out


# --- caller side ------------------------------------------------------------------------------

FEW_RENDERS = 6  # up to this many PDFs go to one worker: starting a second costs more than it saves


@dataclass
class RenderJob:
    """One PDF on its way: its task, its index entry (None for the summary) and, in a pool,
    the future of the worker task that renders it (at `position` among that task's PDFs)."""

    task: _Task
    entry: IndexEntry | None  # None for the summary (not in the index)
    future: Future[list[tuple[str | None, str | None]]] | None = None
    position: int = 0  # in its future's list of outcomes

    def outcome(self, pool: ReportPool) -> tuple[str | None, str | None]:
        """The worker's (staged file, error); a dead worker (which also closes `pool`) or a view
        that would not pickle is the error."""
        assert self.future is not None
        try:
            return self.future.result()[self.position]
        except BrokenProcessPool as exc:
            pool.close()
            return None, f"cannot render {self.task.what} ({self.task.path}): the report worker died ({exc})"
        except Exception as exc:  # noqa: BLE001 - e.g. a view that would not pickle
            return None, f"cannot render {self.task.what} ({self.task.path}): {type(exc).__name__}: {exc}"

    def discard(self, pool: ReportPool) -> None:
        """Drop this PDF: cancel its task, or wait for the render under way and delete what it staged."""
        if self.future is not None and not self.future.cancel():
            staged, _ = self.outcome(pool)
            if staged is not None:
                discard_staged(staged)


CHUNK = 4  # PDFs per task beyond that: small, so the workers finish together (a task is ~0.5 s)


def _chunks(n: int) -> list[range]:
    """Task boundaries over `n` PDFs: one task for a few (one worker, no second start-up),
    else tasks of `CHUNK`."""
    size = n if n <= FEW_RENDERS else CHUNK
    return [range(i, min(i + size, n)) for i in range(0, n, size)] if n else []


class PlannedReports:
    """Reports decided on (the unchanged ones skipped) and, in a pool, already being rendered;
    none appears in the folder before `finish()`, and `cancel()` drops them all."""

    def __init__(
        self, pool: ReportPool, out_dir: Path, index: dict[str, IndexEntry], previous: dict[str, IndexEntry], jobs: list[RenderJob], skipped: int, start: float
    ) -> None:
        self._pool = pool
        self._out_dir = out_dir
        self._index = index
        self._previous = previous  # the index as loaded
        self._jobs = jobs
        self._skipped = skipped
        self._start = start
        self._done = False

    def finish(self) -> ReportStats:
        """Publish every rendered PDF and save the index; failures (after all the others are
        published) are one ReportError that lists them."""
        self._done = True
        index, failures = self._index, []
        in_process = sum(1 for job in self._jobs if job.future is None) > 1
        try:
            with collecting_only_new_objects() if in_process else nullcontext():
                for job in self._jobs:
                    error = self._publish(job)
                    if error is not None:
                        failures.append(error)
                    if job.entry is not None:
                        if error is None:
                            index[job.task.path.name] = job.entry
                        else:
                            index.pop(job.task.path.name, None)
            if any(job.future is not None for job in self._jobs):
                sync_dir(self._out_dir)
        finally:
            save_index(self._out_dir, index, previous=self._previous)
        if failures:
            n = len(self._jobs)
            raise ReportError(problem_list(f"{len(failures)} of {plural(n, 'report')} failed", failures))
        students = sum(1 for job in self._jobs if job.entry is not None)
        return ReportStats(rendered=students, skipped=self._skipped, seconds=round(time.perf_counter() - self._start, 3))

    def _publish(self, job: RenderJob) -> str | None:
        """Render `job` here, or move its staged file into place; the error message, if any."""
        path = job.task.path
        if job.future is None:
            try:
                render_to_file(job.task.render, path, job.task.what)
            except ReportError as exc:
                return str(exc)
            return None
        staged, error = job.outcome(self._pool)
        if staged is not None:
            try:
                commit_staged(Path(staged), path, sync_dir=False)
            except OSError as exc:
                discard_staged(staged)
                return f"cannot write {job.task.what} ({path}): {exc.strerror or exc}"
        return error

    def cancel(self) -> None:
        """Drop the reports: wait for the renders under way and delete what they staged."""
        if self._done:
            return
        self._done = True
        for job in self._jobs:
            job.discard(self._pool)


class ReportPool:
    """A reusable batch renderer; use it as a context manager (`close()` ends its workers).

    With `jobs` > 1: `start()` starts one worker at once (importing WeasyPrint and loading
    fonts takes it ~0.5 s, during which the caller grades); it takes the summary and batches of
    a few PDFs, in order, so a re-grade never waits for a second worker to start. Bigger
    batches go to a pool of `jobs` workers, started when needed. `jobs=1` renders in-process.
    """

    def __init__(self, jobs: int = 1) -> None:
        self.jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
        self._executor: ProcessPoolExecutor | None = None  # `jobs` workers
        self._warm: ProcessPoolExecutor | None = None  # the one worker `start()` starts
        self._temp: str | None = None  # the workers' temporary folder (font copies), removed by close()

    def __enter__(self) -> ReportPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for executor in (self._executor, self._warm):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
        self._executor = self._warm = None
        if self._temp is not None:
            shutil.rmtree(self._temp, ignore_errors=True)
            self._temp = None

    def _new_executor(self, workers: int) -> ProcessPoolExecutor:
        if self._temp is None:
            self._temp = tempfile.mkdtemp(prefix="hwgrader-report-")
        # font copies go to the pool's own folder, removed by close()
        return new_pool(workers, setup=_worker_setup, temp_dir=self._temp)

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = self._new_executor(self.jobs)
        return self._executor

    def _for_few(self) -> ProcessPoolExecutor:
        """Where a few PDFs go: the warm worker if there is one."""
        return self._warm if self._warm is not None else self._pool()

    def start(self) -> None:
        """Start the warm worker now, without waiting for it. No-op with jobs=1."""
        if self.jobs > 1 and self._warm is None and self._executor is None:
            self._warm = self._new_executor(1)
            self._warm.submit(_ready)

    def submit_summary(self, view: SummaryView, out_dir: Path) -> RenderJob:
        """Start rendering the class summary (`out_dir/summary.pdf`) now, before the student
        reports are planned; pass the job to `plan_reports(also=...)`, which publishes it."""
        job = RenderJob(_Task(view, Path(out_dir) / SUMMARY_NAME), None)
        if self.jobs > 1:
            Path(out_dir).mkdir(parents=True, exist_ok=True)
            job.future = self._for_few().submit(_stage_in_worker, [job.task])
        return job

    def plan_reports(
        self,
        results: Sequence[SubmissionResult],
        rubric: Rubric,
        out_dir: Path,
        *,
        course: str = "",
        graded_at: str = "",
        force: bool = False,
        summary: SummaryView | None = None,
        result_digests: Mapping[str, str] | None = None,
        also: Sequence[RenderJob] = (),
    ) -> PlannedReports:
        """Decide which student reports to render (and the class summary, `out_dir/summary.pdf`,
        if `summary` is given: always rendered) and, with a pool, start rendering them, the
        summary first (see `PlannedReports`). In-process (jobs=1, or one PDF and no pool
        running) they are rendered by `finish()`. `result_digests`: student id -> the digest of
        the result's JSON, when the caller has it (see `inputs_hash`); `also`: jobs started
        earlier (`submit_summary`) that this plan publishes with its own."""
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
        jobs: list[RenderJob] = [RenderJob(_Task(summary, out_dir / SUMMARY_NAME), None)] if summary is not None else []
        seen: set[str] = set()
        skipped = 0
        for result in results:
            name = report_name(result.student_id)
            if name in seen:
                raise ReportError(f"two results for student {result.student_id}: both would write {out_dir / name}")
            seen.add(name)
            path = out_dir / name
            old = index.get(name)
            inputs = inputs_hash(result, context, result_digests.get(result.student_id) if result_digests else None)
            if not force and old is not None and old.inputs == inputs and path.is_file():
                skipped += 1
                continue
            view = build_student_view(result, rubric, course=course, graded_at=graded_at)
            entry = IndexEntry(content_hash(view, salt), inputs)
            if not force and old is not None and old.view == entry.view and path.is_file():
                index[name] = entry  # same page from new inputs (e.g. only the file's time changed)
                skipped += 1
                continue
            jobs.append(RenderJob(_Task(view, path), entry))
        if self.jobs > 1 and (len(jobs) > 1 or self._executor is not None or self._warm is not None):
            pool = self._for_few() if len(jobs) <= FEW_RENDERS else self._pool()
            for chunk in _chunks(len(jobs)):
                future = pool.submit(_stage_in_worker, [jobs[i].task for i in chunk])
                for position, i in enumerate(chunk):
                    jobs[i].future, jobs[i].position = future, position
        return PlannedReports(self, out_dir, index, previous, [*also, *jobs], skipped, start)

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
        """Render every changed report now (see `plan_reports`)."""
        plan = self.plan_reports(results, rubric, out_dir, course=course, graded_at=graded_at, force=force)
        try:
            return plan.finish()
        finally:
            plan.cancel()
