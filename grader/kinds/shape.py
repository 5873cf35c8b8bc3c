"""Dimensions: a tuple of positive integers, compared exactly.

Accepted: `32x32`, `32×32`, `32 * 32`, `32 by 32`, `[32, 32]`, `(32,32)`, a YAML list
`[16, 16]`; a bare `256` is the 1-dimensional shape (256,). An expected plain integer (e.g. a
rubric alternative that accepts the pixel count) is treated as a 1-tuple.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

from grader.errors import AnswerError, LimitExceeded, ReferenceSolutionError
from grader.kinds.base import KindTraits, exact, no_format_remarks
from grader.mathparse import DEFAULT_LIMITS, parse_shape
from grader.mathparse.arrays import scalar_from_raw
from grader.model import Verdict

if TYPE_CHECKING:
    from grader.rubric import Item

TRAITS = KindTraits(takes=frozenset({"length"}))
tolerance = exact


def example(item: Item) -> str:
    """How to write an answer, for the template and the sheet."""
    return "dimensions, e.g. 32x32"


def check_spec(item: Item) -> list[str]:
    problems = []
    if item.length is not None and item.length < 1:
        problems.append(f"length: expected a positive number of dimensions, got {item.length}")
    return problems


def _dimension(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, (int, float)):
        value = value.item()
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def prepare(value: Any, item: Item) -> tuple[int, ...]:
    if hasattr(value, "tolist") and not isinstance(value, (list, tuple)):
        value = value.tolist()
    dims = [value] if not isinstance(value, (list, tuple)) else list(value)
    result = []
    for dim in dims:
        n = _dimension(dim)
        if n is None or n < 1:
            raise ReferenceSolutionError(f"{item.id}: expected positive whole dimensions from the reference, got {value!r:.80}")
        result.append(n)
    if not result:
        raise ReferenceSolutionError(f"{item.id}: the reference gave an empty shape")
    if item.length is not None and isinstance(value, (list, tuple)) and len(result) != item.length:
        raise ReferenceSolutionError(f"{item.id}: the reference gave {len(result)} dimensions but the item has length {item.length}")
    return tuple(result)


def parse(raw: Any, item: Item) -> tuple[int, ...]:
    if isinstance(raw, str):
        return parse_shape(raw, limits=DEFAULT_LIMITS)
    if isinstance(raw, (list, tuple)):
        if len(raw) > DEFAULT_LIMITS.max_list_items:
            raise LimitExceeded(f"list length: {len(raw)} dimensions; the limit is {DEFAULT_LIMITS.max_list_items}")
        if not raw:
            raise AnswerError("empty list: expected dimensions such as [16, 16]")
        return tuple(_raw_dimension(v, f"item {i}") for i, v in enumerate(raw, 1))
    return (_raw_dimension(raw, "the answer"),)


def _raw_dimension(raw: Any, where: str) -> int:
    if isinstance(raw, (list, tuple, dict)):
        raise AnswerError(f"{where}: expected a whole number, got a {type(raw).__name__}")
    value = scalar_from_raw(raw, where=where)
    if value != int(value) or value < 1:
        raise AnswerError(f"{where}: {value} is not a size; each dimension must be a positive whole number")
    return int(value)


def show(value: Any, item: Item) -> str:
    if isinstance(value, int):
        value = (value,)
    return "×".join(str(v) for v in value)


def compare(parsed: tuple[int, ...], expected: tuple[int, ...] | int, item: Item) -> Verdict:
    if isinstance(expected, int):
        expected = (expected,)
    got = show(parsed, item)
    if tuple(parsed) == tuple(expected):
        return Verdict.correct(got)
    if item.show_expected:
        return Verdict.wrong(got, f"expected {show(expected, item)}, got {got}")
    return Verdict.wrong(got, f"{got} is not the expected shape")


format_problems = no_format_remarks
format_notes = no_format_remarks  # public facts say nothing more about this kind's answers
