"""The one process pool: grading workers, report workers and answer-sheet workers all start here.

* One start method, chosen once: forkserver (spawn where there is none), never fork. A fresh
  interpreter per worker never inherits the caller's threads, locks or half-initialised native
  libraries (forking a process that has run torch deadlocks in its thread pools).
* Every worker first ignores SIGINT: Ctrl-C reaches the whole process group, and the parent alone
  turns it into one line and exit 130 and shuts the pool down (a worker's own KeyboardInterrupt
  would print a traceback per worker, ~160 lines). With `temp_dir`, the worker's temporary files
  (WeasyPrint's font copies, ~2 MB each) go to a folder the caller removes, so none is left
  behind even when a worker is killed.
* A worker's per-process state (a rubric and its key book, a renderer, a sheet writer) is what
  its `setup` returned, read back with `worker_state()`: the one module-level slot for it.
* `running_pool` ends the pool on the way out: pending tasks are cancelled on any exception
  (Ctrl-C does not wait for the rest of the batch), and a worker that died (killed, out of
  memory) is one `WorkerError`, not a traceback.
"""

from __future__ import annotations

import multiprocessing
import signal
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from grader.errors import WorkerError

__all__ = ["START_METHOD", "BrokenProcessPool", "new_pool", "running_pool", "worker_state"]

START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"

_STATE: dict[str, Any] = {}  # in a worker process: what its `setup` returned


def _start_worker(temp_dir: str | None, setup: Callable[..., Any] | None, args: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to report
    if temp_dir is not None:
        tempfile.tempdir = temp_dir
    _STATE["value"] = setup(*args) if setup is not None else None


def worker_state() -> Any:
    """In a worker: what the pool's `setup` returned when the process started."""
    return _STATE["value"]


def new_pool(workers: int, *, setup: Callable[..., Any] | None = None, args: tuple[Any, ...] = (), temp_dir: str | None = None) -> ProcessPoolExecutor:
    """A pool of `workers` processes, each running `setup(*args)` once (a module-level function,
    as the start method pickles it by name). The caller shuts it down; see `running_pool`."""
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context(START_METHOD), initializer=_start_worker, initargs=(temp_dir, setup, args)
    )


@contextmanager
def running_pool(workers: int, *, what: str, setup: Callable[..., Any] | None = None, args: tuple[Any, ...] = ()) -> Iterator[ProcessPoolExecutor]:
    """`new_pool` for the duration of a `with`: shut down (waiting for the workers) on the way
    out, pending tasks cancelled if anything went wrong; a dead worker is a `WorkerError`
    naming `what` (e.g. "grading")."""
    pool = new_pool(workers, setup=setup, args=args)
    try:
        yield pool
    except BrokenProcessPool as exc:
        pool.shutdown(wait=True, cancel_futures=True)
        raise WorkerError(f"{what} stopped: a worker process died ({exc}); run it again (with fewer --jobs if memory is short)") from None
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
