"""Kind `expressions`: an ordered list of formulas, compared position by position."""

from __future__ import annotations

import pytest

from grader.errors import AnswerError, ReferenceSolutionError
from grader.kinds import expressions
from grader.kinds.base import Formula
from grader.model import Status
from tests.kinds.conftest import make_item

VARS = ["M", "N", "F", "D"]
ITEM = make_item("expressions", id="q5.a.output_size", variables=VARS, length=2)
KEY = Formula(lambda M, N, F, D: (M - ((F - 1) * D + 1) + 1, N - ((F - 1) * D + 1) + 1), tuple(VARS), ("M", "N", "F", "D"))
SWAPPED = Formula(lambda M, N, F, D: (N - (F - 1) * D, M - (F - 1) * D), tuple(VARS), ("M", "N", "F", "D"))
READ = "[M - D·F + D, N - D·F + D]"

CASES = [
    ("[M-DF+D, N-DF+D]", Status.CORRECT, READ),
    ("(M-DF+D, N-DF+D)", Status.CORRECT, READ),
    ("(M-DF+D) x (N-DF+D)", Status.CORRECT, READ),
    ("(M-DF+D) X (N-DF+D)", Status.CORRECT, READ),
    ("(M-DF+D) × (N-DF+D)", Status.CORRECT, READ),
    ("(M-DF+D) \\times (N-DF+D)", Status.CORRECT, READ),
    ("M-DF+D by N-DF+D", Status.CORRECT, READ),
    ("M-DF+D, N-DF+D", Status.CORRECT, READ),
    (["M-DF+D", "N-DF+D"], Status.CORRECT, READ),
    (["M − D·F + D", "N − D·F + D"], Status.CORRECT, READ),
    ("[M - D(F-1), N - D(F-1)]", Status.CORRECT, "[M - D·(F - 1), N - D·(F - 1)]"),
    ("$[M - D(F-1),\\ N - D(F-1)]$", Status.CORRECT, "[M - D·(F - 1), N - D·(F - 1)]"),
    ("[(M-DF+D), (N-DF+D)]", Status.CORRECT, READ),
    ("[N-DF+D, M-DF+D]", Status.WRONG, "[N - D·F + D, M - D·F + D]"),
    ("[M-DF+D, N-DF]", Status.WRONG, "[M - D·F + D, N - D·F]"),
    ("M-DF+D", Status.WRONG, "[M - D·F + D]"),
    ("[M-DF+D, N-DF+D, 1]", Status.WRONG, "[M - D·F + D, N - D·F + D, 1]"),
]


@pytest.mark.parametrize(("raw", "status", "read_as"), CASES)
def test_forms(raw, status, read_as):
    expected = expressions.prepare(KEY, ITEM)
    parsed = expressions.parse(raw, ITEM)
    assert expressions.show(parsed, ITEM) == read_as
    assert expressions.compare(parsed, expected, ITEM).status is status


def test_feedback_names_the_position():
    verdict = expressions.compare(expressions.parse("[M-DF+D, N-DF]", ITEM), KEY, ITEM)
    assert verdict.feedback.startswith("the 2nd expression: differs from the key, e.g. at M=")
    assert "1st" not in verdict.feedback
    verdict = expressions.compare(expressions.parse("M-DF+D", ITEM), KEY, ITEM)
    assert verdict.feedback == "expected 2 expressions, got 1"


def test_swapped_alternative():
    parsed = expressions.parse("[N-DF+D, M-DF+D]", ITEM)
    assert expressions.compare(parsed, SWAPPED, ITEM).status is Status.CORRECT


def test_x_is_multiplication_when_declared():
    item = make_item("expressions", id="q.xy", variables=["x", "y"])
    key = Formula(lambda x, y: (x * y, y), ("x", "y"), ("x", "y"))
    assert expressions.compare(expressions.parse("[x y, y]", item), key, item).status is Status.CORRECT
    assert expressions.compare(expressions.parse("x·y × y", item), key, item).status is Status.CORRECT


@pytest.mark.parametrize(
    ("raw", "fragment", "start"),
    [
        ("[M-DF+D, Q]", "unknown name 'Q'; the variables are M, N, F, D", 9),
        ("[M-DF+D, , N]", "empty item", 9),
        ("[M-DF+D, N-DF+D", "unbalanced '['", 0),
        ("M-DF+D x", "nothing after 'x'", 7),
        ("[M^(2^100), N]", "exponent size", 4),
    ],
)
def test_invalid_with_position(raw, fragment, start):
    with pytest.raises(AnswerError) as info:
        expressions.parse(raw, ITEM)
    assert fragment in info.value.message
    assert info.value.start == start


def test_invalid_yaml_lists_name_the_item():
    with pytest.raises(AnswerError, match=r"^item 2: unknown name 'Q'"):
        expressions.parse(["M", "Q"], ITEM)
    with pytest.raises(AnswerError, match="empty list"):
        expressions.parse([], ITEM)
    with pytest.raises(AnswerError, match="list length"):
        expressions.parse(["M"] * 1000, ITEM)


def test_prepare_and_show():
    assert expressions.prepare(KEY, ITEM) is KEY
    assert expressions.show(KEY, ITEM).startswith("[")
    with pytest.raises(ReferenceSolutionError, match="gives 3 expressions but the item has length 2"):
        expressions.prepare(Formula(lambda M: (M, M, M), tuple(VARS), ("M",)), make_item("expressions", id="q.len", variables=VARS, length=2))
    with pytest.raises(ReferenceSolutionError, match="gives one value"):
        expressions.prepare(Formula(lambda M: M, tuple(VARS), ("M",)), make_item("expressions", id="q.one", variables=VARS))
    with pytest.raises(ReferenceSolutionError):
        expressions.prepare(42, ITEM)


def test_check_spec():
    assert expressions.check_spec(ITEM) == []
    assert expressions.check_spec(make_item("expressions", variables=["M"], length=0)) == ["length: expected a positive number of expressions, got 0"]
    assert "variables: an expressions item needs its variables, e.g. variables: [W, H]" in expressions.check_spec(make_item("expressions"))
