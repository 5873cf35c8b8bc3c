"""One way for tests to say "this hostile input is refused in bounded time".

Performance is measured in bench/, not asserted here. These checks only catch a blow-up (an
exponential parse, a decompression bomb, a hang): they measure this process's CPU time, which
other processes on a busy machine do not inflate, against a bound far above the normal cost.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cpu_bounded(seconds: float, what: str = "the work") -> Iterator[None]:
    """Fail if the block uses more than `seconds` of this process's CPU time."""
    start = time.process_time()
    yield
    used = time.process_time() - start
    assert used < seconds, f"{what} took {used:.2f} s of CPU, expected under {seconds} s"
