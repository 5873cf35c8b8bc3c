"""Every bound the parser and evaluator enforce, in one frozen dataclass.

Student text is untrusted: each limit is checked *before* the work it bounds (text length before
lexing, depth while descending, bit size before a power is computed), so no answer can hang or
exhaust memory. Breaking a limit raises `LimitExceeded`, an *invalid* verdict naming the limit.
"""

from __future__ import annotations

from dataclasses import dataclass

# The time bound itself lives in grader.timeout, the one mechanism for the whole grader; its names
# stay importable from here for older callers.
from grader.timeout import TimeBoundUnavailable, can_bound_time, run_time_bounded


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

__all__ = ["DEFAULT_LIMITS", "Limits", "TimeBoundUnavailable", "can_bound_time", "run_time_bounded"]
