"""Per-student numeric instances for any homework, derived from the student id with SHA-256 only.

A homework whose questions give each student their own numbers registers an instance generator
(`@REFERENCES.instance("q2")`, a function of the student id returning a dict) and draws the
numbers from a `HashStream(homework, name, student_id)`:

    from reference.instances import HashStream

    @REFERENCES.instance("q2")
    def q2_instance(student_id: str) -> dict[str, Any]:
        stream = HashStream("hw5", "q2", student_id)
        return {"X": stream.array([4], -3, 3), "G": stream.choice([0.5, 1.0, 2.0])}

No numpy/torch/`random` generator is involved: their streams differ between versions and
platforms. Bytes come from ``sha256(f"{homework}/{name}/{student_id}/{counter}")`` for counter =
0, 1, 2, ... (32 bytes per block, consumed in order), and a byte b is mapped to an integer in a
range of size s by rejection sampling (accept only b < 256 - 256 % s, then lo + b % s), so every
value is exactly uniform and the same id gives the same instance on any machine and Python
version. The student id is used as ``str(student_id).strip()``. The homework and instance name
are part of the seed, so two homeworks (or two questions) never share a student's numbers.

This module is homework-neutral and depends on nothing but the standard library: the student kit
(`grade kit`) carries it beside `reference/__init__.py`, so a kit's instance module may import it.
See docs/instances.md.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Any


class HashStream:
    """A deterministic stream of small integers for one (homework, instance name, student id)."""

    def __init__(self, homework: str, name: str, student_id: str) -> None:
        self.prefix = f"{homework}/{name}/{str(student_id).strip()}/"
        self.counter = 0
        self.buffer = b""
        self.position = 0

    def _next_block(self) -> None:
        self.buffer = hashlib.sha256(f"{self.prefix}{self.counter}".encode()).digest()
        self.counter += 1
        self.position = 0

    def byte(self) -> int:
        if self.position >= len(self.buffer):
            self._next_block()
        value = self.buffer[self.position]
        self.position += 1
        return value

    def integer(self, low: int, high: int) -> int:
        """Uniform integer in [low, high] (at most 256 values) by rejection sampling."""
        size = high - low + 1
        if not 1 <= size <= 256:
            raise ValueError(f"range size must be 1..256, got {size}")
        limit = 256 - 256 % size
        while True:
            b = self.byte()
            if b < limit:
                return low + b % size

    def integers(self, count: int, low: int, high: int) -> list[int]:
        """`count` values of `integer(low, high)`, drawn in order (the same bytes, read in a loop)."""
        size = high - low + 1
        if not 1 <= size <= 256:
            raise ValueError(f"range size must be 1..256, got {size}")
        limit = 256 - 256 % size
        values: list[int] = []
        while len(values) < count:
            if self.position >= len(self.buffer):
                self._next_block()
            position = self.position
            chunk = self.buffer[position : position + count - len(values)]
            if max(chunk) < limit:  # no byte rejected: map the whole run at once
                values.extend(low + b % size for b in chunk)
                self.position = position + len(chunk)
                continue
            for b in chunk:
                position += 1
                if b < limit:
                    values.append(low + b % size)
                    if len(values) == count:
                        break
            self.position = position
        return values

    def choice(self, options: Sequence[Any]) -> Any:
        return options[self.integer(0, len(options) - 1)]

    def array(self, shape: Sequence[int], low: int, high: int) -> Any:
        """Nested lists of the given shape, filled in row-major order."""
        return _nest(self.integers(math.prod(shape), low, high), list(shape))

    def nonzero_array(self, shape: Sequence[int], low: int, high: int) -> Any:
        """Like `array`, redrawn (from the same stream) until some entry is non-zero."""
        while True:
            values = self.integers(math.prod(shape), low, high)
            if any(v != 0 for v in values):
                return _nest(values, list(shape))


def _nest(flat: list[int], shape: list[int]) -> Any:
    """Row-major nested lists of `shape` from a flat list of exactly prod(shape) values."""
    if len(shape) == 1:
        return flat
    step = len(flat) // shape[0]
    return [_nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]
