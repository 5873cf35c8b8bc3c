"""A real number compared within a tolerance (`item.tolerance`), or inside a rubric `range`.

Accepted: any number form of `grader.mathparse.parse_number` (thousands separators, Persian
digits, `6.02e4`, `1.2×10^5`, `3/64`, `sqrt(3/64)`, `0.8^50`, ...).

Percent items (`percent: true`): the key is in percent units (42.5 for 42.5%). `42.5%`,
`42.5 ٪`, `42.5 percent` and a bare `42.5` all read as 42.5%. A bare number with |x| ≤ 1 such as
`0.425` reads as 42.5% only when the item has `allow_fraction: true`; otherwise it is 0.425%
(and the feedback points out the likely slip). On a non-percent item a `%` sign divides by 100.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Union

from grader.errors import AnswerError, LimitExceeded, ReferenceSolutionError
from grader.kinds.base import KindTraits, Range, close, no_format_remarks, number_tolerance
from grader.mathparse import DEFAULT_LIMITS, parse_number
from grader.model import Verdict
from grader.numfmt import answer_text

if TYPE_CHECKING:
    from grader.rubric import Item

TRAITS = KindTraits(ranges=True, takes=frozenset({"rel_tol", "abs_tol", "percent", "allow_fraction"}))
tolerance = number_tolerance

Real = Union[Fraction, float]  # noqa: UP007 - evaluated at import: the student kit runs on Python 3.9


@dataclass(frozen=True)
class NumberAnswer:
    value: Real  # in the item's units (percent units on a percent item)
    written: str  # canonical text of what the student wrote
    literal: bool  # a bare number, no arithmetic
    percent_sign: bool = False
    from_fraction: bool = False  # a bare fraction read as a percentage (allow_fraction)


# -- shared helpers (also used by the integer kind) ------------------------------------------


def number_text(value: Real | int) -> str:
    """Exact decimals when short (0.425, 51200, 0.0208333...→6 significant digits), else 6 digits."""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        den = value.denominator
        twos = fives = 0
        while den % 2 == 0:
            den //= 2
            twos += 1
        while den % 5 == 0:
            den //= 5
            fives += 1
        if den == 1 and max(twos, fives) <= 12:
            text = f"{value.numerator * 10 ** max(twos, fives) // value.denominator}"
            places = max(twos, fives)
            sign = "-" if text.startswith("-") else ""
            digits = text.lstrip("-").rjust(places + 1, "0")
            return f"{sign}{digits[:-places]}.{digits[-places:]}".rstrip("0").rstrip(".")
        return answer_text(value)
    return answer_text(value)


def describe_tolerance(item: Item) -> str:
    rel, abs_ = item.tolerance
    parts = []
    if rel:
        parts.append(f"{rel * 100:g}% relative")
    if abs_:
        parts.append(f"±{abs_:g}")
    return " or ".join(parts) if parts else "exactly"


def expected_number(value: Any, item: Item) -> Real:
    """A reference output as an exact Fraction (ints, Fractions) or a finite float."""
    original = value
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, (int, float)):
        size = value.numel() if callable(getattr(value, "numel", None)) else getattr(value, "size", 1)
        if size != 1:
            raise ReferenceSolutionError(f"{item.id}: expected one number from the reference, got an array of {size}")
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ReferenceSolutionError(f"{item.id}: expected a number from the reference, got {type(original).__name__} {original!r:.60}")
    if isinstance(value, numbers.Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    result = float(value)
    if not math.isfinite(result):
        raise ReferenceSolutionError(f"{item.id}: the reference gave a non-finite number {result}")
    return result


def read_number(raw: Any, *, percent: bool, what: str = "a number") -> tuple[Real, str, bool, bool]:
    """(value, canonical text, is a bare literal, has a % sign) of a YAML scalar or string."""
    if isinstance(raw, bool):
        raise AnswerError(f"expected {what}, got {str(raw).lower()}")
    if isinstance(raw, int):
        if raw.bit_length() > 1024:
            raise LimitExceeded(f"number size: {what} beyond ±1.8e308")
        return Fraction(raw), str(raw), True, False
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise AnswerError(f"expected a finite number, got {raw}")
        value = Fraction(repr(raw)) if abs(raw) < 1e300 else raw
        return value, number_text(value), True, False
    if isinstance(raw, str):
        reading = parse_number(raw, percent=percent, limits=DEFAULT_LIMITS)
        return reading.value, reading.text, reading.is_literal, reading.percent
    if isinstance(raw, (list, tuple, dict)):
        raise AnswerError(f"expected {what}, got a list" if not isinstance(raw, dict) else f"expected {what}, got a mapping")
    raise AnswerError(f"expected {what}, got a {type(raw).__name__}")


# -- the kind protocol ----------------------------------------------------------------------


def example(item: Item) -> str:
    """How to write an answer, for the template and the sheet."""
    return "a number, e.g. 0.125, 1/8, 1.25e-1" + (", or a percentage such as 12.5%" if item.percent else "")


def check_spec(item: Item) -> list[str]:
    problems = []
    if item.allow_fraction and not item.percent:
        problems.append("allow_fraction: only applies to percent items (set percent: true)")
    return problems


def prepare(value: Any, item: Item) -> Real | Range:
    if isinstance(value, Range):
        return value
    return expected_number(value, item)


def parse(raw: Any, item: Item) -> NumberAnswer:
    value, written, literal, sign = read_number(raw, percent=item.percent)
    if item.percent and not sign and item.allow_fraction and abs(value) <= 1:  # type: ignore[operator]  # abs of the union is typed object
        return NumberAnswer(value * 100, written, literal, False, True)
    return NumberAnswer(value, written, literal, sign)


def _unit(item: Item) -> str:
    return "%" if item.percent else ""


def show(value: Any, item: Item) -> str:
    unit = _unit(item)
    if isinstance(value, NumberAnswer):
        if value.from_fraction:
            return f"{value.written} = {number_text(value.value)}%"
        if value.literal and (value.percent_sign or not unit):
            return value.written
        if value.literal:
            return f"{value.written}{unit}"
        return f"{value.written} = {number_text(value.value)}{unit}"
    if isinstance(value, Range):
        return f"between {number_text(value.low)}{unit} and {number_text(value.high)}{unit}"
    return f"{number_text(value)}{unit}"


def percent_slip(parsed: NumberAnswer, item: Item) -> str | None:
    """A bare number on a percent item is in percent units (0.897 is read as 0.897%): the sentence
    that says so, for the report (when ×100 is the key) and the self-check (when |x| ≤ 1)."""
    if not item.percent or parsed.percent_sign or parsed.from_fraction:
        return None
    shown = parsed.written if parsed.literal else number_text(parsed.value)
    return f"{shown} was read as {shown}%: to give a fraction as a percentage write {number_text(parsed.value * 100)}%"


def format_notes(parsed: NumberAnswer, item: Item) -> list[str]:
    """What the self-check notes without the key: the percent slip, in the grader's words."""
    slip = percent_slip(parsed, item) if abs(float(parsed.value)) <= 1 else None
    return [slip] if slip else []


def compare(parsed: NumberAnswer, expected: Real | Range, item: Item) -> Verdict:
    got = show(parsed, item)
    if isinstance(expected, Range):
        if float(parsed.value) in expected:
            return Verdict.correct(got)
        if item.show_expected:
            return Verdict.wrong(got, f"expected a value {show(expected, item)}, got {number_text(parsed.value)}{_unit(item)}")
        return Verdict.wrong(got, f"{number_text(parsed.value)}{_unit(item)} is outside the accepted range")
    rel, abs_ = item.tolerance
    if close(parsed.value, expected, rel, abs_):
        return Verdict.correct(got)
    unit = _unit(item)
    if item.show_expected:
        feedback = f"expected {show(expected, item)} ({describe_tolerance(item)}), got {number_text(parsed.value)}{unit}"
    else:
        feedback = f"{number_text(parsed.value)}{unit} is not within the tolerance ({describe_tolerance(item)})"
    slip = percent_slip(parsed, item)
    if slip and close(parsed.value * 100, expected, rel, abs_):
        feedback += f"; {slip}"
    elif not item.percent and parsed.percent_sign and close(parsed.value * 100, expected, rel, abs_):
        feedback += f"; {parsed.written} was read as {number_text(parsed.value)}: write the number without '%'"
    return Verdict.wrong(got, feedback)


format_problems = no_format_remarks  # public facts say nothing more about this kind's answers
