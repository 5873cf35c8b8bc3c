"""Kind `integer`: exact comparison, arithmetic allowed, non-integers read and marked wrong."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from grader.errors import AnswerError, ReferenceSolutionError
from grader.kinds import integer, option_problems
from grader.kinds.base import Range
from grader.model import Status
from tests.kinds.conftest import make_item

ITEM = make_item("integer")
KEY = 73856

CASES = [
    # raw, status, read as
    ("73856", Status.CORRECT, "73856"),
    (73856, Status.CORRECT, "73856"),
    (73856.0, Status.CORRECT, "73856"),
    ("73,856", Status.CORRECT, "73856"),
    ("73 856", Status.CORRECT, "73856"),
    ("۷۳۸۵۶", Status.CORRECT, "73856"),
    ("۷۳٬۸۵۶", Status.CORRECT, "73856"),
    ("٧٣٨٥٦", Status.CORRECT, "73856"),
    ("7.3856e4", Status.CORRECT, "7.3856e4 = 73856"),
    ("7.3856E+4", Status.CORRECT, "7.3856e4 = 73856"),
    ("(3*3*64+1)*128", Status.CORRECT, "(3·3·64 + 1)·128 = 73856"),
    ("3×3×64×128 + 128", Status.CORRECT, "3·3·64·128 + 128 = 73856"),
    ("  73856  ", Status.CORRECT, "73856"),
    ("$73{,}856$", None, None),  # LaTeX {,} is not a thousands separator here: invalid
    ("73728", Status.WRONG, "73728"),
    ("73856.5", Status.WRONG, "73856.5"),
    ("147712/2", Status.CORRECT, "147712/2 = 73856"),
    ("147713/2", Status.WRONG, "147713/2 = 73856.5"),
    ("sqrt(73856^2)", Status.CORRECT, "sqrt(73856^2) = 73856"),
    ("sqrt(2)", Status.WRONG, "sqrt(2) ≈ 1.41421"),
    ("-73856", Status.WRONG, "-73856"),
]


@pytest.mark.parametrize(("raw", "status", "read_as"), CASES)
def test_forms(raw, status, read_as):
    expected = integer.prepare(KEY, ITEM)
    if status is None:
        with pytest.raises(AnswerError):
            integer.parse(raw, ITEM)
        return
    parsed = integer.parse(raw, ITEM)
    verdict = integer.compare(parsed, expected, ITEM)
    assert verdict.status is status
    assert integer.show(parsed, ITEM) == read_as


def test_feedback():
    expected = integer.prepare(KEY, ITEM)
    assert integer.compare(integer.parse("73728", ITEM), expected, ITEM).feedback == "expected 73856, got 73728"
    assert integer.compare(integer.parse("73856.5", ITEM), expected, ITEM).feedback == "expected an integer, got 73856.5"
    hidden = make_item("integer", show_expected=False)
    assert "73856" not in integer.compare(integer.parse("73728", hidden), expected, hidden).feedback


@pytest.mark.parametrize(
    ("raw", "fragment", "start", "end"),
    [
        ("1,5", "a comma must separate groups of three digits", 0, 3),
        ("73,8560", "is not a number", 0, 7),
        ("73856 params", "unexpected word 'params'", 6, 12),
        ("50%", "not a percentage", 2, 3),
        ("1e999", "number size", 0, 5),
        ("9^9^9^9", "exponent size", 4, 7),
        ("(73856", "unbalanced '('", 0, 1),
    ],
)
def test_invalid_with_position(raw, fragment, start, end):
    with pytest.raises(AnswerError) as info:
        integer.parse(raw, ITEM)
    assert fragment in info.value.message
    assert (info.value.start, info.value.end) == (start, end)


@pytest.mark.parametrize("raw", [True, None, [1, 2], {"a": 1}, float("nan"), float("inf")])
def test_invalid_yaml_values(raw):
    with pytest.raises(AnswerError):
        integer.parse(raw, ITEM)


def test_range_rules():
    rule = Range(100, 110)
    assert integer.compare(integer.parse("104", ITEM), rule, ITEM).status is Status.CORRECT
    verdict = integer.compare(integer.parse("111", ITEM), rule, ITEM)
    assert verdict.status is Status.WRONG and "between 100 and 110" in verdict.feedback
    assert integer.show(rule, ITEM) == "between 100 and 110"


@pytest.mark.parametrize("value", [73856, np.int64(73856), 73856.0, Fraction(73856), np.array(73856)])
def test_prepare(value):
    assert integer.prepare(value, ITEM) == 73856


@pytest.mark.parametrize("value", [73856.5, Fraction(1, 2), "73856", True, [1]])
def test_prepare_rejects(value):
    with pytest.raises(ReferenceSolutionError):
        integer.prepare(value, ITEM)


def test_check_spec():
    assert integer.check_spec(ITEM) == []
    problems = option_problems(make_item("integer", percent=True, rel_tol=0.1, variables=["W"]))
    assert any(p.startswith("percent:") for p in problems)
    assert any(p.startswith("rel_tol") for p in problems)
    assert any(p.startswith("variables:") for p in problems)
