"""Kind `expression`: equivalence at seeded random points, SymPy only as a bounded fallback."""

from __future__ import annotations

import threading

import pytest

from grader.errors import AnswerError, ReferenceSolutionError
from grader.kinds import expression
from grader.kinds.base import Formula
from grader.mathparse import Limits
from grader.model import Status
from tests.bounds import cpu_bounded
from tests.kinds.conftest import make_item

VARS = ["W", "H", "I", "J", "K"]
ITEM = make_item("expression", id="q1.a.fc_weights", variables=VARS)


def formula(func, variables=VARS):
    import inspect

    return Formula(func, tuple(variables), tuple(inspect.signature(func).parameters))


FC = formula(lambda W, H, I, J: (W * H * I) * (W * H * J))  # noqa: E741
CONV = formula(lambda W, H, I, J, K: (W * H * J) * (K * K * I))  # noqa: E741
VALID = formula(lambda W, H, I, J, K: ((W - K + 1) * (H - K + 1) * J) * (K * K * I))  # noqa: E741

CASES = [
    # key, raw, status, read as
    (FC, "W^2*H^2*I*J", Status.CORRECT, "W^2·H^2·I·J"),
    (FC, "W**2 H**2 I J", Status.CORRECT, "W^2·H^2·I·J"),
    (FC, "(W H)^2 I J", Status.CORRECT, "(W·H)^2·I·J"),
    (FC, "(WHI)(WHJ)", Status.CORRECT, "W·H·I·W·H·J"),
    (FC, "W²H²IJ", Status.CORRECT, "W^2·H^2·I·J"),
    (FC, "$W^{2}H^{2}IJ$", Status.CORRECT, "W^2·H^2·I·J"),
    (FC, "$$W^{2} \\cdot H^{2} \\cdot I \\cdot J$$", Status.CORRECT, "W^2·H^2·I·J"),
    (FC, "\\(W^2 H^2 I J\\)", Status.CORRECT, "W^2·H^2·I·J"),
    (FC, "W^2 × H^2 × I × J", Status.CORRECT, "W^2·H^2·I·J"),
    (FC, "W^2⋅H^2⋅I⋅J", Status.CORRECT, "W^2·H^2·I·J"),
    (FC, "W^2∗H^2∗I∗J", Status.CORRECT, "W^2·H^2·I·J"),
    (FC, "\\frac{W^2 H^2 I J^2}{J}", Status.CORRECT, "W^2·H^2·I·J^2/J"),
    (FC, "sqrt(W^4 H^4 I^2 J^2)", Status.CORRECT, "sqrt(W^4·H^4·I^2·J^2)"),
    (FC, "W^2H^2IJ + 0K", Status.CORRECT, "W^2·H^2·I·J + 0·K"),
    (FC, "W^2 H^2 I J\u200c", Status.CORRECT, "W^2·H^2·I·J"),
    (FC, "WHIJ", Status.WRONG, "W·H·I·J"),
    (FC, "W^2H^2I^2", Status.WRONG, "W^2·H^2·I^2"),
    (FC, "W^2H^2IJ + 1", Status.WRONG, "W^2·H^2·I·J + 1"),
    (FC, "W^2H^2IJ(1 + 10^-12)", Status.WRONG, "W^2·H^2·I·J·(1 + 10^(-12))"),
    (CONV, "WHK^2IJ", Status.CORRECT, "W·H·K^2·I·J"),
    (CONV, "W H K² I J", Status.CORRECT, "W·H·K^2·I·J"),
    (CONV, "K^2 I J W H", Status.CORRECT, "K^2·I·J·W·H"),
    (CONV, "WHK^2I", Status.WRONG, "W·H·K^2·I"),
    (VALID, "(W−K+1)(H−K+1)K²IJ", Status.CORRECT, "(W - K + 1)·(H - K + 1)·K^2·I·J"),
    (VALID, "(W–K+1)(H–K+1)K^2 I J", Status.CORRECT, "(W - K + 1)·(H - K + 1)·K^2·I·J"),
    (VALID, "(W-K+1)*(H-K+1)*J*K*K*I", Status.CORRECT, "(W - K + 1)·(H - K + 1)·J·K·K·I"),
    (VALID, "(W-K)(H-K)K^2IJ", Status.WRONG, "(W - K)·(H - K)·K^2·I·J"),
    (VALID, "\\left(W-K+1\\right)\\left(H-K+1\\right)K^{2}IJ", Status.CORRECT, "(W - K + 1)·(H - K + 1)·K^2·I·J"),
]


@pytest.mark.parametrize(("key", "raw", "status", "read_as"), CASES)
def test_forms(key, raw, status, read_as):
    expected = expression.prepare(key, ITEM)
    parsed = expression.parse(raw, ITEM)
    assert expression.show(parsed, ITEM) == read_as
    assert expression.compare(parsed, expected, ITEM).status is status


def test_other_variables_and_constants():
    item = make_item("expression", id="q5.c.side", variables=["w", "d"])
    key = formula(lambda w, d: 3 * d * (w - 1) + 3, ["w", "d"])
    for raw, status in [("3d(w-1)+3", Status.CORRECT), ("3dw - 3d + 3", Status.CORRECT), ("3(d(w-1)+1)", Status.CORRECT), ("d(w-2)+d(w-1)+dw+3", Status.CORRECT), ("d(w-2)+d(w-1)+dw+2", Status.WRONG)]:
        assert expression.compare(expression.parse(raw, item), key, item).status is status, raw
    circle = make_item("expression", id="c", variables=["r"])
    area = formula(lambda r: r * r * 3.141592653589793, ["r"])
    assert expression.compare(expression.parse("πr²", circle), area, circle).status is Status.CORRECT
    assert expression.compare(expression.parse("\\pi r^2", circle), area, circle).status is Status.CORRECT
    assert expression.compare(expression.parse("3.14 r^2", circle), area, circle).status is Status.WRONG


def test_wrong_feedback_names_a_point():
    verdict = expression.compare(expression.parse("WHIJ", ITEM), FC, ITEM)
    assert verdict.feedback.startswith("differs from the key, e.g. at W=")
    assert "your formula gives" in verdict.feedback and "but the key gives" in verdict.feedback
    hidden = make_item("expression", id="q1.a.fc_weights", variables=VARS, show_expected=False)
    assert "the key gives" not in expression.compare(expression.parse("WHIJ", hidden), FC, hidden).feedback


def test_points_are_deterministic_and_cached():
    a = expression.points_for(ITEM)
    assert expression.points_for(ITEM) is a
    expression._POINTS.clear()
    b = expression.points_for(ITEM)
    assert a.ints == b.ints
    other = expression.points_for(make_item("expression", id="q9.z", variables=VARS))
    assert other.ints != a.ints
    for env in a.ints[:16]:
        assert len(set(env.values())) == len(VARS)
        assert all(7 <= v <= 10_000 for v in env.values())


def test_undefined_points_are_skipped():
    item = make_item("expression", id="q.undef", variables=["W"])
    key = formula(lambda W: W if W % 2 else 1 / (W - W), ["W"])  # undefined at even W
    assert expression.compare(expression.parse("W", item), key, item).status is Status.CORRECT
    assert expression.compare(expression.parse("W(W-W+1)/(W/W)", item), key, item).status is Status.CORRECT


def test_overflowing_points_fall_back_to_small_ones():
    item = make_item("expression", id="q.exp", variables=["n"])
    key = formula(lambda n: 2**n, ["n"])
    assert expression.compare(expression.parse("2^n", item), key, item).status is Status.CORRECT
    assert expression.compare(expression.parse("4^(n/2)", item), key, item).status is Status.CORRECT
    assert expression.compare(expression.parse("2^(n+1)", item), key, item).status is Status.WRONG


def test_symbolic_fallback(monkeypatch):
    monkeypatch.setattr(expression, "N_POINTS", 10**6)  # numbers can never decide
    monkeypatch.setattr(expression, "points_needed", lambda degree: None)  # nor can the secret points
    verdict = expression.compare(expression.parse("(W+H)^2 - H^2 - 2WH + W^2H^2IJ - W^2", ITEM), FC, ITEM)
    assert verdict.status is Status.CORRECT and "checked symbolically" in verdict.feedback
    verdict = expression.compare(expression.parse("W^2H^2IJ + 1", ITEM), FC, ITEM)
    assert verdict.status is Status.WRONG and "differs from the key, e.g." in verdict.feedback  # a point decides
    verdict = expression.compare(expression.parse("W^2H^2IJ + 1/(W-W)", ITEM), FC, ITEM)  # undefined everywhere
    assert verdict.status is Status.WRONG and "checked symbolically" in verdict.feedback
    assert verdict.cacheable  # decided: a re-grade decides the same


def test_symbolic_fallback_time_out_is_wrong_with_a_reason(monkeypatch):
    import sympy  # noqa: F401 - loaded before the tiny time bound

    monkeypatch.setattr(expression, "N_POINTS", 10**6)
    monkeypatch.setattr(expression, "points_needed", lambda degree: None)  # nor can the secret points
    monkeypatch.setattr(expression, "DEFAULT_LIMITS", Limits(time_limit=0.001))
    verdict = expression.compare(expression.parse("((W+H)^2 - W^2 - H^2)/(2H) W H^2 I J", ITEM), FC, ITEM)
    assert verdict.status is Status.WRONG
    assert "did not finish" in verdict.feedback and "a TA should review it" in verdict.feedback
    assert "took longer than 0.001 s to check it symbolically" in verdict.feedback
    assert not verdict.cacheable  # a faster machine might decide it


def test_symbolic_fallback_off_the_main_thread(monkeypatch):
    monkeypatch.setattr(expression, "N_POINTS", 10**6)
    monkeypatch.setattr(expression, "points_needed", lambda degree: None)  # nor can the secret points
    box = []
    thread = threading.Thread(target=lambda: box.append(expression.compare(expression.parse("W^2H^2IJ", ITEM), FC, ITEM)))
    thread.start()
    thread.join()
    assert box[0].status is Status.WRONG and "outside the main thread" in box[0].feedback
    assert not box[0].cacheable


@pytest.mark.parametrize(
    ("raw", "fragment", "start", "end"),
    [
        ("x^2", "unknown name 'x'; the variables are W, H, I, J, K", 0, 1),
        ("W^2 + Q", "unknown name 'Q'; the variables are W, H, I, J, K", 6, 7),
        ("WHQ", "unknown name 'WHQ'", 0, 3),
        ("w h", "case-sensitive", 0, 1),
        ("(W H", "unbalanced '(': no matching ')'", 0, 1),
        ("W H)", "unbalanced ')'", 3, 4),
        ("W^", "expected an exponent", 2, 3),
        ("W H = 3", "without '='", 4, 5),
        ("W 2", "missing operator", 2, 3),
        ("9^9^9^9 W", "exponent size", 4, 7),
        ("W^(2^100)", "exponent size", 3, 8),
        ("W/(2-2)", "division by zero", 3, 6),
        ("W sqrt(-1)", "no real value", 2, 10),
        ("1,5 W", "groups of three digits", 0, 3),
        ("W; H", "not a list or matrix", 1, 2),
    ],
)
def test_invalid_with_position(raw, fragment, start, end):
    with pytest.raises(AnswerError) as info:
        expression.parse(raw, ITEM)
    assert fragment in info.value.message
    assert (info.value.start, info.value.end) == (start, end)


def test_invalid_values():
    for raw in [True, [1, 2], {"a": 1}, float("nan")]:
        with pytest.raises(AnswerError):
            expression.parse(raw, ITEM)
    assert expression.show(expression.parse(42, ITEM), ITEM) == "42"


def test_huge_answers_do_not_hang():
    with cpu_bounded(10.0, "huge answers"):
        for raw in ["W^W^W^W", "2^(W^2)", "exp(exp(W))", "(W+1)^1000 - W", "W^1000 H^1000 I^1000"]:
            try:
                parsed = expression.parse(raw, ITEM)
            except AnswerError:
                continue
            assert expression.compare(parsed, FC, ITEM).status is Status.WRONG


def test_prepare_and_show_expected():
    assert expression.prepare(FC, ITEM) is FC
    assert expression.show(FC, ITEM) == "W^2·H^2·I·J"  # the rubric's variable order
    with pytest.raises(ReferenceSolutionError, match="gives 2 values"):
        expression.prepare(formula(lambda W: (W, W), ["W"]), ITEM)
    with pytest.raises(ReferenceSolutionError, match="failed"):
        expression.prepare(formula(lambda W: W.nonexistent, ["W"]), make_item("expression", id="q.bad", variables=["W"]))
    with pytest.raises(ReferenceSolutionError, match="not among the variables"):
        expression.prepare(formula(lambda Z: Z, ["Z"]), ITEM)
    with pytest.raises(ReferenceSolutionError):
        expression.prepare("W^2", ITEM)


def test_check_spec():
    assert expression.check_spec(ITEM) == []
    assert expression.check_spec(make_item("expression")) == ["variables: an expression item needs its variables, e.g. variables: [W, H]"]
    problems = expression.check_spec(make_item("expression", variables=["pi", "W", "W", "2x"]))
    assert "variables: 'pi' is a function or constant name" in problems
    assert "variables: 'W' is listed twice" in problems
    assert any("'2x' is not a name" in p for p in problems)
