"""Every bound the parser and evaluator enforce, in one frozen dataclass.

Student text is untrusted: each limit is checked *before* the work it bounds (text length before
lexing, depth while descending, bit size before a power is computed), so no answer can hang or
exhaust memory. Breaking a limit raises `LimitExceeded`, an *invalid* verdict naming the limit.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from grader.errors import LimitExceeded

T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    max_chars: int = 2_000  # one expression or number
    max_list_chars: int = 10_000  # a list of expressions, or a shape
    max_matrix_chars: int = 200_000  # a matrix or tensor written as text
    max_depth: int = 100  # nesting of brackets, unary signs, powers, functions
    max_nodes: int = 2_000  # size of one expression tree
    max_exponent: int = 1_000  # |n| in x^n unless x is 0 or ±1
    max_bits: int = 4_096  # exact integers/fractions; beyond, arithmetic goes to floats
    max_literal_digits: int = 1_000  # digits of one written number (before or after the point)
    max_root: int = 64  # n in an n-th root computed exactly
    max_elements: int = 100_000  # entries of a matrix/tensor
    max_list_items: int = 100  # items of a list of expressions or of a shape
    time_limit: float = 2.0  # seconds for the SymPy fallback of one item


DEFAULT_LIMITS = Limits()


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so that library code's `except Exception` cannot swallow it."""


class TimeBoundUnavailable(Exception):
    """No wall-clock bound can be set here (not the main thread): the caller skips the slow step."""


def can_bound_time() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def run_time_bounded(fn: Callable[[], T], seconds: float, what: str) -> T:
    """Run `fn` under a wall-clock bound; raise `LimitExceeded` when it runs out.

    Uses `signal.setitimer` (main thread only; elsewhere raises `TimeBoundUnavailable` without
    running `fn`). The alarm repeats every 50 ms after the first expiry, in case library code
    catches the first one. An enclosing alarm (the engine's per-item bound) is kept: ours takes
    at most 3/4 of its remaining time, so the caller can still report, and it is re-armed with
    its remaining time afterwards.
    """
    if not can_bound_time():
        raise TimeBoundUnavailable(what)
    start = time.monotonic()
    requested = seconds  # the message names this, not the share of an outer bound (run-to-run noise)
    outer_delay, outer_interval = signal.getitimer(signal.ITIMER_REAL)
    if outer_delay > 0:
        seconds = min(seconds, 0.75 * outer_delay)

    def _alarm(signum: int, frame: object) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3), 0.05)
    try:
        return fn()
    except _Timeout:
        bound = requested if outer_delay <= 0 else min(requested, round(outer_delay + time.monotonic() - start - 1e-9, 1))
        raise LimitExceeded(f"time limit: {what} took too long (the bound is {bound:g} s)") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay > 0:
            remaining = outer_delay - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(remaining, 1e-3), outer_interval)
