"""Evaluate a tree with exact rational arithmetic where possible, floats where not.

Exact values are Python `int` or `Fraction` internally (ints are much faster); the public
`evaluate` returns a `Fraction` or a `float`. √ of a perfect-square rational and n-th roots of
perfect powers stay exact; other roots, exp, ln and π give floats, and once a value is a float it
stays one. Before a power is computed its size is estimated (bits ≈ bits(base) · exponent): an
exponent beyond `max_exponent` is an error, and a result too big to keep exactly is computed in
floating point instead. Exact values may use up to `max_bits` (4,096) bits; a float must stay
finite. So `9^9^9^9`, `10^10^10` and `2^(2^100)` fail in microseconds with `LimitExceeded`.
Readers of final answers (`parse_number`, matrices) also require |value| ≤ 1.8e308.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Union

from grader.errors import LimitExceeded
from grader.mathparse.errors import DivisionByZero, DomainError
from grader.mathparse.limits import DEFAULT_LIMITS, Limits
from grader.mathparse.nodes import Call, Const, Neg, Node, Num, Pow, Product, Sum, Var

Exact = Union[int, Fraction]  # noqa: UP007 - evaluated at import: the student kit runs on Python 3.9
Value = Union[int, Fraction, float]  # noqa: UP007 - evaluated at import: the student kit runs on Python 3.9


def evaluate(node: Node, env: Mapping[str, Fraction | int | float] | None = None, limits: Limits = DEFAULT_LIMITS, *, text: str = "") -> Fraction | float:
    """The value of `node` with variables from `env`; `text` is the source, for error positions.

    Raises `DivisionByZero`, `DomainError` (no real value) or `LimitExceeded` (too large).
    """
    ev = Evaluator(_int_env(env or {}), limits, text)
    value = ev.run(node)
    return Fraction(value) if type(value) is int else value


def _int_env(env: Mapping[str, Fraction | int | float]) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for name, value in env.items():
        if isinstance(value, Fraction) and value.denominator == 1:
            out[name] = value.numerator
        else:
            out[name] = value
    return out


class Evaluator:
    __slots__ = ("env", "limits", "text", "max_bits")

    def __init__(self, env: Mapping[str, Value], limits: Limits, text: str = "") -> None:
        self.env = env
        self.limits = limits
        self.text = text
        self.max_bits = limits.max_bits

    def run(self, node: Node) -> Value:
        try:
            return self.ev(node)
        except OverflowError:
            raise LimitExceeded("number size: a value is beyond ±1.8e308", text=self.text, start=node.span[0], end=node.span[1]) from None

    def too_large(self, node: Node) -> LimitExceeded:
        return LimitExceeded("number size: a value is beyond ±1.8e308", text=self.text, start=node.span[0], end=node.span[1])

    def check(self, value: Value, node: Node) -> Value:
        """Exact values may use up to `max_bits`; beyond that a fraction goes to floating point
        (an integer that large is beyond any float: an error); floats must stay finite."""
        t = type(value)
        if t is int:
            if value.bit_length() > self.max_bits:  # type: ignore[union-attr]
                raise self.too_large(node)
            return value
        if t is Fraction:
            num, den = value.numerator, value.denominator  # type: ignore[union-attr]
            if den == 1:
                return self.check(num, node)
            if num.bit_length() <= self.max_bits and den.bit_length() <= self.max_bits:
                return value
            value = num / den  # correctly rounded; OverflowError (→ LimitExceeded) if huge
        if not math.isfinite(value):
            raise self.too_large(node)
        return value

    def ev(self, node: Node) -> Value:
        t = type(node)
        if t is Var:
            try:
                return self.env[node.name]  # type: ignore[attr-defined]
            except KeyError:
                raise LimitExceeded(f"no value for the variable {node.name}", text=self.text, start=node.span[0], end=node.span[1]) from None  # type: ignore[attr-defined]
        if t is Num:
            v: Fraction = node.value  # type: ignore[attr-defined]
            return v.numerator if v.denominator == 1 else v
        if t is Product:
            factors = node.factors  # type: ignore[attr-defined]
            acc = self.ev(factors[0][1])
            if factors[0][0]:
                acc = self.divide(1, acc, factors[0][1])
            for divide, factor in factors[1:]:
                value = self.ev(factor)
                if divide:
                    acc = self.divide(acc, value, factor)
                else:
                    acc = self.check(acc * value, node)
            return acc
        if t is Sum:
            acc = 0
            for subtract, term in node.terms:  # type: ignore[attr-defined]
                value = self.ev(term)
                acc = self.check(acc - value if subtract else acc + value, node)
            return acc
        if t is Pow:
            return self.power(node)  # type: ignore[arg-type]
        if t is Neg:
            return -self.ev(node.operand)  # type: ignore[attr-defined]
        if t is Call:
            return self.call(node)  # type: ignore[arg-type]
        if t is Const:
            return math.pi
        raise TypeError(f"not an expression node: {node!r}")

    def divide(self, a: Value, b: Value, divisor: Node) -> Value:
        if b == 0:
            raise DivisionByZero("division by zero", text=self.text, start=divisor.span[0], end=divisor.span[1])
        if type(a) is int and type(b) is int:
            if a % b == 0:
                return a // b
            return self.check(Fraction(a, b), divisor)
        if type(b) is float or type(a) is float:
            try:
                return self.check(a / b, divisor)
            except ZeroDivisionError:  # an exact divisor like 1e-999 that is 0.0 as a float
                raise DivisionByZero("division by a number too small to represent (it rounds to 0)", text=self.text, start=divisor.span[0], end=divisor.span[1]) from None
        return self.check(Fraction(a) / Fraction(b), divisor)

    def power(self, node: Pow) -> Value:
        base = self.ev(node.base)
        exponent = self.ev(node.exponent)
        limits = self.limits
        te = type(exponent)
        if te is int or (te is Fraction and exponent.denominator == 1):  # type: ignore[union-attr]
            e = int(exponent)
            if base == 0:
                if e < 0:
                    raise DivisionByZero("0 to a negative power is a division by zero", text=self.text, start=node.span[0], end=node.span[1])
                return 1 if e == 0 else 0
            if base == 1 or e == 0:
                return 1 if type(base) is not float else 1.0
            if base == -1:
                return (1 if e % 2 == 0 else -1) if type(base) is not float else (1.0 if e % 2 == 0 else -1.0)
            if abs(e) > limits.max_exponent:
                raise LimitExceeded(
                    f"exponent size: the exponent {_short(e)} is beyond the limit of ±{limits.max_exponent}",
                    text=self.text, start=node.exponent.span[0], end=node.exponent.span[1],
                )
            if type(base) is float:
                return self.check(math.pow(base, e), node)
            b = Fraction(base)
            bits = max(b.numerator.bit_length(), b.denominator.bit_length()) * abs(e)
            if bits > self.max_bits:
                magnitude = (abs(b.numerator).bit_length() - b.denominator.bit_length()) * e
                if magnitude > 1100:
                    raise self.too_large(node)
                return self.check(math.pow(float(b), e), node)
            if e < 0:
                result: Value = Fraction(b.denominator, b.numerator) ** (-e)
            else:
                result = base**e
            return self.check(result, node)
        if te is Fraction:
            return self.rational_power(node, base, exponent)  # type: ignore[arg-type]
        # float exponent
        if base == 0:
            if exponent < 0:
                raise DivisionByZero("0 to a negative power is a division by zero", text=self.text, start=node.span[0], end=node.span[1])
            return 0.0 if exponent > 0 else 1.0
        if base < 0:
            raise DomainError("a negative number to a non-integer power has no real value", text=self.text, start=node.span[0], end=node.span[1])
        return self.check(math.pow(float(base), exponent), node)

    def rational_power(self, node: Pow, base: Value, exponent: Fraction) -> Value:
        p, q = exponent.numerator, exponent.denominator
        limits = self.limits
        if base == 0:
            if p < 0:
                raise DivisionByZero("0 to a negative power is a division by zero", text=self.text, start=node.span[0], end=node.span[1])
            return 0
        negative = base < 0
        if negative and q % 2 == 0:
            raise DomainError("an even root of a negative number has no real value", text=self.text, start=node.span[0], end=node.span[1])
        if abs(p) > limits.max_exponent and abs(base) != 1:
            raise LimitExceeded(
                f"exponent size: the exponent {_short(p)}/{_short(q)} is beyond the limit of ±{limits.max_exponent}",
                text=self.text, start=node.exponent.span[0], end=node.exponent.span[1],
            )
        magnitude: Value = abs(base)  # type: ignore[assignment]  # abs of the union is typed object
        if type(base) is not float and q <= limits.max_root:
            b = Fraction(magnitude)
            num_root, den_root = iroot(b.numerator, q), iroot(b.denominator, q)
            if num_root is not None and den_root is not None:
                root = self.check(Fraction(-num_root if negative else num_root, den_root), node)
                return self.power_of(node, root, p)
        result = math.pow(float(magnitude), p / q)
        if negative and p % 2 == 1:
            result = -result
        return self.check(result, node)

    def power_of(self, node: Pow, base: Value, e: int) -> Value:
        if base == 0 or base == 1 or e == 0 or base == -1:
            return base**e if base != 0 or e >= 0 else self.divide(1, 0, node)
        b = Fraction(base)
        bits = max(b.numerator.bit_length(), b.denominator.bit_length()) * abs(e)
        if bits > self.max_bits:
            return self.check(math.pow(float(b), e), node)
        return self.check(b**e, node)

    def call(self, node: Call) -> Value:
        x = self.ev(node.arg)
        func = node.func
        span = node.span
        if func == "sqrt":
            if x < 0:
                raise DomainError("the square root of a negative number has no real value", text=self.text, start=span[0], end=span[1])
            if type(x) is not float:
                f = Fraction(x)
                rn, rd = math.isqrt(f.numerator), math.isqrt(f.denominator)
                if rn * rn == f.numerator and rd * rd == f.denominator:
                    return rn if rd == 1 else Fraction(rn, rd)
                if f.numerator.bit_length() > 1000 or f.denominator.bit_length() > 1000:
                    return self.check(math.exp((math.log(f.numerator) - math.log(f.denominator)) / 2), node)
            return self.check(math.sqrt(x), node)
        if func == "abs":
            return abs(x)  # type: ignore[return-value]  # abs of the union is typed object
        if func == "exp":
            if x == 0:
                return 1
            if x > 710:
                raise self.too_large(node)
            return self.check(math.exp(x), node)
        if func == "ln":
            if x <= 0:
                raise DomainError("the logarithm of a number ≤ 0 has no real value", text=self.text, start=span[0], end=span[1])
            if x == 1:
                return 0
            if type(x) is float:
                return math.log(x)
            f = Fraction(x)
            return self.check(math.log(f.numerator) - math.log(f.denominator), node)
        raise TypeError(f"unknown function {func}")


def iroot(n: int, k: int) -> int | None:
    """The exact k-th root of n ≥ 0, or None."""
    if n < 2:
        return n
    if k == 2:
        r = math.isqrt(n)
        return r if r * r == n else None
    x = 1 << ((n.bit_length() + k - 1) // k)  # an upper bound
    while True:
        y = ((k - 1) * x + n // x ** (k - 1)) // k
        if y >= x:
            break
        x = y
    return x if x**k == n else None


def _short(n: int) -> str:
    s = str(n) if abs(n).bit_length() < 200 else f"~2^{abs(n).bit_length()}"
    return s if len(s) <= 24 else s[:10] + "…" + s[-6:]
