"""One canonical text for a tree: the "read as" echo shown to students and TAs.

Products with `·`, powers with `^`, `π`, functions as `sqrt(x)`, and only the parentheses the
structure needs, e.g. `A^2·B·C`, `(M - 2·K)·(N - 2·K)`, `2^3^2`, `(2^3)^2`, `-2^2`,
`(-2)^2`, `1/(2·W)`. The text re-parses to an equal tree (see tests/test_mathparse.py).
"""

from __future__ import annotations

from grader.mathparse.nodes import Call, Const, Neg, Node, Num, Pow, Product, Sum, Var

_CONSTANTS = {"pi": "π"}


def to_text(node: Node) -> str:
    return _text(node)


def _is_fraction_literal(node: Node) -> bool:
    return type(node) is Num and "/" in node.text


def _wrap(s: str) -> str:
    return f"({s})"


def _text(node: Node) -> str:
    t = type(node)
    if t is Num:
        return node.text  # type: ignore[attr-defined,no-any-return]
    if t is Var:
        return node.name  # type: ignore[attr-defined,no-any-return]
    if t is Const:
        return _CONSTANTS.get(node.name, node.name)  # type: ignore[attr-defined,return-value]
    if t is Call:
        return f"{node.func}({_text(node.arg)})"  # type: ignore[attr-defined]
    if t is Neg:
        inner = node.operand  # type: ignore[attr-defined]
        s = _text(inner)
        if type(inner) in (Sum, Product, Neg) or _is_fraction_literal(inner):
            s = _wrap(s)
        return "-" + s
    if t is Sum:
        parts: list[str] = []
        for index, (subtract, term) in enumerate(node.terms):  # type: ignore[attr-defined]
            s = _text(term)
            if type(term) is Sum or ((index > 0 or subtract) and s.startswith("-")):
                s = _wrap(s)
            if index == 0:
                parts.append("-" + (_wrap(s) if type(term) is Product else s) if subtract else s)
            else:
                parts.append((" - " if subtract else " + ") + s)
        return "".join(parts)
    if t is Product:
        parts = []
        for index, (divide, factor) in enumerate(node.factors):  # type: ignore[attr-defined]
            s = _text(factor)
            ft = type(factor)
            if ft is Sum or ft is Product or _is_fraction_literal(factor) or ((index > 0 or divide) and s.startswith("-")):
                s = _wrap(s)
            if index == 0:
                parts.append("1/" + s if divide else s)
            else:
                parts.append(("/" if divide else "·") + s)
        return "".join(parts)
    if t is Pow:
        base, exponent = node.base, node.exponent  # type: ignore[attr-defined]
        b = _text(base)
        if type(base) in (Sum, Product, Neg, Pow) or _is_fraction_literal(base):
            b = _wrap(b)
        e = _text(exponent)
        if type(exponent) in (Sum, Product) or e.startswith("-") or _is_fraction_literal(exponent):
            e = _wrap(e)
        return f"{b}^{e}"
    raise TypeError(f"not an expression node: {node!r}")
