"""grader.pool: the one process pool (start method, worker setup, Ctrl-C, a dead worker)."""

from __future__ import annotations

import os
import signal
import tempfile
import time
from pathlib import Path

import pytest

from grader import pool
from grader.errors import WorkerError


def _setup(value: str) -> dict[str, str]:
    return {"value": value, "pid": str(os.getpid())}


def _inspect(_: int) -> tuple[object, bool, str | None]:
    return pool.worker_state(), signal.getsignal(signal.SIGINT) == signal.SIG_IGN, tempfile.gettempdir()


def _die(_: int) -> None:
    os._exit(3)  # what the kernel's OOM killer looks like from the parent


def _slow(n: int) -> int:
    time.sleep(0.2)
    return n


def test_one_start_method_never_fork() -> None:
    assert pool.START_METHOD in ("forkserver", "spawn")
    executor = pool.new_pool(1)
    try:
        assert executor._mp_context.get_start_method() == pool.START_METHOD
    finally:
        executor.shutdown()


def test_workers_run_setup_once_ignore_ctrl_c_and_use_the_given_temp_folder(tmp_path: Path) -> None:
    executor = pool.new_pool(1, setup=_setup, args=("rubric",), temp_dir=str(tmp_path))
    try:
        (state, ignores_sigint, temp), (again, _, _) = executor.map(_inspect, [1, 2])
    finally:
        executor.shutdown()
    assert isinstance(state, dict) and state["value"] == "rubric" and state["pid"] != str(os.getpid())
    assert again == state  # one setup per process, not per task
    assert ignores_sigint and temp == str(tmp_path)


def test_a_dead_worker_is_one_worker_error() -> None:
    with pytest.raises(WorkerError, match=r"^grading stopped: a worker process died .*run it again"):
        with pool.running_pool(1, what="grading") as executor:
            list(executor.map(_die, [1]))


def test_an_interrupt_cancels_the_tasks_not_yet_started() -> None:
    with pytest.raises(KeyboardInterrupt):
        with pool.running_pool(1, what="grading") as executor:
            futures = [executor.submit(_slow, n) for n in range(50)]
            futures[0].result()
            raise KeyboardInterrupt
    assert sum(f.cancelled() for f in futures) >= 40  # the rest of the batch does not run first


def test_a_finished_pool_returns_every_result() -> None:
    with pool.running_pool(2, what="grading") as executor:
        assert list(executor.map(_slow, range(4))) == [0, 1, 2, 3]
