"""The expression tree our parser builds: small frozen dataclasses.

Equality is structural and ignores where a node came from (`span`, an index range into the
student's original text) and how a number was written (`Num.text`), so two readings of the same
structure compare equal. `Sum` and `Product` are n-ary: `a - b + c` is one `Sum`, `a·b/c` one
`Product`, which keeps the canonical text free of redundant parentheses.

Python 3.9 compatible (the student kit runs there): `span` is each class's last field rather than
a keyword-only field of `Node`, and `slots` is used where the interpreter has it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

Span = tuple[int, int]
_SLOTS: dict[str, Any] = {"slots": True} if sys.version_info >= (3, 10) else {}


def _span() -> Any:
    return field(default=(0, 0), compare=False, repr=False)


@dataclass(frozen=True, **_SLOTS)
class Node:
    @property
    def span(self) -> Span:  # pragma: no cover - every node class has `span` as its last field
        raise NotImplementedError


@dataclass(frozen=True, **_SLOTS)
class Num(Node):
    """A non-negative number literal, exact; `text` is its canonical spelling (ASCII digits)."""

    value: Fraction
    text: str = field(default="", compare=False)
    span: Span = _span()

    def __post_init__(self) -> None:
        if not self.text:
            object.__setattr__(self, "text", _fraction_text(self.value))


@dataclass(frozen=True, **_SLOTS)
class Var(Node):
    name: str
    span: Span = _span()


@dataclass(frozen=True, **_SLOTS)
class Const(Node):
    """A named constant; only `pi` so far."""

    name: str
    span: Span = _span()


@dataclass(frozen=True, **_SLOTS)
class Neg(Node):
    operand: Node
    span: Span = _span()


@dataclass(frozen=True, **_SLOTS)
class Sum(Node):
    """terms: (subtract, term) pairs; the first term is never subtracted by the parser."""

    terms: tuple[tuple[bool, Node], ...]
    span: Span = _span()


@dataclass(frozen=True, **_SLOTS)
class Product(Node):
    """factors: (divide, factor) pairs; `a·b/c` is ((False, a), (False, b), (True, c))."""

    factors: tuple[tuple[bool, Node], ...]
    span: Span = _span()


@dataclass(frozen=True, **_SLOTS)
class Pow(Node):
    base: Node
    exponent: Node
    span: Span = _span()


FUNCTIONS = ("sqrt", "exp", "ln", "abs")


@dataclass(frozen=True, **_SLOTS)
class Call(Node):
    func: str  # one of FUNCTIONS
    arg: Node
    span: Span = _span()


def children(node: Node) -> tuple[Node, ...]:
    t = type(node)
    if t is Sum:
        return tuple(n for _, n in node.terms)  # type: ignore[attr-defined]
    if t is Product:
        return tuple(n for _, n in node.factors)  # type: ignore[attr-defined]
    if t is Pow:
        return (node.base, node.exponent)  # type: ignore[attr-defined]
    if t is Neg:
        return (node.operand,)  # type: ignore[attr-defined]
    if t is Call:
        return (node.arg,)  # type: ignore[attr-defined]
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node, parent before children (iterative: no recursion limit involved)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def free_variables(node: Node) -> set[str]:
    return {n.name for n in walk(node) if type(n) is Var}


def _fraction_text(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"
