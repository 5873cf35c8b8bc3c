"""Our tree → SymPy objects, node by node (SymPy never sees student text), and a bounded
symbolic equality check. SymPy is imported lazily: it is only the fallback.
"""

from __future__ import annotations

from typing import Any

from grader.errors import LimitExceeded
from grader.mathparse.evaluate import evaluate
from grader.mathparse.limits import DEFAULT_LIMITS, Limits
from grader.mathparse.nodes import Call, Const, Neg, Node, Num, Pow, Product, Sum, Var, free_variables
from grader.timeout import run_time_bounded


def to_sympy(node: Node, *, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Build the SymPy expression of `node`; variables are positive real Symbols (as in `Formula`).

    A power with a constant exponent is bounded first with our own evaluator, so SymPy is never
    asked to expand `2^(2^100)`.
    """
    import sympy

    symbols: dict[str, Any] = {}
    functions = {"sqrt": sympy.sqrt, "exp": sympy.exp, "ln": sympy.log, "abs": sympy.Abs}

    def conv(n: Node) -> Any:
        t = type(n)
        if t is Num:
            v = n.value  # type: ignore[attr-defined]
            return sympy.Rational(v.numerator, v.denominator)
        if t is Var:
            name = n.name  # type: ignore[attr-defined]
            if name not in symbols:
                symbols[name] = sympy.Symbol(name, positive=True)
            return symbols[name]
        if t is Const:
            return sympy.pi
        if t is Neg:
            return -conv(n.operand)  # type: ignore[attr-defined]
        if t is Sum:
            return sympy.Add(*[-conv(term) if subtract else conv(term) for subtract, term in n.terms])  # type: ignore[attr-defined]
        if t is Product:
            return sympy.Mul(*[sympy.Pow(conv(f), -1) if divide else conv(f) for divide, f in n.factors])  # type: ignore[attr-defined]
        if t is Pow:
            exponent = n.exponent  # type: ignore[attr-defined]
            if not free_variables(exponent):
                value = evaluate(exponent, {}, limits)
                if abs(value) > limits.max_exponent:  # type: ignore[operator]  # abs of the union is typed object
                    raise LimitExceeded(f"exponent size: an exponent is beyond the limit of ±{limits.max_exponent}")
                if not free_variables(n.base):  # type: ignore[attr-defined]
                    evaluate(n, {}, limits)  # raises if the constant power is too large
            return sympy.Pow(conv(n.base), conv(exponent))  # type: ignore[attr-defined]
        if t is Call:
            return functions[n.func](conv(n.arg))  # type: ignore[attr-defined]
        raise TypeError(f"not an expression node: {n!r}")

    return conv(node)


def symbolic_equal(a: Any, b: Any, *, seconds: float) -> bool:
    """simplify(a - b) == 0 under a wall-clock bound.

    Raises `TimeLimitExceeded` when time runs out and `TimeBoundUnavailable` off the main thread.
    """
    import sympy

    def check() -> bool:
        difference = sympy.simplify(a - b)
        return bool(difference == 0)

    return run_time_bounded(check, seconds, "it symbolically")


__all__ = ["symbolic_equal", "to_sympy"]
