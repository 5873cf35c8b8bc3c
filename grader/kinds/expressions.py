"""An ordered list of formulas, e.g. an output size `[M - D·F + D, N - D·F + D]`.

Accepted: a YAML list (of strings/numbers), or text `[a, b]`, `(a, b)`, `a x b`, `a × b`,
`a by b` (x/X/by separate only when they are not declared variables; `*` and `·` multiply).
The key is a `Formula` that returns a tuple/list; each position is compared like an
`expression` item. A wrong count is a *wrong* answer ("expected 2 expressions, got 1"), not an
unreadable one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grader.errors import AnswerError, LimitExceeded, ReferenceSolutionError
from grader.kinds.base import Formula, KindTraits, exact, no_format_remarks
from grader.kinds.equivalence import key_degree
from grader.kinds.expression import (
    UNDEFINED,
    ExpressionAnswer,
    answer_of,
    check_variables,
    decide,
    formula_text,
    key_value,
    normalize,
    parse_one,
    points_for,
    secret_points_for,
)
from grader.mathparse import DEFAULT_LIMITS, parse_list
from grader.model import Verdict

if TYPE_CHECKING:
    from grader.rubric import Item

TRAITS = KindTraits(formula_keys=True, takes=frozenset({"variables", "length"}))
tolerance = exact


@dataclass(frozen=True)
class ExpressionList:
    items: tuple[ExpressionAnswer, ...]

    @property
    def text(self) -> str:
        return "[" + ", ".join(item.text for item in self.items) + "]"


def example(item: Item) -> str:
    """How to write an answer, for the template and the sheet."""
    v = item.variables or ["x", "y"]
    return f"a list of {item.length or 'several'} formulas in {', '.join(item.variables)}, e.g. [{v[0]} + 1, {v[-1]} - 1]"


def check_spec(item: Item) -> list[str]:
    problems = check_variables(item)
    if item.length is not None and item.length < 1:
        problems.append(f"length: expected a positive number of expressions, got {item.length}")
    return problems


def _key_length(formula: Any, item: Item) -> int | None:
    points = points_for(item)
    for index in range(len(points.ints)):
        value = key_value(formula, points, index, item)
        if value is UNDEFINED:
            continue
        if not isinstance(value, tuple):
            raise ReferenceSolutionError(f"{item.id}: the key formula gives one value; an expressions item needs a list or tuple")
        return len(value)
    return None


def prepare(value: Any, item: Item) -> Any:
    if isinstance(value, Formula):
        length = _key_length(value, item)
        if length is not None and item.length is not None and length != item.length:
            raise ReferenceSolutionError(f"{item.id}: the key formula gives {length} expressions but the item has length {item.length}")
        return value
    if isinstance(value, (list, tuple)):
        return tuple(normalize(v) for v in value)  # constant keys
    raise ReferenceSolutionError(f"{item.id}: expected a formula returning a list (formula=True), got {type(value).__name__}")


def parse(raw: Any, item: Item) -> ExpressionList:
    if isinstance(raw, (list, tuple)):
        if len(raw) > DEFAULT_LIMITS.max_list_items:
            raise LimitExceeded(f"list length: {len(raw)} items; the limit is {DEFAULT_LIMITS.max_list_items}")
        items = []
        for index, element in enumerate(raw, 1):
            try:
                items.append(parse_one(element, item))
            except AnswerError as exc:
                exc.message = f"item {index}: {exc.message}"
                exc.args = (exc.message,)
                raise
        if not items:
            raise AnswerError("empty list")
        return ExpressionList(tuple(items))
    if isinstance(raw, str):
        return ExpressionList(tuple(answer_of(node, raw) for node in parse_list(raw, variables=item.variables)))
    return ExpressionList((parse_one(raw, item),))


def show(value: Any, item: Item) -> str:
    if isinstance(value, ExpressionList):
        return value.text
    if isinstance(value, tuple):
        return "[" + ", ".join(formula_text(v) for v in value) + "]"
    return formula_text(value)


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def compare(parsed: ExpressionList, expected: Any, item: Item) -> Verdict:
    points = points_for(item)
    got = parsed.text
    if isinstance(expected, tuple):
        length = len(expected)
    else:
        length = _key_length(expected, item) or item.length or len(parsed.items)
    if len(parsed.items) != length:
        return Verdict.wrong(got, f"expected {length} expression{'s' if length != 1 else ''}, got {len(parsed.items)}")
    problems = []
    notes = []
    cacheable = True
    secret = secret_points_for(item, expected)
    degrees = key_degree(expected)
    for position, answer in enumerate(parsed.items):

        def key_at(at: Any, index: int, position: int = position) -> Any:
            value = key_value(expected, at, index, item) if not isinstance(expected, tuple) else expected
            return value if value is UNDEFINED or not isinstance(value, tuple) else value[position]

        def key_symbolic(position: int = position) -> Any:
            from grader.kinds.expression import symbolic_key

            if isinstance(expected, tuple):
                return symbolic_key(expected[position])
            return expected.symbolic()[position]

        ok, feedback, decided = decide(
            answer,
            key_at,
            key_symbolic,
            points,
            item,
            label=f"the {_ordinal(position + 1)} expression",
            secret=secret,
            key_degree=degrees[position] if isinstance(degrees, tuple) and position < len(degrees) else None,
        )
        cacheable = cacheable and decided
        if not ok:
            problems.append(feedback)
        elif feedback:
            notes.append(feedback)
    if problems:
        return Verdict.wrong(got, "; ".join(problems), cacheable=cacheable)
    return Verdict.correct(got, "; ".join(notes), cacheable=cacheable)


def format_problems(parsed: ExpressionList, item: Item) -> list[str]:
    """What the self-check may say without the key: how many formulas the item takes."""
    if item.length is not None and len(parsed.items) != item.length:
        return [f"expected {item.length} expression{'s' if item.length != 1 else ''}, got {len(parsed.items)}"]
    return []


format_notes = no_format_remarks  # public facts say nothing more about this kind's answers
