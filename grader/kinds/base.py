"""What every answer kind shares: the `Kind` names, the module protocol and the expected-value
wrappers. The rubric imports `Kind` from here, never the other way round (no import loop).

Each kind is a module with:

- ``example(item) -> str``: how to write an answer, shown in the answer template and the sheet;
- ``TRAITS``: what the rubric may say about the kind (`KindTraits`: graded by a TA, ranges,
  literal keys, formula keys); the rubric asks the kind, never assumes;
- ``tolerance(item) -> (rel, abs)``: how close a number must be (`number_tolerance`, the default,
  or the kind's own);
- ``check_spec(item) -> list[str]``: rubric problems with this kind's options (author errors);
- ``prepare(value, item) -> expected``: turn a reference function's output into what ``compare``
  takes; raises ``ReferenceSolutionError`` when the reference returned something unusable;
- ``parse(raw, item) -> parsed``: read a student's answer (YAML scalar, list or string); raises
  ``AnswerError`` with a position when it cannot;
- ``show(value, item) -> str``: the canonical text of a parsed answer or of an expected value
  (the "read as" echo and the key shown in reports);
- ``format_problems(parsed, item)`` / ``format_notes(parsed, item)``: what is wrong (or worth
  saying) about an answer from public facts alone (a declared shape or length), for the
  self-check and a keyless run; `no_format_remarks` where a kind has none;
- ``compare(parsed, expected, item) -> Verdict``: CORRECT or WRONG, with feedback that says
  what differed. Credit for alternatives and mistakes is grading's job (grading/item.py), not the kind's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Protocol

from grader.model import Verdict

if TYPE_CHECKING:
    from grader.rubric import Item


class Kind(str, Enum):
    """A rubric item's `kind:`; `grader.kinds.get_kind` maps each to its module."""

    INTEGER = "integer"
    NUMBER = "number"
    EXPRESSION = "expression"
    EXPRESSIONS = "expressions"
    SHAPE = "shape"
    MATRIX = "matrix"
    TENSOR = "tensor"
    CHOICE = "choice"
    TEXT = "text"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class KindTraits:
    """What a rubric may say about items of a kind, declared by the kind itself."""

    manual: bool = False  # graded by a TA (free text): no key, scores come from the gradebook
    ranges: bool = False  # a rule may be a `range: [low, high]`
    literal_keys: bool = False  # a rule may be a `value:` (one of the item's options)
    formula_keys: bool = False  # a rule's `ref` is a formula of the item's variables
    takes: frozenset[str] = frozenset()  # the item options (ITEM_OPTIONS) this kind reads


# The rubric's per-kind item options, each with what counts as "given" (not its default).
ITEM_OPTIONS: dict[str, Callable[[Item], bool]] = {
    "variables": lambda item: bool(item.variables),
    "shape": lambda item: item.shape is not None,
    "length": lambda item: item.length is not None,
    "options": lambda item: bool(item.options),
    "rel_tol": lambda item: item.rel_tol is not None,
    "abs_tol": lambda item: item.abs_tol is not None,
    "percent": lambda item: item.percent,
    "allow_fraction": lambda item: item.allow_fraction,
}


class KindModule(Protocol):
    TRAITS: KindTraits

    def example(self, item: Item) -> str: ...

    def tolerance(self, item: Item) -> tuple[float, float]: ...

    def check_spec(self, item: Item) -> list[str]: ...

    def prepare(self, value: Any, item: Item) -> Any: ...

    def parse(self, raw: Any, item: Item) -> Any: ...

    def show(self, value: Any, item: Item) -> str: ...

    def compare(self, parsed: Any, expected: Any, item: Item) -> Verdict: ...

    def format_problems(self, parsed: Any, item: Item) -> list[str]: ...

    def format_notes(self, parsed: Any, item: Item) -> list[str]: ...


@dataclass(frozen=True)
class Range:
    """A closed interval a number rule accepts (e.g. "about 90%": 89.75..90.5)."""

    low: float
    high: float

    def __contains__(self, value: float | Fraction) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class Formula:
    """An expected formula: a trusted reference function of the item's variables.

    Called with exact numbers to test a student's formula at sample points, and with SymPy
    symbols to print the key. ``fixed`` holds rubric ``args`` that are not variables. ``secret``
    seeds the points where equality is decided (`KeyBook.secret`; grader/kinds/equivalence.py).
    """

    func: Callable[..., Any]
    variables: tuple[str, ...]
    parameters: tuple[str, ...]
    fixed: dict[str, Any] = field(default_factory=dict)
    secret: bytes = field(default=b"", repr=False, compare=False)
    # what is computed once per key (its text, degree, values at a set of points): kept on the key
    # itself, so it lives as long as the key and no global cache has to tell keys apart
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def __call__(self, values: dict[str, Any]) -> Any:
        kwargs = {name: values[name] for name in self.parameters if name in values}
        kwargs.update({k: v for k, v in self.fixed.items() if k in self.parameters})
        return self.func(**kwargs)

    def symbolic(self) -> Any:
        import sympy

        symbols = {name: sympy.Symbol(name, positive=True) for name in self.variables}
        return self(symbols)

    def text(self) -> str:
        """The key as people write it: variables in the rubric's declared order, not sorted by name."""
        import sympy

        # SymPy sorts factors by name; prefixing v00_, v01_, ... makes that the declared order.
        symbols = {name: sympy.Symbol(f"v{i:02d}_{name}", positive=True) for i, name in enumerate(self.variables)}
        result = self(symbols)
        if isinstance(result, (tuple, list)):
            return "[" + ", ".join(sympy_text(r) for r in result) + "]"
        return sympy_text(result)


_ORDER_PREFIX = re.compile(r"v\d\d_(\w+)")


def sympy_text(expr: Any) -> str:
    """Print a trusted SymPy expression in the same style as a student's canonical echo."""
    import sympy

    if isinstance(expr, str):  # never parse text: only numbers and SymPy objects are printed
        raise TypeError("sympy_text prints numbers and SymPy expressions, not text")
    if isinstance(expr, bool) or not isinstance(expr, (int, float, Fraction, sympy.Basic)):
        raise TypeError(f"cannot print {type(expr).__name__} as a formula")
    if not isinstance(expr, sympy.Basic):
        expr = sympy.Rational(expr.numerator, expr.denominator) if isinstance(expr, Fraction) else sympy.Number(expr)
    candidates = [expr]
    for transform in (sympy.factor, sympy.expand):
        try:
            candidates.append(transform(expr))
        except Exception:  # pragma: no cover - sympy quirks on odd input
            pass
    text = min((sympy.sstr(c) for c in candidates), key=len)
    return _ORDER_PREFIX.sub(r"\1", text).replace("**", "^").replace("*", "·")


def close(a: float | Fraction, b: float | Fraction, rel: float, abs_: float) -> bool:
    """|a-b| <= max(rel*|b|, abs) with exact arithmetic when both are exact."""
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        diff = abs(a - b)
        return diff <= max(Fraction(rel) * abs(b), Fraction(abs_)) if (rel or abs_) else diff == 0
    fa, fb = float(a), float(b)
    if not (math.isfinite(fa) and math.isfinite(fb)):
        return False
    if not rel and not abs_:
        return fa == fb
    return abs(fa - fb) <= max(rel * abs(fb), abs_)



def number_tolerance(item: Item) -> tuple[float, float]:
    """(relative, absolute): the rubric's `rel_tol`/`abs_tol`, else 1% relative (0 when only an
    absolute tolerance is given)."""
    rel = item.rel_tol if item.rel_tol is not None else (0.0 if item.abs_tol is not None else 0.01)
    return (rel, item.abs_tol or 0.0)


def exact(item: Item) -> tuple[float, float]:
    """No tolerance: equal or not."""
    return (0.0, 0.0)


def no_format_remarks(parsed: Any, item: Item) -> list[str]:
    """A kind's `format_problems`/`format_notes` when public facts say nothing about an answer."""
    return []
