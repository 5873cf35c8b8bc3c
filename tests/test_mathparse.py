"""grader.mathparse: tokenizer, parser, evaluator, printer, limits, and property tests."""

from __future__ import annotations

import re
import threading
import time
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from grader.errors import AnswerError, LimitExceeded
from grader.mathparse import (
    DEFAULT_LIMITS,
    DivisionByZero,
    DomainError,
    Limits,
    Neg,
    Num,
    Pow,
    Product,
    Sum,
    Var,
    evaluate,
    nested_from_raw,
    parse_expression,
    parse_list,
    parse_matrix,
    parse_number,
    parse_shape,
    shape_of,
    to_sympy,
    to_text,
)
from grader.timeout import TimeBoundUnavailable, run_time_bounded
from tests.bounds import cpu_bounded

V = ["W", "H", "I", "J", "K"]
ENV = {"W": Fraction(2), "H": Fraction(3), "I": Fraction(5), "J": Fraction(7), "K": Fraction(11)}
ROOT = Path(__file__).resolve().parents[1]


# -- parsing: canonical text ------------------------------------------------------------------

CANONICAL = [
    ("W^2*H^2*I*J", "W^2·H^2·I·J"),
    ("W**2 H**2 I J", "W^2·H^2·I·J"),
    ("(W H)^2 I J", "(W·H)^2·I·J"),
    ("WHK^2IJ", "W·H·K^2·I·J"),
    ("$W^{2}H^{2}IJ$", "W^2·H^2·I·J"),
    ("$$W^{2}H^{2}IJ$$", "W^2·H^2·I·J"),
    ("\\(W^2 H\\)", "W^2·H"),
    ("W²H²IJ", "W^2·H^2·I·J"),
    ("W³", "W^3"),
    ("W⁻¹", "W^(-1)"),
    ("2W", "2·W"),
    ("W H", "W·H"),
    ("2(3)", "2·3"),
    ("2^3^2", "2^3^2"),
    ("(2^3)^2", "(2^3)^2"),
    ("-2^2", "-2^2"),
    ("(-2)^2", "(-2)^2"),
    ("1/2W", "1/2·W"),
    ("1/(2W)", "1/(2·W)"),
    ("W-(H-I)", "W - (H - I)"),
    ("W+(H+I)", "W + H + I"),
    ("W*(H*I)", "W·H·I"),
    ("W/(H/I)", "W/(H/I)"),
    ("W - -H", "W - (-H)"),
    ("W*-H", "W·(-H)"),
    ("--W", "-(-W)"),
    ("W × H ⋅ I · J ∗ K", "W·H·I·J·K"),
    ("W − H – I", "W - H - I"),
    ("W \\cdot H \\times I", "W·H·I"),
    ("\\frac{W}{2}", "W/2"),
    ("\\dfrac{W+1}{H I}", "(W + 1)/(H·I)"),
    ("\\sqrt{W}", "sqrt(W)"),
    ("\\sqrt[3]{W}", "W^(1/3)"),
    ("∛W", "W^(1/3)"),
    ("√W", "sqrt(W)"),
    ("√2W", "sqrt(2)·W"),
    ("sqrt(W)^2", "sqrt(W)^2"),
    ("ln W^2", "ln(W^2)"),
    ("log(W)", "ln(W)"),
    ("exp(W)abs(H)", "exp(W)·abs(H)"),
    ("\\left( W + H \\right)^{2}", "(W + H)^2"),
    ("\\left[ W \\right]", "W"),
    ("{W}^{2}", "W^2"),
    ("W\\,H\\ I\\;J", "W·H·I·J"),
    ("2\\pi W", "2·π·W"),
    ("2πW", "2·π·W"),
    ("۲W", "2·W"),
    ("٣W", "3·W"),
    ("W\u200cH", "W·H"),  # ZWNJ
    ("\u200fW\u200e + H", "W + H"),  # RLM, LRM
    ("\u202bW\u202c+\u00a0H", "W + H"),  # bidi embedding, NBSP
    ("0.50W", "0.5·W"),
    ("1.2e3W", "1.2e3·W"),
    ("(W−K+1)(H−K+1)J", "(W - K + 1)·(H - K + 1)·J"),
]


@pytest.mark.parametrize(("text", "canonical"), CANONICAL)
def test_canonical_text(text, canonical):
    node = parse_expression(text, variables=V)
    assert to_text(node) == canonical
    assert parse_expression(canonical, variables=V) == node


def test_split_names_need_every_piece_declared():
    assert to_text(parse_expression("DF", variables=["D", "F", "M", "N"])) == "D·F"
    assert to_text(parse_expression("Cin K", variables=["Cin", "K"])) == "Cin·K"
    assert to_text(parse_expression("n_in k", variables=["n_in", "k"])) == "n_in·k"
    with pytest.raises(AnswerError, match=r"unknown name 'DQ'; the variables are D, F"):
        parse_expression("DQ", variables=["D", "F"])


def test_variables_are_case_sensitive():
    with pytest.raises(AnswerError, match="case-sensitive") as info:
        parse_expression("w h", variables=["W", "H"])
    assert (info.value.start, info.value.end) == (0, 1)


def test_structure():
    node = parse_expression("-2^2", variables=[])
    assert node == Neg(Pow(Num(Fraction(2)), Num(Fraction(2))))
    node = parse_expression("W H - 1", variables=V)
    assert node == Sum(((False, Product(((False, Var("W")), (False, Var("H"))))), (True, Num(Fraction(1)))))


# -- evaluation ---------------------------------------------------------------------------------

VALUES = [
    ("2^3^2", 512),
    ("-2^2", -4),
    ("(-2)^2", 4),
    ("1/2W", 1),
    ("W^2 H^2 I J", 4 * 9 * 5 * 7),
    ("WHK^2IJ", 2 * 3 * 121 * 5 * 7),
    ("sqrt(4/9)", Fraction(2, 3)),
    ("sqrt(W^2)", 2),
    ("(-8)^(1/3)", -2),
    ("27^(2/3)", 9),
    ("4^-1", Fraction(1, 4)),
    ("0^0", 1),
    ("abs(-W)", 2),
    ("ln(1)", 0),
    ("exp(0)", 1),
    ("0.9^100", Fraction(9, 10) ** 100),
    ("\\frac{2}{192}", Fraction(1, 96)),
    ("1,000,000 + 1", 1000001),
]


@pytest.mark.parametrize(("text", "value"), VALUES)
def test_exact_values(text, value):
    result = evaluate(parse_expression(text, variables=V), ENV)
    assert isinstance(result, Fraction)
    assert result == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("sqrt(2)", 2**0.5), ("pi", 3.141592653589793), ("2^0.5", 2**0.5), ("exp(1)", 2.718281828459045), ("ln(W)", 0.6931471805599453), ("1.0001^1000", 1.0001**1000)],
)
def test_float_values(text, value):
    result = evaluate(parse_expression(text, variables=V), ENV)
    assert isinstance(result, float) and result == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "error"),
    [("1/(W-2)", DivisionByZero), ("0^-1", DivisionByZero), ("sqrt(-1)", DomainError), ("ln(0)", DomainError), ("(-8)^(1/2)", DomainError), ("(-2)^0.5", DomainError)],
)
def test_evaluation_errors_are_typed(text, error):
    node = parse_expression(text, variables=V)
    with pytest.raises(error) as info:
        evaluate(node, ENV, text=text)
    assert isinstance(info.value, AnswerError) and info.value.start is not None


# -- errors point at the student's text -------------------------------------------------------------

ERRORS = [
    ("x + W", V, "unknown name 'x'; the variables are W, H, I, J, K", 0, 1),
    ("W + (H", V, "unbalanced '(': no matching ')'", 4, 5),
    ("W + H)", V, "unbalanced ')'", 5, 6),
    ("(W + H]", V, "is closed by", 6, 7),
    ("W +", V, "ends", 3, 4),  # just past the end: the caret goes there
    ("W 2", V, "missing operator", 2, 3),
    ("12 34", [], "missing operator", 3, 5),
    ("W = 2", V, "without '='", 2, 3),
    ("2 ± W", V, "two values", 2, 3),
    ("W ж H", V, "unexpected character 'ж'", 2, 3),
    ("\\alpha W", V, "unknown name '\\alpha'", 0, 6),
    ("\\frac W", V, "needs a denominator", 0, 5),
    ("sqrt", V, "needs a value", 0, 4),
    ("()", V, "empty brackets", 0, 1),
    ("", V, "empty answer", 0, 0),
    ("W ∞", V, "not a finite number", 2, 3),
    ("1,5 W", V, "a comma must separate groups of three digits", 0, 3),
]


@pytest.mark.parametrize(("text", "variables", "fragment", "start", "end"), ERRORS)
def test_errors_have_positions(text, variables, fragment, start, end):
    with pytest.raises(AnswerError) as info:
        parse_expression(text, variables=variables)
    assert fragment in info.value.message
    assert (info.value.start, info.value.end) == (start, end)
    assert info.value.text == text


def test_caret_line_points_at_the_span():
    with pytest.raises(AnswerError) as info:
        parse_expression("W^2 + Q", variables=V)
    assert info.value.describe().splitlines()[1:] == ["W^2 + Q", "      ^"]


def test_positions_survive_persian_digits_and_zero_width_marks():
    text = "\u200f۲W + ×"
    with pytest.raises(AnswerError) as info:
        parse_expression(text, variables=V)
    assert text[info.value.start] == "×"


# -- numbers -------------------------------------------------------------------------------------

NUMBERS = [
    ("73856", 73856, False),
    ("73,856", 73856, False),
    ("73 856", 73856, False),
    ("1 000 000", 1000000, False),
    ("۷۳۸۵۶", 73856, False),
    ("٧٣٨٥٦", 73856, False),
    ("۷۳٬۸۵۶", 73856, False),
    ("۳٫۵", Fraction(7, 2), False),
    ("7.3856e4", 73856, False),
    ("7.3856E+4", 73856, False),
    ("1.2×10^5", 120000, False),
    ("1.2 \\times 10^{5}", 120000, False),
    ("1.2*10**5", 120000, False),
    ("1.2x10^5", 120000, False),
    ("2/192", Fraction(1, 96), False),
    ("89.7%", Fraction(897, 1000), True),
    ("89.7 ٪", Fraction(897, 1000), True),
    ("89.7 percent", Fraction(897, 1000), True),
    ("89.7\\%", Fraction(897, 1000), True),
    ("-0.5", Fraction(-1, 2), False),
    (".5", Fraction(1, 2), False),
    ("1e-3", Fraction(1, 1000), False),
]


@pytest.mark.parametrize(("text", "value", "percent"), NUMBERS)
def test_numbers(text, value, percent):
    reading = parse_number(text)
    assert reading.value == value and isinstance(reading.value, Fraction)
    assert reading.percent is percent


def test_percent_units():
    assert parse_number("89.7%", percent=True).value == Fraction(897, 10)
    assert parse_number("89.7", percent=True).percent is False


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1,5", "'1,5' is not a number: a comma must separate groups of three digits (1,500) and the decimal point is '.': did you mean 1.5?"),
        ("1,5000", "is not a number"),
        ("0,500", "is not a number"),
        ("12,34,567", "is not a number"),
        ("NaN", "not a finite number"),
        ("Inf", "not a finite number"),
        ("-infinity", "not a finite number"),
        ("1e999", "number size"),
        ("1e99999999", "exponent size"),
        ("50%%", "very end"),
        ("%", "needs a number"),
        ("5 apples", "unexpected word 'apples'"),
        ("1.2.3", "two decimal points"),
        ("[1, 2]", "not a list"),
    ],
)
def test_number_errors(text, fragment):
    with pytest.raises(AnswerError) as info:
        parse_number(text)
    assert fragment in info.value.message


# -- limits: fast, clean, named ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["9^9^9^9", "10^10^10", "2^(2^100)", "2^2^2^2^2^2", "10^400", "(10^200)*(10^200)", "exp(1000)", "9^9^9^9^9^9^9^9^9"])
def test_huge_powers_are_rejected_in_milliseconds(text):
    with cpu_bounded(0.25, text), pytest.raises(LimitExceeded) as info:
        parse_number(text)
    assert re.match(r"(exponent size|number size)", info.value.message)


def test_deep_nesting_is_a_clean_error_fast():
    big = Limits(max_chars=10**6, max_matrix_chars=10**6)
    with cpu_bounded(3.0, "deep nesting"):
        _deep_nesting_errors(big)


def _deep_nesting_errors(big: Limits) -> None:
    for text in ["(" * 10_000 + "W" + ")" * 10_000, "-" * 10_000 + "W", "2^" * 5_000 + "2", "sqrt(" * 5000 + "W" + ")" * 5000]:
        with pytest.raises(LimitExceeded, match="nesting depth: more than 100"):
            parse_expression(text, variables=V, limits=big)
    with pytest.raises(LimitExceeded, match="nesting depth"):
        parse_matrix("[" * 10_000 + "]" * 10_000, limits=big)
    with pytest.raises(AnswerError, match="unbalanced"):
        parse_expression("(" * 10_000, variables=V, limits=big)


def test_text_length_and_node_count():
    with pytest.raises(LimitExceeded, match="text length"):
        parse_expression("W+" * 1500 + "W", variables=V)
    with pytest.raises(LimitExceeded, match="expression size: more than 2000"):
        parse_expression("W*H+" * 1000 + "W", variables=V, limits=Limits(max_chars=10**5))
    assert to_text(parse_expression("W+" * 10 + "W", variables=V, limits=Limits(max_nodes=50)))
    with pytest.raises(LimitExceeded, match="more than 5 parts"):
        parse_expression("W+" * 10 + "W", variables=V, limits=Limits(max_nodes=5))


def test_limits_are_overridable_and_frozen():
    tight = Limits(max_exponent=10)
    with pytest.raises(LimitExceeded, match="limit of ±10"):
        parse_number("2^11", limits=tight)
    assert parse_number("2^11").value == 2048
    with pytest.raises(AttributeError):
        DEFAULT_LIMITS.max_depth = 5  # type: ignore[misc]


def test_big_exact_powers_fall_back_to_floats():
    assert parse_number("0.9^1000").value == Fraction(9, 10) ** 1000  # 4,000 bits: exact
    value = parse_number("1.0001^1000").value
    assert isinstance(value, float) and value == pytest.approx(1.10516, rel=1e-5)


def test_huge_matrices_are_rejected_quickly():
    with cpu_bounded(3.0, "huge matrices"):
        _huge_matrix_errors()


def _huge_matrix_errors() -> None:
    with pytest.raises(LimitExceeded, match="element count"):
        nested_from_raw([0] * 10**7)
    with pytest.raises(LimitExceeded, match="element count"):
        nested_from_raw([[0] * 1000] * 1000)
    with pytest.raises(LimitExceeded, match="text length"):
        parse_matrix("[" + "0," * 200_000 + "0]")
    with pytest.raises(LimitExceeded, match="element count"):
        parse_matrix("[" + "0," * 1000 + "0]", limits=Limits(max_elements=100))


def test_time_bound():
    with pytest.raises(LimitExceeded, match="took longer than 0.05 s to check sleeping"):
        run_time_bounded(lambda: time.sleep(2), 0.05, "sleeping")
    assert run_time_bounded(lambda: 42, 1.0, "fast") == 42
    box: list[BaseException] = []

    def worker() -> None:
        try:
            run_time_bounded(lambda: 1, 1.0, "x")
        except BaseException as exc:  # noqa: BLE001
            box.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert isinstance(box[0], TimeBoundUnavailable)


# -- lists, shapes, matrices -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["[M-DF+D, N-DF+D]", "(M-DF+D, N-DF+D)", "(M-DF+D) x (N-DF+D)", "(M-DF+D) X (N-DF+D)", "(M-DF+D) × (N-DF+D)", "(M-DF+D) \\times (N-DF+D)", "M-DF+D by N-DF+D", "M-DF+D, N-DF+D", "{M-DF+D; N-DF+D}"],
)
def test_lists_of_expressions(text):
    nodes = parse_list(text, variables=["M", "N", "D", "F"])
    assert [to_text(n) for n in nodes] == ["M - D·F + D", "N - D·F + D"]


def test_x_is_a_variable_when_declared():
    assert [to_text(n) for n in parse_list("x y, y", variables=["x", "y"])] == ["x·y", "y"]
    assert [to_text(n) for n in parse_list("(a+1)x(b)", variables=["a", "b"])] == ["a + 1", "b"]


@pytest.mark.parametrize(
    ("text", "shape"),
    [("16x16", (16, 16)), ("16×16", (16, 16)), ("16 * 16", (16, 16)), ("[16, 16]", (16, 16)), ("(16,16)", (16, 16)), ("16 by 16", (16, 16)), ("256", (256,)), ("16 x 16 x 3", (16, 16, 3)), ("۱۶×۱۶", (16, 16)), ("2^4 x 2^4", (16, 16))],
)
def test_shapes(text, shape):
    assert parse_shape(text) == shape


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("[[1,0],[0,0]]", [[1, 0], [0, 0]]),
        ("[1 0 0; 0 0 0]", [[1, 0, 0], [0, 0, 0]]),
        ("[1 -1]", [1, -1]),
        ("[1 - 1]", [0]),
        ("[1, -1]", [1, -1]),
        ("\\begin{bmatrix} 1 & 0 \\\\ 0 & 0 \\end{bmatrix}", [[1, 0], [0, 0]]),
        ("$\\begin{pmatrix} \\frac{1}{2} & 0 \\\\ 0 & 1 \\\\ \\end{pmatrix}$", [[Fraction(1, 2), 0], [0, 1]]),
        ("array([[1., 0.], [0., 0.]])", [[1, 0], [0, 0]]),
        ("np.array([[1, 0], [0, 0]], dtype=np.float32)", [[1, 0], [0, 0]]),
        ("tensor([[1.0000e+00, 0.0000e+00],\n        [0.0000e+00, 2.5000e-01]], dtype=torch.float64)", [[1, 0], [0, Fraction(1, 4)]]),
        ("tensor([1., 2.], requires_grad=True)", [1, 2]),
        ("[[1. 0.]\n [0. 0.]]", [[1, 0], [0, 0]]),
        ("[1 2\n 3 4]", [[1, 2], [3, 4]]),
        ("[[۱, ۰٫۵], [1/4, -0.5]]", [[1, Fraction(1, 2)], [Fraction(1, 4), Fraction(-1, 2)]]),
        ("[[[1,2],[3,4]],[[5,6],[7,8]]]", [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]),
        ("[1, 2, 3,]", [1, 2, 3]),
    ],
)
def test_matrices(text, value):
    assert parse_matrix(text) == value


@pytest.mark.parametrize(
    ("text", "fragment", "start"),
    [
        ("[[1,2],[3]]", "ragged list: item 2 is a list of 1 but item 1 is a list of 2", 7),
        ("[1 2; 3]", "ragged matrix: row 2 has 1 entry but row 1 has 2", 6),
        ("[[1,2],[3,4]", "unbalanced '['", 0),
        ("[1, , 2]", "empty entry", 4),
        ("array([1., ..., 2.])", "summarised", 11),
        ("[nan, 1]", "not a finite number", 1),
        ("\\begin{bmatrix} 1 & 2 \\\\ 3 \\end{bmatrix}", "ragged matrix", 25),
    ],
)
def test_matrix_errors(text, fragment, start):
    with pytest.raises(AnswerError) as info:
        parse_matrix(text)
    assert fragment in info.value.message
    assert info.value.start == start


def test_raw_lists():
    assert nested_from_raw([[1, "1/2"], [0.25, "۳"]]) == [[1, Fraction(1, 2)], [Fraction(1, 4), 3]]
    assert shape_of(nested_from_raw([[[0] * 4] * 5] * 5)) == (5, 5, 4)
    with pytest.raises(AnswerError, match=r"ragged list: \[1\] is a list of 1 but \[0\] is a list of 2"):
        nested_from_raw([[1, 2], [3]])
    with pytest.raises(AnswerError, match=r"\[0\]\[1\]"):
        nested_from_raw([[1, "x"]])
    with pytest.raises(AnswerError, match="finite"):
        nested_from_raw([float("nan")])
    with pytest.raises(AnswerError, match="got true"):
        nested_from_raw([True])


# -- SymPy only on our tree ---------------------------------------------------------------------


def test_to_sympy_builds_the_same_expression():
    import sympy

    W, H = sympy.symbols("W H", positive=True)
    expr = to_sympy(parse_expression("(W H)^2 + sqrt(4) - 1/2 W + pi", variables=V))
    assert sympy.simplify(expr - ((W * H) ** 2 + 2 - W / 2 + sympy.pi)) == 0
    with pytest.raises(LimitExceeded):
        to_sympy(parse_expression("W^(2^100)", variables=V))
    with pytest.raises(LimitExceeded):
        to_sympy(parse_expression("2^(2^100) W", variables=V))


def test_no_eval_on_student_text():
    pattern = re.compile(r"(?<!re\.)\b(eval|exec|compile|sympify|parse_expr|lambdify|literal_eval)\s*\(")
    mine = list((ROOT / "grader" / "mathparse").glob("*.py")) + [
        ROOT / "grader" / "kinds" / f"{name}.py" for name in ("integer", "number", "expression", "expressions", "shape", "matrix")
    ]
    for path in mine:
        assert not pattern.search(path.read_text(encoding="utf-8")), path


def test_sympy_is_not_imported_at_import_time():
    import subprocess
    import sys

    code = "import sys, grader.mathparse, grader.kinds.expression, grader.kinds.number; print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


# -- property tests ------------------------------------------------------------------------------

MATHY = list("0123456789.,;+-*/^()[]{} WHIJKxe%√²³π\\$&_|=") + ["۱", "٫", "٬", "−", "×", "·", "\u200c", "\n", "frac", "sqrt", "begin{bmatrix}", "end{bmatrix}", "\\\\", "e5", "pi", "ln", "**", "by"]
any_text = st.one_of(st.text(max_size=40), st.lists(st.sampled_from(MATHY), max_size=30).map("".join))
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _only_answer_errors(fn, text):
    try:
        fn(text)
    except AnswerError:
        pass


@FUZZ
@given(any_text)
def test_fuzz_expression(text):
    try:
        node = parse_expression(text, variables=V)
    except AnswerError:
        return
    _only_answer_errors(lambda _: evaluate(node, ENV), None)
    assert parse_expression(to_text(node), variables=V) == node


@FUZZ
@given(any_text)
def test_fuzz_number(text):
    _only_answer_errors(lambda t: parse_number(t, percent=True), text)


@FUZZ
@given(any_text)
def test_fuzz_lists_and_shapes(text):
    _only_answer_errors(lambda t: parse_list(t, variables=["W", "H"]), text)
    _only_answer_errors(parse_shape, text)


@FUZZ
@given(any_text)
def test_fuzz_matrix(text):
    _only_answer_errors(parse_matrix, text)


atoms = st.one_of(st.sampled_from(["W", "H", "IJ", "π", "0.5", "1e3", "۲", "7"]), st.integers(0, 500).map(str))


def _combine(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^", "**", "·", "×", " ", "−"]), children).map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
        children.map(lambda c: f"({c})"),
        children.map(lambda c: f"-{c}"),
        children.map(lambda c: f"sqrt({c})"),
        children.map(lambda c: f"\\frac{{{c}}}{{2}}"),
        children.map(lambda c: f"{{{c}}}^{{2}}"),
        children.map(lambda c: f"({c})²"),
    )


formulas = st.recursive(atoms, _combine, max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(formulas)
def test_canonical_text_round_trips(text):
    try:
        node = parse_expression(text, variables=V)
    except AnswerError:
        assume(False)
        return
    canonical = to_text(node)
    again = parse_expression(canonical, variables=V)
    assert again == node
    assert to_text(again) == canonical
    try:
        first = evaluate(node, ENV)
    except AnswerError as exc:
        with pytest.raises(type(exc)):
            evaluate(again, ENV)
    else:
        assert evaluate(again, ENV) == first


@settings(max_examples=200, deadline=None)
@given(st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=10**4))
def test_number_text_round_trips(value):
    from grader.kinds.number import number_text

    text = number_text(value)
    reading = parse_number(text)
    assert reading.value == pytest.approx(float(value), rel=1e-5, abs=1e-9)
