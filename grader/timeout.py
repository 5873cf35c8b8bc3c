"""A wall-clock bound for one step of grading, so no answer can hang a batch.

Uses SIGALRM (`setitimer`) when running on a main thread of a POSIX process (the CLI and its pool
workers are); elsewhere it cannot interrupt and only measures. Nested bounds keep the tighter one.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from grader.errors import LimitExceeded

_active_deadline: list[float] = []


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


REPEAT = 0.05  # after the first alarm, fire again every 50 ms in case code swallowed it


class _Expired(BaseException):
    """Raised by the alarm: a BaseException, so library code's `except Exception` cannot swallow it."""


def limit_message(seconds: float, what: str) -> str:
    """What a student reads when checking `what` ran out of its `seconds`."""
    return f"took longer than {seconds:g} s to check {what}; the answer was not graded"


@contextmanager
def time_limit(seconds: float, what: str = "this answer", *, bound: float | None = None) -> Iterator[None]:
    """Raise `LimitExceeded` if the block runs longer than `seconds`. `bound`: the bound to name
    in the message, when this block is the rest of a larger one (default `seconds`)."""
    if not _can_alarm() or seconds <= 0:
        yield
        return
    now = time.monotonic()
    deadline = now + seconds
    outer = _active_deadline[-1] if _active_deadline else None
    if outer is not None and outer <= deadline:
        yield  # the enclosing bound fires first
        return
    armed = True

    def _raise(signum: int, frame: object) -> None:
        if armed:  # a late delivery after the block ended is ignored
            raise _Expired

    previous = signal.signal(signal.SIGALRM, _raise)
    _active_deadline.append(deadline)
    signal.setitimer(signal.ITIMER_REAL, seconds, REPEAT)
    try:
        yield
    except _Expired:
        raise LimitExceeded(limit_message(seconds if bound is None else bound, what)) from None
    finally:
        # Disarm first, and retry if an alarm lands here: an exception escaping this block
        # would leave the timer repeating and a stale deadline that disables every later bound.
        while True:
            try:
                armed = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                break
            except _Expired:
                continue
        _active_deadline.pop()
        # None: the old handler was installed from C (e.g. by libFuzzer); it cannot be put back
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
        if outer is not None:
            remaining = outer - time.monotonic()
            signal.setitimer(signal.ITIMER_REAL, max(remaining, 1e-3), REPEAT)
