"""Matrices and tensors (kinds `matrix` and `tensor`): the shape first, then every entry within
`item.tolerance` (default relative 1e-3, absolute 1e-6).

Accepted: nested YAML/JSON lists, or text holding a nested list, MATLAB `[1 0; 0 1]`, LaTeX
`bmatrix`/`pmatrix`, or a NumPy/PyTorch printout `array([[1., 0.], [0., 1.]])` (read by our own
parser, never evaluated). Entries may be written in any number form (`1/4`, `-0.5`, `۰٫۵`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from grader.errors import AnswerError, ReferenceSolutionError
from grader.kinds.base import KindTraits, no_format_remarks
from grader.mathparse import DEFAULT_LIMITS, nested_from_raw, parse_matrix, scalar_from_raw
from grader.model import Verdict
from grader.numfmt import answer_text

if TYPE_CHECKING:
    from grader.rubric import Item

TRAITS = KindTraits(takes=frozenset({"shape", "rel_tol", "abs_tol"}))
_SHOW_ALL = 16  # show every entry up to this many
_SHOW_FIRST = 6
_LIST_WRONG = 3


def _dims(shape: tuple[int, ...] | list[int]) -> str:
    return "×".join(str(s) for s in shape) if len(shape) else "a single number"


def tolerance(item: Item) -> tuple[float, float]:
    """Entries of computed matrices: relative 1e-3 and absolute 1e-6 unless the rubric says."""
    return (item.rel_tol if item.rel_tol is not None else 1e-3, item.abs_tol if item.abs_tol is not None else 1e-6)


def example(item: Item) -> str:
    """How to write an answer, for the template and the sheet."""
    shape = "×".join(str(s) for s in item.shape or [])
    if str(item.kind) == "tensor":
        return f"a {shape} tensor as nested lists (outermost index first)"
    return f"a {shape} matrix as nested lists, e.g. [[1, 0], [0, 1]] for 2×2"


def check_spec(item: Item) -> list[str]:
    problems = []
    if item.shape is None:
        problems.append(f"shape: a {item.kind} item needs its shape, e.g. shape: [3, 3]")
    else:
        if any(s < 1 for s in item.shape):
            problems.append(f"shape: dimensions must be positive, got {item.shape}")
        elif math.prod(item.shape) > DEFAULT_LIMITS.max_elements:
            problems.append(f"shape: {_dims(item.shape)} has more than {DEFAULT_LIMITS.max_elements:,} entries")
        if str(item.kind) == "matrix" and len(item.shape) not in (1, 2):
            problems.append(f"shape: a matrix has 1 or 2 dimensions, got {len(item.shape)}; use kind tensor")
    return problems


def _array(value: Any) -> np.ndarray:
    array = np.array(value, dtype=np.float64)
    array.setflags(write=False)
    return array


def prepare(value: Any, item: Item) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach()
    if hasattr(value, "cpu"):
        value = value.cpu()
    if hasattr(value, "tolist") and not isinstance(value, np.ndarray):
        value = value.tolist()
    try:
        array = _array(value)
    except (TypeError, ValueError) as exc:
        raise ReferenceSolutionError(f"{item.id}: the reference gave something that is not a rectangular array of numbers: {exc}") from None
    if item.shape is not None and array.shape != tuple(item.shape):
        raise ReferenceSolutionError(f"{item.id}: the reference gave shape {_dims(array.shape)}, but the item declares {_dims(item.shape)}")
    if not np.all(np.isfinite(array)):
        raise ReferenceSolutionError(f"{item.id}: the reference gave non-finite entries (NaN or Inf)")
    return array


def parse(raw: Any, item: Item) -> np.ndarray:
    if isinstance(raw, (list, tuple)):
        nested = nested_from_raw(raw, limits=DEFAULT_LIMITS)
    elif isinstance(raw, str):
        nested = parse_matrix(raw, limits=DEFAULT_LIMITS)
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        nested = scalar_from_raw(raw)
    else:
        raise AnswerError(f"expected a {item.kind} as nested lists, got {'a mapping' if isinstance(raw, dict) else type(raw).__name__}")
    try:
        return _array(nested)
    except OverflowError:  # pragma: no cover - entries are bounded by the parser
        raise AnswerError("an entry is too large") from None


def _entry(value: float) -> str:
    return answer_text(float(value))


def _nested_text(array: np.ndarray) -> str:
    if array.ndim == 0:
        return _entry(array.item())
    return "[" + ", ".join(_nested_text(sub) for sub in array) + "]"


def show(value: Any, item: Item) -> str:
    array = value if isinstance(value, np.ndarray) else _array(value)
    if array.size <= _SHOW_ALL and array.ndim <= 2:
        return _nested_text(array)
    flat = array.reshape(-1)
    first = ", ".join(_entry(v) for v in flat[:_SHOW_FIRST])
    more = ", …" if array.size > _SHOW_FIRST else ""
    return f"{_dims(array.shape)} {item.kind}: [{first}{more}] (first entries in row-major order)"


def _index(flat_index: int, shape: tuple[int, ...]) -> str:
    return "[" + ",".join(str(int(i)) for i in np.unravel_index(flat_index, shape)) + "]" if shape else "[]"


def shape_feedback(got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    """Why a shape is wrong, with the index-order hint (the grader and the self-check both say it)."""
    hint = ""
    if sorted(got) == sorted(expected):
        hint = " (the same sizes in another order: check which index comes first)"
    elif math.prod(got) == math.prod(expected):
        hint = " (the same number of entries, nested differently)"
    return f"expected shape {_dims(expected)}, got {_dims(got)}{hint}"


def compare(parsed: np.ndarray, expected: np.ndarray, item: Item) -> Verdict:
    got = show(parsed, item)
    if parsed.shape != expected.shape:
        return Verdict.wrong(got, shape_feedback(parsed.shape, expected.shape))
    rel, abs_ = item.tolerance
    ok = np.abs(parsed - expected) <= np.maximum(rel * np.abs(expected), abs_)
    if ok.all():
        return Verdict.correct(got)
    wrong = np.flatnonzero(~ok.reshape(-1))
    flat_got, flat_key = parsed.reshape(-1), expected.reshape(-1)
    parts = []
    for k in wrong[:_LIST_WRONG]:
        where = _index(int(k), expected.shape)
        if item.show_expected:
            parts.append(f"at {where}: expected {_entry(flat_key[k])}, got {_entry(flat_got[k])}")
        else:
            parts.append(f"at {where}: got {_entry(flat_got[k])}")
    count = f"{len(wrong)} of {expected.size} entries differ" if expected.size > 1 else "the entry differs"
    first = "; first " if len(wrong) > 1 else "; "
    more = "; …" if len(wrong) > _LIST_WRONG else ""
    return Verdict.wrong(got, count + first + "; ".join(parts) + more)


def format_problems(parsed: np.ndarray, item: Item) -> list[str]:
    """What the self-check may say without the key: the declared shape is public."""
    if item.shape is not None and parsed.shape != tuple(item.shape):
        return [shape_feedback(parsed.shape, tuple(item.shape))]
    return []


format_notes = no_format_remarks  # public facts say nothing more about this kind's answers
