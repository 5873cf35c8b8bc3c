"""Lists of formulas (`[a, b]`, `(a, b)`, `a × b`, `a x b`, `a by b`) and shapes (`32x32`).

Separators at the list's own level: `,` and `;` always; `×`/`\\times`, and `x`, `X` or `by` when
they are not declared variables. In a shape `*`/`·` and a plain space between numbers separate
too (`16 * 16`, `16 16`); in a list of formulas `*` and `·` multiply. Inside brackets nothing is
split: `((a)×(b), c)` has two items. Commas never group digits here: `[1,500]` is two items.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from grader.errors import AnswerError, LimitExceeded
from grader.mathparse.evaluate import evaluate
from grader.mathparse.lexer import COMMA, EOF, LP, MUL, NAME, NUM, RP, SEMI, SEP, Token, tokenize
from grader.mathparse.limits import DEFAULT_LIMITS, Limits
from grader.mathparse.nodes import Node
from grader.mathparse.parser import check_brackets, parse_tokens, resolve_names
from grader.mathparse.scalar import check_length

_CLOSE = {"(": ")", "[": "]", "{": "}"}


def parse_list(text: str, *, variables: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> list[Node]:
    """Parse a list of formulas in `variables`; a single formula is a 1-item list."""
    if not isinstance(text, str):
        raise AnswerError(f"expected a list of formulas as text, got a {type(text).__name__}")
    check_length(text, limits.max_list_chars)
    pieces = _split(text, tokenize(text, limits=limits, groups=False), tuple(variables), shape=False, limits=limits)
    return [parse_tokens(text, resolve_names(text, toks, tuple(variables)), limits) for toks in pieces]


def parse_shape(text: str, *, limits: Limits = DEFAULT_LIMITS) -> tuple[int, ...]:
    """Parse dimensions such as `32x32`, `32×32`, `32 * 32`, `[32, 32]`, `32 by 32`, `1024`."""
    if not isinstance(text, str):
        raise AnswerError(f"expected dimensions as text, got a {type(text).__name__}")
    check_length(text, limits.max_list_chars)
    pieces = _split(text, tokenize(text, limits=limits, groups=False), (), shape=True, limits=limits)
    dims = []
    for toks in pieces:
        node = parse_tokens(text, resolve_names(text, toks, ()), limits)
        value = evaluate(node, {}, limits, text=text)
        start, end = toks[0].start, toks[-2].end
        if not isinstance(value, Fraction) or value.denominator != 1 or value < 1:
            raise AnswerError(f"'{text[start:end]}' is not a size: each dimension must be a positive whole number", text=text, start=start, end=end)
        dims.append(int(value))
    return tuple(dims)


def _split(text: str, tokens: list[Token], variables: tuple[str, ...], *, shape: bool, limits: Limits) -> list[list[Token]]:
    """The token lists of the items (each ending with an EOF token)."""
    check_brackets(text, tokens)
    tokens = _split_x_names(tokens, set(variables))
    body = tokens[:-1]
    if not body:
        raise AnswerError("empty answer", text=text, start=0, end=0)
    level = 0
    if body[0].kind == LP and _matching(body, 0) == len(body) - 1:
        level = 1
    _mark(body, level, shape, set(variables))
    if level == 1 and body[0].value == "(" and not any(_is_sep(t) and d == 1 for t, d in _depths(body)):
        level = 0  # (a + b) is a bracketed formula, not a list
    items: list[list[Token]] = []
    current: list[Token] = []
    last_sep: Token | None = None
    inner = body[1:-1] if level == 1 else body
    depth = 0
    for tok in inner:
        if depth == 0 and _is_sep(tok):
            if not current:
                raise AnswerError(f"empty item before {_show(text, tok)}", text=text, start=tok.start, end=tok.end)
            items.append(current + [Token(EOF, None, tok.start, tok.start)])
            if len(items) > limits.max_list_items:
                raise LimitExceeded(f"list length: more than {limits.max_list_items} items", text=text, start=tok.start, end=tok.end)
            current = []
            last_sep = tok
            continue
        if tok.kind == LP:
            depth += 1
        elif tok.kind == RP:
            depth -= 1
        current.append(tok)
    if current:
        end = current[-1].end
        items.append(current + [Token(EOF, None, end, end)])
    elif last_sep is not None and last_sep.kind != COMMA:
        raise AnswerError(f"nothing after {_show(text, last_sep)}", text=text, start=last_sep.start, end=last_sep.end)
    if not items:
        raise AnswerError("empty list", text=text, start=body[0].start, end=body[-1].end)
    return items


def _show(text: str, tok: Token) -> str:
    return f"'{text[tok.start:tok.end]}'"


def _is_sep(tok: Token) -> bool:
    return tok.kind in (COMMA, SEMI, SEP)


def _depths(body: list[Token]) -> list[tuple[Token, int]]:
    out = []
    depth = 0
    for tok in body:
        if tok.kind == RP:
            depth -= 1
        out.append((tok, depth))
        if tok.kind == LP:
            depth += 1
    return out


def _matching(body: list[Token], index: int) -> int:
    depth = 0
    for k in range(index, len(body)):
        if body[k].kind == LP:
            depth += 1
        elif body[k].kind == RP:
            depth -= 1
            if depth == 0:
                return k
    return -1


def _mark(body: list[Token], level: int, shape: bool, declared: set[str]) -> None:
    """Turn list-level ×, x, by (and in shapes *, · and gaps between numbers) into SEP tokens."""
    previous: Token | None = None
    for tok, depth in _depths(body):
        if depth == level:
            if tok.kind == MUL and (tok.value == "cross" or shape):
                tok.kind = SEP
            elif tok.kind == NAME and tok.value in ("x", "X", "by") and tok.value not in declared:
                tok.kind = SEP
            elif shape and tok.kind == NUM and previous is not None and previous.kind == NUM and tok.space:
                body.insert(body.index(tok), Token(SEP, None, previous.end, tok.start))
        previous = tok


def _split_x_names(tokens: list[Token], declared: set[str]) -> list[Token]:
    """`MxN` → M, x, N when x is not a declared variable (and the name itself is not)."""
    out: list[Token] = []
    for tok in tokens:
        name = tok.value
        if (
            tok.kind != NAME
            or tok.latex
            or name in declared
            or name in ("x", "X")
            or tok.end - tok.start != len(name)
            or not any(c in "xX" and c not in declared for c in name)
        ):
            out.append(tok)
            continue
        start = 0
        for k, c in enumerate(name):
            if c in "xX" and c not in declared:
                if k > start:
                    out.append(Token(NAME, name[start:k], tok.start + start, tok.start + k, tok.space and start == 0))
                out.append(Token(NAME, c, tok.start + k, tok.start + k + 1))
                start = k + 1
        if start < len(name):
            out.append(Token(NAME, name[start:], tok.start + start, tok.end))
    return out
