"""Reading one number: a literal in any accepted spelling, or arithmetic on numbers.

`89.7%`, `89.7 ٪`, `89.7 percent`: a trailing percent sign sets `NumberReading.percent`. For a
percent item (`percent=True`) the value stays in percent units (89.7); otherwise the sign means
"divide by 100" (89.7% → 0.897).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from grader.errors import AnswerError, LimitExceeded
from grader.mathparse.evaluate import evaluate
from grader.mathparse.lexer import EOF, FLOAT_MAX, PERCENT, tokenize
from grader.mathparse.limits import DEFAULT_LIMITS, Limits
from grader.mathparse.nodes import Neg, Node, Num
from grader.mathparse.parser import parse_tokens, resolve_names
from grader.mathparse.printer import to_text


@dataclass(frozen=True)
class NumberReading:
    value: Fraction | float  # exact when the answer is exact (a Fraction), else a finite float
    percent: bool  # a % sign (or the word percent) was present
    node: Node
    text: str  # canonical text of what was written, e.g. "3/64", "1.2·10^5", "42.5%"

    @property
    def exact(self) -> bool:
        return isinstance(self.value, Fraction)

    @property
    def is_literal(self) -> bool:
        """A bare number, possibly negative (no arithmetic)."""
        node = self.node
        return type(node) is Num or (type(node) is Neg and type(node.operand) is Num)


def check_magnitude(value: Fraction | float, text: str, span: tuple[int, int]) -> None:
    """A final answer must be a finite number within ±1.8e308 (intermediate values may be larger)."""
    if isinstance(value, float) and not math.isfinite(value):  # pragma: no cover - evaluate guards this
        raise AnswerError("not a finite number", text=text, start=span[0], end=span[1])
    if isinstance(value, Fraction) and abs(value) > FLOAT_MAX:
        raise LimitExceeded("number size: the value is beyond ±1.8e308", text=text, start=span[0], end=span[1])


def check_length(text: str, limit: int, what: str = "answer") -> None:
    if len(text) > limit:
        raise LimitExceeded(f"text length: the {what} has {len(text):,} characters; the limit is {limit:,}", text=text[:200])


def parse_number(text: str, *, percent: bool = False, limits: Limits = DEFAULT_LIMITS) -> NumberReading:
    """Read `text` as one number (arithmetic allowed: `3/64`, `sqrt(3/64)`, `1.2×10^5`)."""
    if not isinstance(text, str):
        raise AnswerError(f"expected a number as text, got a {type(text).__name__}")
    check_length(text, limits.max_chars)
    tokens = resolve_names(text, tokenize(text, limits=limits), (), times_x=True, percent_word=True)
    has_percent = False
    last = len(tokens) - 2  # tokens[-1] is EOF
    for index, tok in enumerate(tokens):
        if tok.kind == PERCENT:
            if index != last:
                raise AnswerError("'%' may only come at the very end of the answer", text=text, start=tok.start, end=tok.end)
            has_percent = True
    if has_percent:
        eof = tokens[-1]
        tokens = tokens[:-2] + [type(eof)(EOF, None, tokens[-2].start, tokens[-2].start)]
        if len(tokens) == 1:
            raise AnswerError("a percent sign needs a number before it", text=text, start=0, end=len(text))
    node = parse_tokens(text, tokens, limits)
    value = evaluate(node, {}, limits, text=text)
    check_magnitude(value, text, node.span)
    if has_percent and not percent:
        value = value / 100
    shown = to_text(node) + ("%" if has_percent else "")
    return NumberReading(value, has_percent, node, shown)
