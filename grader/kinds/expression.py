"""A formula in the item's declared variables, compared with the key by value.

Equivalence (grader/kinds/equivalence.py): "equal" is decided only at *secret* points, integers
in 1..2^32 drawn from the rubric's grading secret, which no student kit contains; with exact
rational arithmetic, as many agreements as the Schwartz–Zippel bound needs for a different
formula to pass with probability ≤ 10^-10 (2 for HW4's keys). The item's *public* points
(distinct integers 7..10,000 drawn from the item id; the kit's fingerprint uses them) serve
only to prove a formula wrong with a readable example. When floats are involved (√, π, exp)
values agree within 1e-9 relative, outside the bound. When too few secret points could decide,
SymPy runs, on our own tree converted node by node, `simplify(student - key) == 0` under a
time bound; if that cannot finish the answer is marked wrong and the feedback says why.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from grader.errors import AnswerError, LimitExceeded, ReferenceSolutionError, TimeLimitExceeded
from grader.kinds.base import Formula, KindTraits, exact, no_format_remarks
from grader.kinds.equivalence import SPARE, difference_degree, key_degree, points_needed, secret_point_values, tree_degree
from grader.kinds.number import number_text
from grader.mathparse import DEFAULT_LIMITS, Const, DivisionByZero, DomainError, Node, Num, Pow, Product, Var, evaluate, parse_expression, to_text
from grader.mathparse.evaluate import Evaluator
from grader.mathparse.nodes import children
from grader.mathparse.parser import RESERVED_NAMES
from grader.model import Verdict
from grader.timeout import TimeBoundUnavailable

if TYPE_CHECKING:
    from grader.rubric import Item

TRAITS = KindTraits(formula_keys=True, takes=frozenset({"variables"}))
tolerance = exact

N_POINTS = 6  # agreeing points needed
_WIDE = (7, 10_000)
_SMALL = (2, 40)
_N_WIDE = 16
_N_SMALL = 10
_REL = 1e-9
_ABS = 1e-12
_NAME = re.compile(r"[A-Za-z\u0391-\u03a9\u03b1-\u03c9]+(_[A-Za-z0-9]+)?")


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


UNDEFINED = _Marker("undefined")  # no real value at this point
TOO_BIG = _Marker("too big")  # beyond our size limits


class ExpressionAnswer:
    """A parsed formula and its canonical text; caches its values at the item's points (public
    points by index, secret ones by -1 - index) and its degree bounds."""

    __slots__ = ("node", "text", "values", "_degree")

    def __init__(self, node: Node) -> None:
        self.node = node
        self.text = to_text(node)
        self.values: dict[int, Any] = {}
        self._degree: Any = _UNSET

    @property
    def degree(self) -> Any:
        """(numerator, denominator) degree bounds as a rational function, or None."""
        if self._degree is _UNSET:
            self._degree = tree_degree(self.node)
        return self._degree

    def __repr__(self) -> str:
        return f"ExpressionAnswer({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExpressionAnswer) and other.node == self.node

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, eq=False)
class Points:
    variables: tuple[str, ...]
    ints: tuple[dict[str, int], ...]
    fractions: tuple[dict[str, Fraction], ...]
    secret: bool = False  # drawn from the grading secret (grader/kinds/equivalence.py)
    label: tuple[Any, ...] = ()  # which points these are (the item, its variables, public or secret): a key's memo is per label


_POINTS: dict[tuple[str, tuple[str, ...]], Points] = {}
_SECRET_POINTS: dict[tuple[bytes, str, tuple[str, ...], bool], Points] = {}
_UNSET = object()


def points_for(item: Item) -> Points:
    variables = tuple(item.variables)
    key = (item.id, variables)
    points = _POINTS.get(key)
    if points is None:
        seed = int.from_bytes(hashlib.sha256(f"{item.id}|{','.join(variables)}".encode()).digest()[:8], "big")
        rng = random.Random(seed)
        envs: list[dict[str, int]] = []
        for (low, high), count in ((_WIDE, _N_WIDE), (_SMALL, _N_SMALL)):
            if len(variables) > high - low + 1:
                continue
            for _ in range(count):
                envs.append(dict(zip(variables, rng.sample(range(low, high + 1), len(variables)))))  # noqa: B905 - the student kit runs on Python 3.9 (no strict=)
        points = Points(variables, tuple(envs), tuple({k: Fraction(v) for k, v in env.items()} for env in envs), label=("public", *key))
        if len(_POINTS) > 4096:
            _POINTS.clear()
        _POINTS[key] = points
    return points


def secret_points_for(item: Any, expected: Any) -> Points:
    """The item's secret points under the grading secret the key carries (`Formula.secret`, set by
    `KeyBook`; a constant key or a Formula built outside a KeyBook has the empty secret)."""
    secret = expected.secret if isinstance(expected, Formula) else b""
    variables = tuple(item.variables)
    degree = key_degree(expected)
    rational = degree is not None and (not isinstance(degree, tuple) or all(d is not None for d in degree))
    key = (secret, item.id, variables, rational)
    points = _SECRET_POINTS.get(key)
    if points is None:
        envs = secret_point_values(secret, item.id, variables, rational=rational)
        points = Points(variables, tuple(envs), tuple({k: Fraction(v) for k, v in env.items()} for env in envs), secret=True, label=("secret", *key))
        if len(_SECRET_POINTS) > 4096:
            _SECRET_POINTS.clear()
        _SECRET_POINTS[key] = points
    return points


def normalize(value: Any) -> Any:
    """A key's output as int / Fraction / float / tuple of those (UNDEFINED, TOO_BIG markers)."""
    if isinstance(value, (tuple, list)):
        return tuple(normalize(v) for v in value)
    if isinstance(value, bool):
        raise TypeError(f"a formula gave a truth value {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else value
    if isinstance(value, numbers.Rational):
        num, den = int(value.numerator), int(value.denominator)
        return num if den == 1 else Fraction(num, den)
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"a formula gave {type(value).__name__} {value!r:.60}, not a number") from None
    except OverflowError:
        return TOO_BIG
    return result if math.isfinite(result) else TOO_BIG


def key_value(formula: Any, points: Points, index: int, item: Item) -> Any:
    """The key's value at point `index` (kept on the key, per set of points)."""
    if not isinstance(formula, Formula):
        return _call_key(formula, points.fractions[index], item)  # a constant: nothing to keep
    cache = formula.memo.setdefault(("values", points.label), {})
    if index not in cache:
        cache[index] = _call_key(formula, points.fractions[index], item)
    return cache[index]


def _call_key(formula: Any, values: dict[str, Fraction], item: Item) -> Any:
    if not isinstance(formula, Formula):
        return normalize(formula)  # a constant key
    try:
        result = formula(values)
    except OverflowError:
        return TOO_BIG
    except (ZeroDivisionError, ArithmeticError, ValueError):
        return UNDEFINED
    except Exception as exc:  # the reference is ours: anything else is an author error
        raise ReferenceSolutionError(f"{item.id}: the key formula failed at {_point_text(values)}: {type(exc).__name__}: {exc}") from exc
    try:
        return normalize(result)
    except TypeError as exc:
        raise ReferenceSolutionError(f"{item.id}: {exc}") from None


def student_value(answer: ExpressionAnswer, points: Points, index: int) -> Any:
    values = answer.values
    slot = -1 - index if points.secret else index
    if slot in values:
        return values[slot]
    try:
        value: Any = Evaluator(points.ints[index], DEFAULT_LIMITS).run(answer.node)
    except (DivisionByZero, DomainError):
        value = UNDEFINED
    except LimitExceeded:
        value = TOO_BIG
    values[slot] = value
    return value


def same(a: Any, b: Any) -> bool:
    if type(a) is not float and type(b) is not float:
        return bool(a == b)
    try:
        return math.isclose(float(a), float(b), rel_tol=_REL, abs_tol=_ABS)
    except OverflowError:  # an exact value beyond any float cannot be close to a float
        return False


@dataclass(frozen=True)
class Outcome:
    status: str  # "equal", "differs", "undecided"
    index: int | None = None
    student: Any = None
    key: Any = None


def _defined(answer: ExpressionAnswer, key_at: Any, points: Points, count: int) -> Iterator[tuple[int, Any, Any]]:
    """(index, student value, key value) at the first `count` points where both are defined
    (the key first: a key undefined at a point makes the student's value there moot)."""
    for index in range(count):
        k = key_at(points, index)
        if k is UNDEFINED or k is TOO_BIG:
            continue
        s = student_value(answer, points, index)
        if s is UNDEFINED or s is TOO_BIG:
            continue
        yield index, s, k


def check_points(answer: ExpressionAnswer, key_at: Any, points: Points) -> Outcome:
    """Compare at the public points until N_POINTS agree or one differs (only "differs" is
    trusted: these points are in the kit)."""
    checked = 0
    for index, s, k in _defined(answer, key_at, points, len(points.ints)):
        if not same(s, k):
            return Outcome("differs", index, s, k)
        checked += 1
        if checked >= N_POINTS:
            return Outcome("equal")
    return Outcome("undecided")


def check_secret_points(answer: ExpressionAnswer, key_at: Any, points: Points, key_degree: Any) -> Outcome:
    """Compare at the secret points: "equal" after as many exact agreements as the bound needs
    (grader/kinds/equivalence.py), "differs" at the first difference, else "undecided"."""
    degree = difference_degree(answer.degree, key_degree)
    rational = answer.degree is not None and key_degree is not None
    needed = points_needed(degree)
    if needed is None:
        needed = 0  # no number of points meets the bound: only a difference can decide here
    agreed = 0
    for index, s, k in _defined(answer, key_at, points, min(len(points.ints), needed + SPARE) if needed and rational else len(points.ints)):
        if rational and (type(s) is float or type(k) is float):
            if not same(s, k):
                return Outcome("differs", index, s, k)
            continue  # a float agreement proves nothing exact: not counted
        if not same(s, k):
            return Outcome("differs", index, s, k)
        agreed += 1
        if needed and agreed >= needed:
            return Outcome("equal")
    return Outcome("undecided")


def _point_text(values: dict[str, Any]) -> str:
    return ", ".join(f"{name}={value}" for name, value in values.items())


def difference_hint(outcome: Outcome, points: Points, item: Item) -> str:
    where = _point_text(points.ints[outcome.index])  # type: ignore[index]
    text = f"at {where} your formula gives {_value_text(outcome.student)}"
    if item.show_expected:
        text += f" but the key gives {_value_text(outcome.key)}"
    return text


def _value_text(value: Any) -> str:
    if value is TOO_BIG:
        return "a number beyond ±1.8e308"
    if isinstance(value, Fraction) and value.denominator == 1:
        value = value.numerator
    if isinstance(value, int):
        if abs(value) < 10**40:
            return str(value)
        digits = str(abs(value))
        return f"{'-' if value < 0 else ''}{digits[0]}.{digits[1:6]}e+{len(digits) - 1}"
    if isinstance(value, Fraction):
        if value.numerator.bit_length() + value.denominator.bit_length() < 100:
            return f"{value.numerator}/{value.denominator}"
        try:
            return number_text(float(value))
        except OverflowError:
            return _value_text(round(value))
    return number_text(value)


# -- symbolic fallback ----------------------------------------------------------------------


def symbolic_key(formula: Any) -> Any:
    if isinstance(formula, Formula):
        return formula.symbolic()
    import sympy

    return sympy.nsimplify(formula) if isinstance(formula, float) else sympy.Integer(formula) if isinstance(formula, int) else sympy.Rational(formula.numerator, formula.denominator)


SYMBOLIC_MAX_POWER = 64  # SymPy expanding (w+d)^1000 only ever ends at the time bound


def _largest_power(node: Node) -> Fraction:
    from grader.mathparse.nodes import Num, Pow, children

    largest, stack = Fraction(0), [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Pow) and isinstance(current.exponent, Num):
            largest = max(largest, abs(current.exponent.value))
        stack.extend(children(current))
    return largest


def symbolic_check(answer: ExpressionAnswer, key_expr: Any) -> tuple[bool | None, str, bool]:
    """(equal?, why undecided, cacheable?). SymPy only sees objects built from our tree. Not
    cacheable: undecided because the time bound ran out or none could be set here."""
    from grader.mathparse import symbolic_equal, to_sympy

    if _largest_power(answer.node) > SYMBOLIC_MAX_POWER:
        # decided without a race against the clock, so a re-grade reads the same
        return None, f"it has a power above {SYMBOLIC_MAX_POWER}, too large to expand symbolically", True
    try:
        import sympy  # noqa: F401 - imported before the time bound starts

        student = to_sympy(answer.node)
        return symbolic_equal(student, key_expr, seconds=DEFAULT_LIMITS.time_limit), "", True
    except TimeBoundUnavailable:
        return None, "it could not be checked symbolically here (no time bound outside the main thread)", False
    except LimitExceeded as exc:
        return None, f"the symbolic check did not finish ({exc.message})", not isinstance(exc, TimeLimitExceeded)
    except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:  # SymPy quirks
        return None, f"the symbolic check failed ({type(exc).__name__})", True


def decide(
    answer: ExpressionAnswer, key_at: Any, key_symbolic: Any, points: Points, item: Item, label: str = "", *, secret: Points, key_degree: Any
) -> tuple[bool, str, bool]:
    """(correct?, feedback, cacheable?) for one formula against one key component: equal only at
    the secret points; a difference found at the public points (which the kit has) makes a
    readable hint."""
    outcome = check_secret_points(answer, key_at, secret, key_degree)
    prefix = f"{label}: " if label else ""
    if outcome.status == "equal":
        return True, "", True
    public = check_points(answer, key_at, points)
    if public.status == "differs":
        return False, f"{prefix}differs from the key, e.g. {difference_hint(public, points, item)}", True
    if outcome.status == "differs":
        return False, f"{prefix}differs from the key, e.g. {difference_hint(outcome, secret, item)}", True
    try:
        key_expr = key_symbolic()
    except Exception as exc:  # noqa: BLE001 - a key that cannot be printed symbolically
        return False, f"{prefix}could not be compared with the key at enough points, and the key has no symbolic form ({type(exc).__name__}); a TA should review it", True
    equal, why, cacheable = symbolic_check(answer, key_expr)
    if equal is None:
        return False, f"{prefix}could not be compared with the key at enough points, and {why}; a TA should review it", cacheable
    if equal:
        return True, f"{prefix}equal to the key (checked symbolically)", True
    return False, f"{prefix}differs from the key (checked symbolically)", True


def formula_text(formula: Any) -> str:
    if not isinstance(formula, Formula):
        return number_text(formula)
    if "text" not in formula.memo:
        formula.memo["text"] = formula.text()
    text: str = formula.memo["text"]
    return text


# -- parsing helpers shared with the expressions kind ----------------------------------------


def check_constants(node: Node, text: str) -> None:
    """Evaluate every constant part of a formula once, at parse time, so `9^9^9^9·W`, `W/0` or
    `W^(2^100)` are unreadable answers with a position, not slow or undecidable comparisons."""

    def scan(n: Node) -> bool:  # True when `n` contains a variable
        t = type(n)
        if t is Var:
            return True
        if t is Num or t is Const:
            return False
        kids = children(n)
        flags = [scan(k) for k in kids]
        if not any(flags):
            return False
        divisors = {id(f) for divide, f in n.factors if divide} if t is Product else set()  # type: ignore[attr-defined]
        for kid, has_vars in zip(kids, flags):  # noqa: B905 - the student kit runs on Python 3.9 (no strict=)
            if not has_vars and (type(kid) is not Const and (type(kid) is not Num or id(kid) in divisors)):
                value = evaluate(kid, {}, DEFAULT_LIMITS, text=text)
                if value == 0 and id(kid) in divisors:
                    raise DivisionByZero("division by zero", text=text, start=kid.span[0], end=kid.span[1])
        if t is Pow and not flags[1]:
            exponent = evaluate(n.exponent, {}, DEFAULT_LIMITS, text=text)  # type: ignore[attr-defined]
            if abs(exponent) > DEFAULT_LIMITS.max_exponent:  # type: ignore[operator]  # abs of the union is typed object
                span = n.exponent.span  # type: ignore[attr-defined]
                raise LimitExceeded(
                    f"exponent size: the exponent is beyond the limit of ±{DEFAULT_LIMITS.max_exponent}", text=text, start=span[0], end=span[1]
                )
        return True

    if not scan(node):
        evaluate(node, {}, DEFAULT_LIMITS, text=text)


def answer_of(node: Node, text: str) -> ExpressionAnswer:
    check_constants(node, text)
    return ExpressionAnswer(node)


def parse_one(raw: Any, item: Item) -> ExpressionAnswer:
    if isinstance(raw, bool):
        raise AnswerError(f"expected a formula, got {str(raw).lower()}")
    if isinstance(raw, int):
        if raw.bit_length() > 1024:
            raise LimitExceeded("number size: beyond ±1.8e308")
        return ExpressionAnswer(Num(Fraction(abs(raw))) if raw >= 0 else _negative(raw))
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise AnswerError(f"expected a formula, got {raw}")
        return ExpressionAnswer(parse_expression(repr(raw), variables=item.variables))
    if isinstance(raw, str):
        return answer_of(parse_expression(raw, variables=item.variables), raw)
    if isinstance(raw, (list, tuple)):
        raise AnswerError(f"expected one formula, got a list of {len(raw)}")
    raise AnswerError(f"expected a formula, got a {type(raw).__name__}")


def _negative(raw: int) -> Node:
    from grader.mathparse import Neg

    return Neg(Num(Fraction(-raw)))


def check_variables(item: Item) -> list[str]:
    problems = []
    if not item.variables:
        problems.append(f"variables: an {item.kind} item needs its variables, e.g. variables: [W, H]")
    seen = set()
    for name in item.variables:
        if not _NAME.fullmatch(name):
            problems.append(f"variables: {name!r} is not a name students can type (letters, optionally _ and a subscript)")
        elif name in RESERVED_NAMES:
            problems.append(f"variables: {name!r} is a function or constant name")
        if name in seen:
            problems.append(f"variables: {name!r} is listed twice")
        seen.add(name)
    if item.shape is not None:
        problems.append("shape: only matrix and tensor items take a shape")
    if item.percent or item.allow_fraction:
        problems.append(f"percent: an {item.kind} item cannot be a percentage")
    return problems


# -- the kind protocol ----------------------------------------------------------------------


def example(item: Item) -> str:
    """How to write an answer, for the template and the sheet."""
    v = item.variables or ["x", "y"]
    return f"a formula in {', '.join(item.variables)}, e.g. {v[0]}^2*{v[-1]} + 1"


def check_spec(item: Item) -> list[str]:
    return check_variables(item)


def prepare(value: Any, item: Item) -> Any:
    if isinstance(value, Formula):
        missing = set(value.parameters) - set(item.variables) - set(value.fixed)
        if missing:
            raise ReferenceSolutionError(f"{item.id}: the key formula takes {sorted(missing)}, which are not among the variables {item.variables}")
        points = points_for(item)
        for index in range(len(points.ints)):
            result = key_value(value, points, index, item)
            if isinstance(result, tuple):
                raise ReferenceSolutionError(f"{item.id}: the key formula gives {len(result)} values; an expression item needs one (use kind expressions)")
            if result is not UNDEFINED:
                break
        return value
    if isinstance(value, bool) or not isinstance(value, (int, Fraction, float)):
        raise ReferenceSolutionError(f"{item.id}: expected a formula (a reference with formula=True), got {type(value).__name__}")
    return normalize(value)


def parse(raw: Any, item: Item) -> ExpressionAnswer:
    return parse_one(raw, item)


def show(value: Any, item: Item) -> str:
    if isinstance(value, ExpressionAnswer):
        return value.text
    return formula_text(value)


def compare(parsed: ExpressionAnswer, expected: Any, item: Item) -> Verdict:
    ok, feedback, cacheable = decide(
        parsed,
        lambda points, index: key_value(expected, points, index, item),
        lambda: symbolic_key(expected),
        points_for(item),
        item,
        secret=secret_points_for(item, expected),
        key_degree=key_degree(expected),
    )
    return Verdict.correct(parsed.text, feedback, cacheable=cacheable) if ok else Verdict.wrong(parsed.text, feedback, cacheable=cacheable)


format_problems = no_format_remarks
format_notes = no_format_remarks  # public facts say nothing more about this kind's answers
