"""grader.timeout, the one time bound: its nesting rule, its message, where it cannot alarm."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from grader.errors import LimitExceeded, TimeLimitExceeded
from grader.timeout import SHARE, TimeBoundUnavailable, limit_message, run_time_bounded, time_limit


def _sleep_in(seconds: float, what: str, *, bound: float | None = None) -> float:
    start = time.monotonic()
    with pytest.raises(TimeLimitExceeded) as caught, time_limit(seconds, what, bound=bound):
        time.sleep(5)
    assert str(caught.value) == limit_message(bound if bound is not None else seconds, what)
    return time.monotonic() - start


@pytest.mark.parametrize(
    ("seconds", "what", "bound", "message"),
    [
        (0.05, "item q1.a", None, "took longer than 0.05 s to check item q1.a"),
        (0.05, "item q1.a", 2.0, "took longer than 2 s to check item q1.a"),  # the rest of a 2 s bound
        (0.1, "it symbolically", None, "took longer than 0.1 s to check it symbolically"),
    ],
)
def test_one_message_names_the_bound(seconds: float, what: str, bound: float | None, message: str) -> None:
    assert limit_message(bound if bound is not None else seconds, what) == message
    assert _sleep_in(seconds, what, bound=bound) < 1.0


def test_a_time_out_is_a_limit_and_fast_code_is_untouched() -> None:
    assert issubclass(TimeLimitExceeded, LimitExceeded)  # an invalid verdict, like every limit
    assert run_time_bounded(lambda: 42, 1.0, "fast") == 42
    with time_limit(1.0, "fast"):
        pass
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # nothing left armed


@pytest.mark.parametrize("inner", [0.3, 5.0])
def test_a_nested_bound_runs_out_first_and_the_outer_one_still_fires(inner: float) -> None:
    """The one nesting rule: at most SHARE of what is left of the enclosing bound."""
    outer = 0.4
    start = time.monotonic()
    with pytest.raises(TimeLimitExceeded, match="to check the outer step"), time_limit(outer, "the outer step"):
        with pytest.raises(TimeLimitExceeded, match="to check the inner step"):
            with time_limit(inner, "the inner step"):
                time.sleep(5)
        inner_ended = time.monotonic() - start
        time.sleep(5)
    total = time.monotonic() - start
    assert inner_ended <= SHARE * outer + 0.1  # before the enclosing bound, leaving it time to report
    assert outer - 0.05 <= total < outer + 0.3  # the enclosing bound was re-armed with its rest
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_nested_bound_shortened_by_the_outer_one_names_what_was_left() -> None:
    with time_limit(1.0, "the item"):
        with pytest.raises(TimeLimitExceeded) as caught, time_limit(5.0, "it symbolically"):
            time.sleep(5)
    assert str(caught.value) == "took longer than 1 s to check it symbolically"


@pytest.mark.parametrize(("required", "outcome"), [(False, "ran unbounded"), (True, "TimeBoundUnavailable")])
def test_off_the_main_thread(required: bool, outcome: str) -> None:
    box: list[str] = []

    def worker() -> None:
        try:
            with time_limit(0.01, "x", required=required):
                time.sleep(0.05)
            box.append("ran unbounded")
        except TimeBoundUnavailable:
            box.append("TimeBoundUnavailable")

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert box == [outcome]


def test_zero_seconds_is_unbounded() -> None:
    with time_limit(0, "x"):
        time.sleep(0.02)
