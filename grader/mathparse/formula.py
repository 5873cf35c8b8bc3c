"""Reading one formula in declared variables."""

from __future__ import annotations

from collections.abc import Sequence

from grader.errors import AnswerError
from grader.mathparse.lexer import tokenize
from grader.mathparse.limits import DEFAULT_LIMITS, Limits
from grader.mathparse.nodes import Node
from grader.mathparse.parser import parse_tokens, resolve_names
from grader.mathparse.scalar import check_length


def parse_expression(text: str, *, variables: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> Node:
    """Parse a formula; every name must be a declared variable (or a product of them: `WHK`)."""
    if not isinstance(text, str):
        raise AnswerError(f"expected a formula as text, got a {type(text).__name__}")
    check_length(text, limits.max_chars)
    tokens = resolve_names(text, tokenize(text, limits=limits), tuple(variables))
    return parse_tokens(text, tokens, limits)
