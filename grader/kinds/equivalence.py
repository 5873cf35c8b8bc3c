"""Sound formula equivalence: where a student's formula is compared with the key, and how often.

The kit ships each visible item's *public* sample points (its fingerprint, grader/student/kit.py), so a
formula can be built to agree with the key there, e.g. key + (W−a)(W−b)… with a, b, … read from
them. The grader therefore decides "equal" only at *secret* points: integers drawn uniformly
from S = {1, …, 2³²} by an RNG seeded from the rubric's grading secret (`KeyBook.secret`, a
SHA-256 over the full rubric file and every reference source file, none of which a kit
contains), the item id and its variables. Grading stays deterministic (same inputs, same
points, byte-identical results, any --jobs), and no student can read the points.

The bound (Schwartz–Zippel). Let the student's formula be A/B and the key C/E as rational
functions whose numerator and denominator degrees are at most (a, b) and (c, e) (`tree_degree`
bounds them from the parsed tree, `key_degree` from the reference function). If they differ,
the numerator P = A·E − C·B of their difference is a non-zero polynomial of total degree
d ≤ max(a + e, c + b), and at a uniform random point of Sⁿ, Pr[P = 0] ≤ d/|S|. Only *exact*
agreement counts (a point where either side is undefined, too large or a float is skipped), and
the check draws at most k + SPARE points and needs k exact agreements, so a different formula
passes with probability at most C(k + SPARE, k)·(d/|S|)^k. `points_needed` picks the least k
that makes this ≤ `FAILURE_BOUND` = 10⁻¹⁰ per comparison (so ≤ 10⁻⁹ for an item with up to ten
rules: key, alternatives, mistakes). For HW4's keys (degree ≤ 6) k is 2. The tree-degree
bound is conservative (it never undercounts); a formula whose bound is so large that no k ≤
`MAX_POINTS` works (only towers such as ((W+1−W)^1000)^1000 that cancel) is not decided at
points: it goes to the symbolic check, like one undefined at too many points.

Not covered by the bound: formulas with √, exp, ln or abs of a variable, a variable exponent,
or a key that is not a rational function. They are compared at `NONRATIONAL_POINTS` secret
points within 10⁻⁹ relative, as before; a difference at any point (secret or public) is always
proof that the formula is wrong.
"""

from __future__ import annotations

import hashlib
import math
import random
from fractions import Fraction
from typing import Any

from grader.mathparse.nodes import Const, Neg, Node, Num, Pow, Product, Sum, Var

LOW, HIGH = 1, 2**32  # S, the set each variable's secret value is drawn from
FAILURE_BOUND = 1e-10  # per comparison of one formula with one rule
SPARE = 8  # extra points drawn for those where a side is undefined or too large
MAX_POINTS = 24  # agreements asked for at most; beyond, the symbolic check decides
NONRATIONAL_POINTS = 8  # agreements asked for when no degree bound is known
DEGREE_CAP = 2**64  # degrees beyond this are all "too large" (keeps the integers small)

Degree = tuple[int, int]  # (numerator, denominator) total-degree bounds of a rational function


def _cap(value: int) -> int:
    return value if value < DEGREE_CAP else DEGREE_CAP


def _sum(parts: list[Degree]) -> Degree:
    den = sum(b for _, b in parts)
    return _cap(max(a + den - b for a, b in parts)), _cap(den)


_CONSTANT = (0, 0)
_NOT_RATIONAL: Any = None


def tree_degree(node: Node) -> Degree | None:
    """Degree bounds of a parsed formula as a rational function of its variables, or None when
    it is not one (√, exp, ln, abs of a variable, a variable or non-integer exponent). One pass."""
    from grader.mathparse.evaluate import evaluate

    def walk(n: Node) -> tuple[Degree | None, bool]:  # (degree, contains a variable)
        t = type(n)
        if t is Var:
            return (1, 0), True
        if t is Num or t is Const:
            return _CONSTANT, False
        if t is Neg:
            return walk(n.operand)  # type: ignore[attr-defined]
        if t is Sum or t is Product:
            pairs = n.terms if t is Sum else n.factors  # type: ignore[attr-defined]
            parts = [(flag, walk(child)) for flag, child in pairs]
            if not any(has for _, (_, has) in parts):
                return _CONSTANT, False
            if any(d is None for _, (d, _) in parts):
                return _NOT_RATIONAL, True
            if t is Sum:
                return _sum([d for _, (d, _) in parts]), True  # type: ignore[misc]
            num = den = 0
            for divide, (d, _) in parts:
                num, den = (num + d[1], den + d[0]) if divide else (num + d[0], den + d[1])  # type: ignore[index]
            return (_cap(num), _cap(den)), True
        if t is Pow:
            base, base_vars = walk(n.base)  # type: ignore[attr-defined]
            _, exponent_vars = walk(n.exponent)  # type: ignore[attr-defined]
            if not base_vars and not exponent_vars:
                return _CONSTANT, False
            if exponent_vars or base is None:
                return _NOT_RATIONAL, True
            try:
                exponent = evaluate(n.exponent)  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - an exponent the evaluator refuses: no bound
                return _NOT_RATIONAL, True
            if not isinstance(exponent, Fraction) or exponent.denominator != 1:
                return _NOT_RATIONAL, True
            e = int(exponent)
            return ((_cap(e * base[0]), _cap(e * base[1])) if e >= 0 else (_cap(-e * base[1]), _cap(-e * base[0]))), True
        _, arg_vars = walk(n.arg)  # type: ignore[attr-defined]  # Call: sqrt, exp, ln, abs
        return (_NOT_RATIONAL, True) if arg_vars else (_CONSTANT, False)

    return walk(node)[0]


class _Probe:
    """Stands for a rational function of known degree bounds while a reference formula runs."""

    __slots__ = ("num", "den")

    def __init__(self, num: int, den: int) -> None:
        self.num, self.den = _cap(num), _cap(den)

    @staticmethod
    def of(value: Any) -> _Probe | None:
        if isinstance(value, _Probe):
            return value
        if isinstance(value, (int, Fraction)) and not isinstance(value, bool):
            return _Probe(0, 0)
        return None  # a float or anything else: not a rational function with exact values

    def __add__(self, other: Any) -> _Probe:
        o = _Probe.of(other)
        if o is None:
            return NotImplemented
        num, den = _sum([(self.num, self.den), (o.num, o.den)])
        return _Probe(num, den)

    __radd__ = __sub__ = __rsub__ = __add__

    def __mul__(self, other: Any) -> _Probe:
        o = _Probe.of(other)
        if o is None:
            return NotImplemented
        return _Probe(self.num + o.num, self.den + o.den)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> _Probe:
        o = _Probe.of(other)
        if o is None:
            return NotImplemented
        return _Probe(self.num + o.den, self.den + o.num)

    def __rtruediv__(self, other: Any) -> _Probe:
        o = _Probe.of(other)
        if o is None:
            return NotImplemented
        return _Probe(o.num + self.den, o.den + self.num)

    def __pow__(self, exponent: Any) -> _Probe:
        if isinstance(exponent, Fraction) and exponent.denominator == 1:
            exponent = int(exponent)
        if not isinstance(exponent, int) or isinstance(exponent, bool):
            return NotImplemented
        if exponent >= 0:
            return _Probe(exponent * self.num, exponent * self.den)
        return _Probe(-exponent * self.den, -exponent * self.num)

    def __neg__(self) -> _Probe:
        return self

    __pos__ = __neg__


def key_degree(formula: Any) -> Any:
    """Degree bounds of a key: a `Degree`, a tuple of them (a list-valued key), or None when the
    reference function is not plain rational arithmetic of its variables. Cached per formula."""
    from grader.kinds.base import Formula

    if not isinstance(formula, Formula):
        if isinstance(formula, tuple):
            return tuple(key_degree(v) for v in formula)
        return (0, 0) if isinstance(formula, (int, Fraction)) else None
    if "degree" in formula.memo:
        return formula.memo["degree"]
    try:
        value = formula({name: _Probe(1, 0) for name in formula.variables})
        result: Any = _probe_degree(value)
    except Exception:  # noqa: BLE001 - a reference that is not plain arithmetic: no bound
        result = None
    formula.memo["degree"] = result
    return result


def _probe_degree(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return tuple(_probe_degree(v) for v in value)
    probe = _Probe.of(value)
    return None if probe is None else (probe.num, probe.den)


def difference_degree(student: Degree | None, key: Degree | None) -> int | None:
    """A bound on the total degree of the numerator of student − key, or None."""
    if student is None or key is None:
        return None
    return max(student[0] + key[1], key[0] + student[1])


def failure_probability(degree: int, k: int) -> float:
    """C(k + SPARE, k) · (degree / |S|)^k: a different formula passes k of k + SPARE points."""
    ratio = degree / (HIGH - LOW + 1)
    return math.comb(k + SPARE, k) * ratio**k if ratio < 1 else 1.0


_NEEDED: dict[int, int | None] = {}


def points_needed(degree: int | None) -> int | None:
    """How many exact agreements decide "equal" (None: no k ≤ MAX_POINTS meets the bound).
    Without a degree bound, `NONRATIONAL_POINTS`."""
    if degree is None:
        return NONRATIONAL_POINTS
    if degree in _NEEDED:
        return _NEEDED[degree]
    found = next((k for k in range(1, MAX_POINTS + 1) if failure_probability(max(degree, 1), k) <= FAILURE_BOUND), None)
    if len(_NEEDED) < 4096:
        _NEEDED[degree] = found
    return found


NONRATIONAL_RANGES = ((7, 10_000, 16), (2, 40, 16))  # (low, high, count), like the public points


def secret_point_values(secret: bytes, item_id: str, variables: tuple[str, ...], *, rational: bool = True) -> list[dict[str, int]]:
    """The item's secret points, drawn by an RNG seeded from the grading secret, the item and its
    variables (the same every run): MAX_POINTS + SPARE uniform points of S for a rational key;
    for any other key (2^n, a reference with branches) points of the public points' sizes, as
    reference code need not be cheap at n = 2^32."""
    seed = hashlib.sha256(b"hwgrader secret points\x00" + secret + b"\x00" + f"{item_id}|{','.join(variables)}".encode()).digest()
    rng = random.Random(int.from_bytes(seed, "big"))
    if rational:
        return [{name: rng.randint(LOW, HIGH) for name in variables} for _ in range(MAX_POINTS + SPARE)]
    return [{name: rng.randint(low, high) for name in variables} for low, high, count in NONRATIONAL_RANGES for _ in range(count)]
