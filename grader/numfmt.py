"""Numbers as the grader writes them: one function per purpose, used everywhere.

- `score_value`: a score in JSON (results, exports): rounded to 4 decimals, an int when whole.
- `score_text`: a score on screen, in a message or a CSV cell: the same rounding, shortest text.
- `statistic_text`: an analysis figure (integrity CSVs): small values keep their significant digits.
- `answer_text`: a number a student or the key gives (the "read as" echo): 6 significant digits.
- `given_text`: an instance value printed on an answer sheet: whole floats without `.0`.
"""

from __future__ import annotations

import math
from fractions import Fraction


def score_value(value: float) -> float | int:
    """A score for JSON: `2.5`, `10` (not `10.0`), 4 decimals at most."""
    rounded = round(float(value), 4)
    return int(rounded) if rounded == int(rounded) else rounded


def score_text(value: float | None, *, none: str = "") -> str:
    """A score as text: `2.5`, `10`, `0.3333`; `none` for no score."""
    return none if value is None else f"{round(value, 4):g}"


def statistic_text(value: float | None, digits: int = 4) -> str:
    """An analysis figure: `digits` decimals, but a tiny non-zero value keeps `digits` significant
    digits (a p-value of 2e-05 is not 0); empty for none."""
    if value is None:
        return ""
    return f"{value:.{digits}g}" if value and abs(value) < 1e-3 else f"{round(value, digits):g}"


def answer_text(value: float | Fraction | int) -> str:
    """Short, stable text for an answer's number: integers plainly, others to 6 significant digits."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        value = float(value)
    if isinstance(value, int):
        return str(value)
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def given_text(value: object) -> str:
    """A value as given to a student (instance numbers): a whole float without `.0`."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
