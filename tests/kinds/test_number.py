"""Kind `number`: tolerance, ranges, percentages (with and without allow_fraction)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import torch

from grader.errors import AnswerError, ReferenceSolutionError
from grader.kinds import number, option_problems
from grader.kinds.base import Range
from grader.model import Status
from tests.kinds.conftest import make_item

STD = make_item("number")  # default tolerance: 1% relative
STD_KEY = math.sqrt(2 / 192)
PCT = make_item("number", percent=True, abs_tol=0.1)
PCT_KEY = 100 * (1 - 12443648 / 120422400)  # 89.667
FRAC = make_item("number", percent=True, allow_fraction=True, abs_tol=0.1)
BOUND = make_item("number", rel_tol=1e-3)
BOUND_KEY = 0.9**100

CASES = [
    # item, key, raw, status, read as
    (STD, STD_KEY, "sqrt(2/192)", Status.CORRECT, "sqrt(2/192) = 0.102062"),
    (STD, STD_KEY, "√(2/192)", Status.CORRECT, "sqrt(2/192) = 0.102062"),
    (STD, STD_KEY, "\\sqrt{\\frac{2}{192}}", Status.CORRECT, "sqrt(2/192) = 0.102062"),
    (STD, STD_KEY, "\\sqrt{2/192}", Status.CORRECT, "sqrt(2/192) = 0.102062"),
    (STD, STD_KEY, "0.102", Status.CORRECT, "0.102"),
    (STD, STD_KEY, 0.102, Status.CORRECT, "0.102"),
    (STD, STD_KEY, "0.1021", Status.CORRECT, "0.1021"),
    (STD, STD_KEY, "1.02e-1", Status.CORRECT, "1.02e-1"),
    (STD, STD_KEY, "۰٫۱۰۲", Status.CORRECT, "0.102"),
    (STD, STD_KEY, "10.2%", Status.CORRECT, "10.2%"),
    (STD, STD_KEY, "0.1", Status.WRONG, "0.1"),
    (STD, STD_KEY, "2/192", Status.WRONG, "2/192 = 0.0104167"),
    (STD, STD_KEY, "-0.102", Status.WRONG, "-0.102"),
    (BOUND, BOUND_KEY, "0.9^100", Status.CORRECT, "0.9^100 = 2.65614e-05"),
    (BOUND, BOUND_KEY, "(0.9)**100", Status.CORRECT, "0.9^100 = 2.65614e-05"),
    (BOUND, BOUND_KEY, "2.656e-5", Status.CORRECT, "2.656e-5"),
    (BOUND, BOUND_KEY, "2.66e-5", Status.WRONG, "2.66e-5"),
    (BOUND, BOUND_KEY, "1.4^100", Status.WRONG, "1.4^100 = 4.10019e+14"),
    (PCT, PCT_KEY, "89.7%", Status.CORRECT, "89.7%"),
    (PCT, PCT_KEY, "89.7 ٪", Status.CORRECT, "89.7%"),
    (PCT, PCT_KEY, "89.7 percent", Status.CORRECT, "89.7%"),
    (PCT, PCT_KEY, "۸۹٫۷٪", Status.CORRECT, "89.7%"),
    (PCT, PCT_KEY, "89.7", Status.CORRECT, "89.7%"),
    (PCT, PCT_KEY, 89.7, Status.CORRECT, "89.7%"),
    (PCT, PCT_KEY, "100*(1 - 12443648/120422400)", Status.CORRECT, "100·(1 - 12443648/120422400) = 89.6667%"),
    (PCT, PCT_KEY, "0.897", Status.WRONG, "0.897%"),
    (PCT, PCT_KEY, "90%", Status.WRONG, "90%"),
    (FRAC, PCT_KEY, "0.897", Status.CORRECT, "0.897 = 89.7%"),
    (FRAC, PCT_KEY, "89.7%", Status.CORRECT, "89.7%"),
    (FRAC, PCT_KEY, "89.7", Status.CORRECT, "89.7%"),
    (FRAC, PCT_KEY, "1 - 12443648/120422400", Status.CORRECT, "1 - 12443648/120422400 = 89.6667%"),
    (FRAC, PCT_KEY, "0.9", Status.WRONG, "0.9 = 90%"),
]


@pytest.mark.parametrize(("item", "key", "raw", "status", "read_as"), CASES)
def test_forms(item, key, raw, status, read_as):
    parsed = number.parse(raw, item)
    assert number.show(parsed, item) == read_as
    assert number.compare(parsed, number.prepare(key, item), item).status is status


def test_feedback_and_hints():
    verdict = number.compare(number.parse("0.897", PCT), PCT_KEY, PCT)
    assert verdict.feedback.startswith("expected 89.6667% (±0.1), got 0.897%")
    assert "write 89.7%" in verdict.feedback
    verdict = number.compare(number.parse("0.1", STD), STD_KEY, STD)
    assert verdict.feedback == "expected 0.102062 (1% relative), got 0.1"
    hidden = make_item("number", show_expected=False)
    assert "0.102" not in number.compare(number.parse("0.1", hidden), STD_KEY, hidden).feedback
    verdict = number.compare(number.parse("25%", make_item("number")), 25.0, make_item("number"))
    assert "without '%'" in verdict.feedback


def test_ranges():
    rule = number.prepare(Range(89.75, 90.5), PCT)
    assert number.compare(number.parse("90%", PCT), rule, PCT).status is Status.CORRECT
    assert number.compare(number.parse("0.9", FRAC), rule, FRAC).status is Status.CORRECT
    verdict = number.compare(number.parse("89.7%", PCT), rule, PCT)
    assert verdict.status is Status.WRONG and "between 89.75% and 90.5%" in verdict.feedback
    assert number.show(rule, PCT) == "between 89.75% and 90.5%"


@pytest.mark.parametrize(
    ("raw", "fragment", "start", "end"),
    [
        ("1,5", "'1,5' is not a number: a comma must separate groups of three digits (1,500) and the decimal point is '.': did you mean 1.5?", 0, 3),
        ("0,102", "is not a number", 0, 5),
        ("NaN", "not a finite number", 0, 3),
        ("inf", "not a finite number", 0, 3),
        ("1e999", "number size", 0, 5),
        ("0.1 0.2", "missing operator", 4, 7),
        ("sqrt(-2)", "no real value", 0, 8),
        ("1/0", "division by zero", 2, 3),
        ("≈ 0.102", "without '≈'", 0, 1),
        ("x = 0.102", "without '='", 2, 3),
    ],
)
def test_invalid_with_position(raw, fragment, start, end):
    with pytest.raises(AnswerError) as info:
        number.parse(raw, STD)
    assert fragment in info.value.message
    assert (info.value.start, info.value.end) == (start, end)


@pytest.mark.parametrize("raw", [True, False, None, [0.1], {"v": 1}, float("nan"), float("-inf")])
def test_invalid_yaml_values(raw):
    with pytest.raises(AnswerError):
        number.parse(raw, STD)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.5, 0.5), (3, Fraction(3)), (Fraction(1, 3), Fraction(1, 3)), (np.float32(0.25), 0.25), (np.float64(0.25), 0.25), (np.int64(4), Fraction(4)), (torch.tensor(0.25, dtype=torch.float64), 0.25), (np.array([0.5]), 0.5)],
)
def test_prepare(value, expected):
    assert number.prepare(value, STD) == expected


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "0.5", True, np.array([1.0, 2.0]), None])
def test_prepare_rejects(value):
    with pytest.raises(ReferenceSolutionError):
        number.prepare(value, STD)


def test_show_expected():
    assert number.show(STD_KEY, STD) == "0.102062"
    assert number.show(PCT_KEY, PCT) == "89.6667%"
    assert number.show(Fraction(1, 8), STD) == "0.125"


def test_check_spec():
    assert number.check_spec(PCT) == []
    assert number.check_spec(make_item("number", allow_fraction=True)) == ["allow_fraction: only applies to percent items (set percent: true)"]
    assert option_problems(make_item("number", variables=["W"], shape=[2])) == [
        "variables: a number item does not take variables (only expression, expressions items do)",
        "shape: a number item does not take shape (only matrix, tensor items do)",
    ]
