"""An exact integer: `51200`, `51,200`, `51 200`, `۵۱٬۲۰۰`, `5.12e4`, `16*16*200`.

Arithmetic is allowed and evaluated exactly. A value that is not a whole number (`51200.5`,
`1/3`) is *read* and marked wrong with "expected an integer, got 51200.5" rather than rejected
as unreadable: the student wrote a number, just not the right kind. A `%` sign is unreadable
here. Comparison is exact; rubric `range: [lo, hi]` rules accept any value inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from grader.errors import AnswerError, ReferenceSolutionError
from grader.kinds.base import KindTraits, Range, exact, no_format_remarks
from grader.kinds.number import expected_number, number_text, read_number
from grader.model import Verdict

if TYPE_CHECKING:
    from grader.rubric import Item

TRAITS = KindTraits(ranges=True)
tolerance = exact


@dataclass(frozen=True)
class IntegerAnswer:
    value: int | Fraction | float  # an int when the answer is a whole number
    written: str
    literal: bool

    @property
    def is_integer(self) -> bool:
        return isinstance(self.value, int)


def example(item: Item) -> str:
    """How to write an answer, for the template and the sheet."""
    return "an integer, e.g. 12345 (or 12,345, or arithmetic such as 3*5*823)"


def check_spec(item: Item) -> list[str]:
    return []  # integers are exact and take no options (TRAITS.takes); ranges are rules


def prepare(value: Any, item: Item) -> int | Range:
    if isinstance(value, Range):
        return value
    number = expected_number(value, item)
    if isinstance(number, float):
        if not number.is_integer():
            raise ReferenceSolutionError(f"{item.id}: expected an integer from the reference, got {number!r}")
        return int(number)
    if number.denominator != 1:
        raise ReferenceSolutionError(f"{item.id}: expected an integer from the reference, got {number}")
    return number.numerator


def parse(raw: Any, item: Item) -> IntegerAnswer:
    value, written, literal, sign = read_number(raw, percent=False, what="an integer")
    if sign:
        text = raw if isinstance(raw, str) else written
        raise AnswerError("expected a whole number, not a percentage", text=text, start=max(0, len(text.rstrip()) - 1), end=len(text.rstrip()))
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return IntegerAnswer(value.numerator, written, literal)
        return IntegerAnswer(value, written, literal)
    if value.is_integer() and abs(value) < 2**53:
        return IntegerAnswer(int(value), written, literal)
    return IntegerAnswer(value, written, literal)


def show(value: Any, item: Item) -> str:
    if isinstance(value, IntegerAnswer):
        if value.literal:
            if not value.is_integer:
                return number_text(value.value)
            # 5.12e4 is echoed with its value; a plain 51200 (or 51,200) as the number
            return value.written if value.written == str(value.value) else f"{value.written} = {value.value}"
        sign = "=" if value.is_integer or isinstance(value.value, Fraction) else "≈"
        return f"{value.written} {sign} {number_text(value.value)}"
    if isinstance(value, Range):
        return f"between {number_text(Fraction(value.low))} and {number_text(Fraction(value.high))}"
    return number_text(value)


def compare(parsed: IntegerAnswer, expected: int | Range, item: Item) -> Verdict:
    got = show(parsed, item)
    if not parsed.is_integer:
        return Verdict.wrong(got, f"expected an integer, got {number_text(parsed.value)}")
    if isinstance(expected, Range):
        if parsed.value in expected:
            return Verdict.correct(got)
        if item.show_expected:
            return Verdict.wrong(got, f"expected an integer {show(expected, item)}, got {parsed.value}")
        return Verdict.wrong(got, f"{parsed.value} is outside the accepted range")
    if parsed.value == expected:
        return Verdict.correct(got)
    if item.show_expected:
        return Verdict.wrong(got, f"expected {expected}, got {parsed.value}")
    return Verdict.wrong(got, f"{parsed.value} is not the expected integer")


format_problems = no_format_remarks
format_notes = no_format_remarks  # public facts say nothing more about this kind's answers
