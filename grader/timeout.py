"""The one wall-clock bound of grading, so no answer can hang a batch.

`time_limit` bounds a block; `run_time_bounded` a call; `run_bounded_process` a child process
(for native code, which no signal handler interrupts). The first two use SIGALRM (`setitimer`), which
only a main thread of a POSIX process can use (the CLI and its pool workers are). Elsewhere a
bound cannot interrupt: an optional bound runs the block unbounded (grading's per-item bound;
every parser limit still applies), a `required=True` one raises `TimeBoundUnavailable` before
running it (the caller skips the slow step, e.g. the SymPy fallback). Windows has no SIGALRM at
all (the student kit runs there): the size, depth, node, exponent and bit limits of
grader/mathparse/limits.py, each checked before the work it bounds, are what bound the work
(tests/test_kit_install.py runs `grade check` with the signal functions removed).

One nesting rule: a bound inside another (the SymPy fallback inside an item's bound) takes at
most 3/4 of what is left of the enclosing one, so it always runs out first and the enclosing
step can still report; the enclosing alarm is re-armed with its remaining time afterwards.

One message, `limit_message`: "took longer than <s> s to check <what>". Running out raises
`TimeLimitExceeded`, whose verdict depended on this machine's speed: it is never cached.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from grader.errors import TimeLimitExceeded

T = TypeVar("T")

REPEAT = 0.05  # after the first alarm, fire again every 50 ms in case code swallowed it
SHARE = 0.75  # the most of an enclosing bound's remaining time a nested bound may take
_MIN = 1e-3  # setitimer(0) disarms: the shortest bound actually set


class TimeBoundUnavailable(Exception):
    """No wall-clock bound can be set here (not the main thread): the caller skips the slow step."""


class _Expired(BaseException):
    """Raised by the alarm: a BaseException, so library code's `except Exception` cannot swallow it."""


def can_bound_time() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def limit_message(seconds: float, what: str) -> str:
    """What a reader is told when checking `what` ran out of its `seconds`."""
    return f"took longer than {seconds:g} s to check {what}"


@contextmanager
def time_limit(seconds: float, what: str = "this answer", *, bound: float | None = None, required: bool = False) -> Iterator[None]:
    """Raise `TimeLimitExceeded` if the block runs longer than `seconds` (0 or less: unbounded).

    `bound`: the bound to name in the message when this block is the rest of a larger one
    (default `seconds`). `required`: raise `TimeBoundUnavailable` where no bound can be set,
    instead of running the block unbounded.
    """
    if seconds <= 0:
        yield
        return
    if not can_bound_time():
        if required:
            raise TimeBoundUnavailable(what)
        yield
        return
    named = seconds if bound is None else bound
    start = time.monotonic()
    outer_delay, outer_interval = signal.getitimer(signal.ITIMER_REAL)
    if outer_delay > 0 and seconds > SHARE * outer_delay:
        seconds = SHARE * outer_delay
        named = min(named, round(outer_delay, 1))  # name what was left, not the share (run-to-run noise)
    armed = True

    def _raise(signum: int, frame: object) -> None:
        if armed:  # a late delivery after the block ended is ignored
            raise _Expired

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, _MIN), REPEAT)
    try:
        yield
    except _Expired:
        raise TimeLimitExceeded(limit_message(named, what)) from None
    finally:
        # Disarm first, and retry if an alarm lands here: an exception escaping this block
        # would leave the timer repeating.
        while True:
            try:
                armed = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                break
            except _Expired:
                continue
        # None: the old handler was installed from C (e.g. by libFuzzer); it cannot be put back
        signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
        if outer_delay > 0:
            remaining = outer_delay - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(remaining, _MIN), outer_interval)


def run_time_bounded(fn: Callable[[], T], seconds: float, what: str) -> T:
    """`fn()` under `time_limit(seconds, what, required=True)`."""
    with time_limit(seconds, what, required=True):
        return fn()


def run_bounded_process(argv: Sequence[str], seconds: float, what: str) -> subprocess.CompletedProcess[bytes]:
    """Run `argv` (no shell, no stdin, output captured) in a child process that is killed after
    `seconds` of wall time: `TimeLimitExceeded` ("<what> took longer than <s> s").

    The bound for native code that no signal handler can interrupt (PDFium drawing a page of a
    student's PDF), in any thread; the child sets its own CPU and memory limits."""
    try:
        return subprocess.run(list(argv), capture_output=True, stdin=subprocess.DEVNULL, timeout=seconds, check=False)  # noqa: S603 - argv list, no shell
    except subprocess.TimeoutExpired:  # run() killed the child
        raise TimeLimitExceeded(f"{what} took longer than {seconds:g} s") from None
