"""Sound formula equivalence: "equal" only at secret points, as many as the Schwartz–Zippel bound
needs; a formula built to agree with the key at the kit's public points earns nothing."""

from __future__ import annotations

import inspect
import math
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.grading.item import grade_item
from grader.kinds import equivalence, expression
from grader.kinds.base import Formula
from grader.kinds.expression import points_for, secret_points_for
from grader.mathparse import parse_expression
from grader.model import Status
from grader.rubric import Kind, SelfCheck
from grader.student.kit import answer_digest, key_digest

FORMULA_ITEMS = ["q1.a.fc_units", "q1.a.conv_units", "q1.a.fc_weights", "q1.a.conv_weights", "q1.a.fc_connections", "q1.a.conv_connections", "q5.c.receptive_field_side", "q5.c.receptive_field_pixels"]


def _vanishing(item, key_text: str, variable: str, count: int, scale: int = 1) -> str:
    """key + scale·(V−a₁)(V−a₂)…: equal to the key wherever V is one of the public points' values."""
    values = sorted({env[variable] for env in points_for(item).ints[:count]})
    return f"{key_text} + {scale}" + "".join(f"({variable}-{a})" for a in values)


KEY_TEXTS = {
    "q1.a.fc_units": "W H J", "q1.a.conv_units": "W H J", "q1.a.fc_weights": "W^2H^2IJ", "q1.a.conv_weights": "K^2IJ",
    "q1.a.fc_connections": "W^2H^2IJ", "q1.a.conv_connections": "W H J K^2 I", "q5.c.receptive_field_side": "3d(w-1)+3",
    "q5.c.receptive_field_pixels": "(3d(w-1)+3)^2",
}


@pytest.mark.parametrize("item_id", FORMULA_ITEMS)
def test_a_formula_that_vanishes_at_every_public_point_is_wrong_in_grade(hw4, hw4_keys, item_id):
    item = hw4.item(item_id)
    key_text = KEY_TEXTS[item_id]
    assert grade_item(item, key_text, keys=hw4_keys, student_id=None).verdict.status is Status.CORRECT
    forged = _vanishing(item, key_text, item.variables[0], len(points_for(item).ints))
    parsed = expression.parse(forged, item)
    # the attack is real: at every public point it has the key's value, so the kit's fingerprint matches
    public = points_for(item)
    key = hw4_keys.expected(item, 0)
    for index in range(len(public.ints)):
        assert expression.student_value(parsed, public, index) == expression.key_value(key, public, index, item)
    if item.self_check is SelfCheck.CORRECTNESS:
        assert answer_digest(item, parsed) == key_digest(item, key)
    verdict = grade_item(item, forged, keys=hw4_keys, student_id=None).verdict
    assert verdict.status is Status.WRONG and verdict.credit == 0
    assert "differs from the key, e.g. at " in verdict.feedback


def test_the_vanishing_answer_is_wrong_in_a_graded_file(hw4, tmp_path):
    from grader.grading.batch import grade_batch

    item = hw4.item("q1.a.conv_units")
    forged = _vanishing(item, "W H J", "W", 26)
    (tmp_path / "HW4_T_401100100.yaml").write_text(f'student_id: "401100100"\nanswers:\n  q1.a.conv_units: "{forged}"\n  q1.a.fc_units: "W H J"\n', encoding="utf-8")
    result = grade_batch(tmp_path, rubric=hw4).results[0]
    by_id = {r.item_id: r for r in result.items}
    assert by_id["q1.a.conv_units"].verdict.status is Status.WRONG and by_id["q1.a.conv_units"].points == 0
    assert by_id["q1.a.fc_units"].verdict.status is Status.CORRECT


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    item_id=st.sampled_from(FORMULA_ITEMS),
    count=st.integers(min_value=1, max_value=26),
    scale=st.integers(min_value=1, max_value=10**6) | st.integers(min_value=-(10**6), max_value=-1),
    var_index=st.integers(min_value=0, max_value=4),
    divide=st.booleans(),
)
def test_formulas_that_agree_with_the_key_on_public_points_are_wrong(hw4, hw4_keys, item_id, count, scale, var_index, divide):
    """Property: key + c·Π(V − a) over the V-values of any number of public points (as a product,
    or divided by a polynomial with no positive root) agrees with the key there and is wrong."""
    item = hw4.item(item_id)
    variable = item.variables[var_index % len(item.variables)]
    forged = _vanishing(item, KEY_TEXTS[item_id], variable, count, scale)
    if divide:
        forged = f"{forged}/({variable}^2+1)"
    parsed = expression.parse(forged, item)
    public = points_for(item)
    key = hw4_keys.expected(item, 0)
    values = {env[variable] for env in public.ints[:count]}
    for index, env in enumerate(public.ints):
        if env[variable] in values:
            assert expression.student_value(parsed, public, index) == expression.key_value(key, public, index, item)
    assert grade_item(item, forged, keys=hw4_keys, student_id=None).verdict.status is Status.WRONG


def test_the_list_kind_decides_at_secret_points_too(hw4, hw4_keys):
    item = hw4.item("q5.a.output_size")
    assert item.kind is Kind.EXPRESSIONS
    first = _vanishing(item, "M - D F + D", "M", 26)
    assert grade_item(item, "[M - DF + D, N - DF + D]", keys=hw4_keys, student_id=None).verdict.status is Status.CORRECT
    verdict = grade_item(item, f"[{first}, N - DF + D]", keys=hw4_keys, student_id=None).verdict
    assert verdict.status is Status.WRONG and "1st expression" in verdict.feedback


def test_secret_points_are_deterministic_keyed_by_the_secret_and_not_public(hw4, hw4_keys):
    from grader.keys.keybook import KeyBook

    item = hw4.item("q1.a.fc_weights")
    key = hw4_keys.expected(item, 0)
    again = KeyBook(hw4).expected(item, 0)
    assert key.secret == again.secret and len(key.secret) == 32
    assert secret_points_for(item, key).ints == secret_points_for(item, again).ints
    other = Formula(key.func, key.variables, key.parameters, key.fixed, secret=b"another rubric")
    assert secret_points_for(item, other).ints != secret_points_for(item, key).ints
    public = {tuple(env.values()) for env in points_for(item).ints}
    secret = secret_points_for(item, key).ints
    assert not public & {tuple(env.values()) for env in secret}
    assert all(equivalence.LOW <= v <= equivalence.HIGH for env in secret for v in env.values())


def test_the_secret_changes_with_the_reference_code(hw4, monkeypatch):
    import grader.keys.keybook
    from grader.keys.keybook import KeyBook

    before = KeyBook(hw4).secret
    monkeypatch.setattr(grader.keys.keybook, "reference_fingerprint", lambda rubric: "edited reference")
    assert KeyBook(hw4).secret != before


DEGREES = [
    ("W", (1, 0)), ("3", (0, 0)), ("W H J", (3, 0)), ("W^2 H^2 I J", (6, 0)), ("(W+1)^3", (3, 0)),
    ("W/H", (1, 1)), ("1/W + 1/H", (1, 2)), ("W^-2", (0, 2)), ("(W-K+1)(H-K+1)J", (3, 0)),
    ("sqrt(4) W", (1, 0)), ("2^10 W", (1, 0)), ("sqrt(W)", None), ("2^W", None), ("abs(W-K)", None),
    ("W^(1/2)", None), ("ln(W)", None), ("((W+1)-W)^1000", (1000, 0)),
]


@pytest.mark.parametrize(("text", "degree"), DEGREES)
def test_tree_degree_bounds_the_rational_function(text, degree):
    assert equivalence.tree_degree(parse_expression(text, variables=["W", "H", "I", "J", "K"])) == degree


def _formula(func):
    params = tuple(inspect.signature(func).parameters)
    return Formula(func, params, params)


@pytest.mark.parametrize(
    ("func", "degree"),
    [
        (lambda W, H, J: W * H * J, (3, 0)),
        (lambda W, K: (W - K + 1) ** 2, (2, 0)),
        (lambda W, H: W / H + 1, (1, 1)),
        (lambda M, N: (M - 1, N * N), ((1, 0), (2, 0))),
        (lambda n: 2**n, None),
        (lambda W: W * 0.5, None),
        (lambda W: W if W > 3 else 1, None),
    ],
)
def test_key_degree_runs_the_reference_on_probes(func, degree):
    assert equivalence.key_degree(_formula(func)) == degree


@pytest.mark.parametrize(("degree", "needed"), [(1, 2), (6, 2), (12, 2), (1000, 2), (10**4, 3), (10**5, 3), (10**7, 5), (10**9, None), (None, equivalence.NONRATIONAL_POINTS)])
def test_points_needed_meets_the_bound(degree, needed):
    assert equivalence.points_needed(degree) == needed
    if needed is not None and degree is not None:
        assert equivalence.failure_probability(degree, needed) <= equivalence.FAILURE_BOUND < equivalence.failure_probability(degree, needed - 1)
        assert math.comb(needed + equivalence.SPARE, needed) * (degree / 2**32) ** needed <= 1e-10


def test_a_correct_answer_needs_only_the_bound_s_points(hw4, hw4_keys):
    item = hw4.item("q1.a.fc_weights")
    parsed = expression.parse("(W H)^2 I J", item)
    assert expression.compare(parsed, hw4_keys.expected(item, 0), item).status is Status.CORRECT
    assert sorted(parsed.values) == [-2, -1]  # two secret points, no public one


def test_only_exact_agreement_counts_for_a_rational_formula(monkeypatch):
    """A float agreement (a value too large to keep exactly) does not count towards "equal"."""
    from tests.kinds.conftest import make_item

    item = make_item("expression", id="q.float", variables=["W"])
    key = _formula(lambda W: W)
    parsed = expression.parse("W", item)
    secret = secret_points_for(item, key)
    outcome = expression.check_secret_points(parsed, lambda points, index: float(expression.key_value(key, points, index, item)), secret, (1, 0))
    assert outcome.status == "undecided"
    assert expression.check_secret_points(parsed, lambda points, index: expression.key_value(key, points, index, item), secret, (1, 0)).status == "equal"
    assert Fraction(1) == 1
