"""Per-student numeric instances for Q2 and Q3, derived from the student id with SHA-256 only.

No numpy/torch/`random` generator is involved: their streams differ between versions and
platforms. Bytes come from ``sha256(f"hw4/{name}/{student_id}/{counter}")`` for counter = 0, 1,
2, ... (32 bytes per block, consumed in order), and a byte b is mapped to an integer in a range of
size s by rejection sampling (accept only b < 256 - 256 % s, then lo + b % s), so every value is
exactly uniform and the same id gives the same instance on any machine and Python version.
The student id is used as ``str(student_id).strip()``.

Values are plain Python ints (and floats for Q3's G), laid out 0-based as QUESTIONS.md says.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Any

from reference.hw4 import REFERENCES

Q2_N = 8
Q2_K = 3
Q2_RANGE = (-3, 3)
Q3_RANGE = (-2, 2)
Q3_G_CHOICES = (-2.0, -1.0, -0.5, 0.5, 1.0, 2.0)


class HashStream:
    """A deterministic stream of small integers for one (instance name, student id)."""

    def __init__(self, name: str, student_id: str) -> None:
        self.prefix = f"hw4/{name}/{str(student_id).strip()}/"
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


@REFERENCES.instance("q2")
def q2_instance(student_id: str) -> dict[str, Any]:
    """Q2 instance: N=8, K=3, X = 8 ints in -3..3, G = dL/dZ = N-K+1 = 6 ints in -3..3.

    Drawn in the order X, G. X is redrawn until X[0..K-1] is not all zero and G until G[0] != 0,
    so the official key's formula (which drops the i=0 term, G[0]·X[j]) gives a different answer
    from the correct one and the grader can tell the two apart.
    """
    stream = HashStream("q2", student_id)
    while True:
        x = stream.array([Q2_N], *Q2_RANGE)
        if any(x[:Q2_K]):
            break
    while True:
        g = stream.array([Q2_N - Q2_K + 1], *Q2_RANGE)
        if g[0] != 0:
            break
    return {"N": Q2_N, "K": Q2_K, "X": x, "G": g}


@REFERENCES.instance("q3")
def q3_instance(student_id: str) -> dict[str, Any]:
    """Q3 instance: X[i][j][k] 5×5×8, W1[k][t] 8×4, W2[w][h][k] 2×2×4, Wfc (4), G = dL/dz.

    Entries are ints in -2..2, drawn in the order X, W1, W2, Wfc, each array redrawn until it is
    not all zero; G is one of ±0.5, ±1, ±2 (a float).
    """
    stream = HashStream("q3", student_id)
    x = stream.nonzero_array([5, 5, 8], *Q3_RANGE)
    w1 = stream.nonzero_array([8, 4], *Q3_RANGE)
    w2 = stream.nonzero_array([2, 2, 4], *Q3_RANGE)
    wfc = stream.nonzero_array([4], *Q3_RANGE)
    g = float(stream.choice(Q3_G_CHOICES))
    return {"X": x, "W1": w1, "W2": w2, "Wfc": wfc, "G": g}
