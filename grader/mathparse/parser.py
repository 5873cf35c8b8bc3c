"""Recursive-descent parser: tokens → `nodes` tree, with explicit depth and size limits.

Grammar (lowest precedence first)::

    expr    := term (('+' | '-') term)*
    term    := unary (('*' | '/') unary | implicit)*      implicit: 2W, W H, 2(3), (W H)^2 I J
    unary   := ('-' | '+') unary | power                 so -2^2 = -(2^2) = -4
    power   := postfix ('^' unary)?                      right-associative: 2^3^2 = 2^(3^2)
    postfix := atom superscript*                         W², K³, x⁻¹
    atom    := number | variable | π | '(' expr ')' | function arg | √ arg | \\frac{a}{b} | \\sqrt[n]{a}

Implicit multiplication has the same precedence as `*` and `/`, left to right: `1/2W` is
(1/2)·W. A factor that starts with a digit needs an explicit operator (`W 2` and `2 3` are
errors, `2W` and `2(3)` are fine), so `12 34` is never silently 408. A function name or root
without brackets takes the following power: `√2W` is √2·W, `ln W^2` is ln(W^2).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from grader.errors import AnswerError, LimitExceeded
from grader.mathparse.lexer import (
    AMP,
    COMMA,
    CONST,
    DIV,
    EOF,
    FRAC,
    FUNC,
    LP,
    MINUS,
    MUL,
    NAME,
    NUM,
    PERCENT,
    PLUS,
    POW,
    ROOT,
    ROWSEP,
    RP,
    SEMI,
    SEP,
    SQRT,
    SUP,
    VAR,
    Token,
)
from grader.mathparse.limits import Limits
from grader.mathparse.nodes import Call, Const, Neg, Node, Num, Pow, Product, Sum, Var

FUNCTION_NAMES = {"sqrt": "sqrt", "exp": "exp", "ln": "ln", "log": "ln", "abs": "abs"}
CONSTANT_NAMES = {"pi": "pi"}
RESERVED_NAMES = frozenset(FUNCTION_NAMES) | frozenset(CONSTANT_NAMES)
_NOT_FINITE = {"nan", "inf", "infinity"}
_CLOSER = {"(": ")", "[": "]", "{": "}"}
_STARTS_OPERAND = frozenset({NUM, VAR, CONST, FUNC, ROOT, SQRT, FRAC, LP})


def describe(text: str, tok: Token) -> str:
    if tok.kind == EOF:
        return "the end of the answer"
    return f"'{text[tok.start:tok.end]}'"


def resolve_names(
    text: str,
    tokens: list[Token],
    variables: Sequence[str],
    *,
    times_x: bool = False,
    percent_word: bool = False,
) -> list[Token]:
    """Turn NAME tokens into VAR/FUNC/CONST (or × and % where the context allows them).

    An undeclared multi-letter name is split into declared variables only when every piece is one
    (`WHK` → W·H·K); otherwise it is an "unknown name" error that lists the variables.
    """
    declared = set(variables)
    out: list[Token] = []
    for tok in tokens:
        if tok.kind != NAME:
            out.append(tok)
            continue
        name: str = tok.value
        if name in declared:
            tok.kind = VAR
            out.append(tok)
        elif name in FUNCTION_NAMES:
            tok.kind, tok.value = FUNC, FUNCTION_NAMES[name]
            out.append(tok)
        elif name in CONSTANT_NAMES:
            tok.kind, tok.value = CONST, CONSTANT_NAMES[name]
            out.append(tok)
        elif name.lower() in _NOT_FINITE:
            raise AnswerError(f"'{name}' is not a finite number", text=text, start=tok.start, end=tok.end)
        elif times_x and name in ("x", "X"):
            tok.kind, tok.value = MUL, "cross"
            out.append(tok)
        elif percent_word and name.lower() == "percent":
            tok.kind, tok.value = PERCENT, None
            out.append(tok)
        else:
            pieces = None if tok.latex or "_" in name or tok.end - tok.start != len(name) else split_name(name, declared)
            if pieces is None:
                raise unknown_name(text, tok, name, variables)
            offset = tok.start
            for k, piece in enumerate(pieces):
                out.append(Token(VAR, piece, offset, offset + len(piece), tok.space if k == 0 else False, tok.newline if k == 0 else False))
                offset += len(piece)
    return out


def unknown_name(text: str, tok: Token, name: str, variables: Sequence[str]) -> AnswerError:
    shown = f"\\{name}" if tok.latex else name
    if not variables:
        return AnswerError(f"unexpected word '{shown}': only a number is expected here (digits, + - * / ^, sqrt, pi)", text=text, start=tok.start, end=tok.end)
    message = f"unknown name '{shown}'; the variables are {', '.join(variables)}"
    if any(v.lower() == name.lower() for v in variables) or all(c.lower() in {v.lower() for v in variables} for c in name):
        message += " (names are case-sensitive)"
    return AnswerError(message, text=text, start=tok.start, end=tok.end)


def split_name(name: str, declared: set[str]) -> list[str] | None:
    """Split `name` into declared variables (fewest pieces); None if impossible."""
    if not declared:
        return None
    longest = max(len(v) for v in declared)
    n = len(name)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        if best[i] is None:
            continue
        for length in range(1, min(longest, n - i) + 1):
            piece = name[i : i + length]
            if piece in declared:
                candidate = best[i] + [piece]  # type: ignore[operator]
                if best[i + length] is None or len(candidate) < len(best[i + length]):  # type: ignore[arg-type]
                    best[i + length] = candidate
    return best[n]


def check_brackets(text: str, tokens: Sequence[Token]) -> None:
    """Every bracket closed by its own kind, with the position of the first that is not."""
    stack: list[Token] = []
    for tok in tokens:
        if tok.kind == LP:
            stack.append(tok)
        elif tok.kind == RP:
            if not stack:
                closer = text[tok.start : tok.end]
                raise AnswerError(f"unbalanced '{closer}': no matching opening bracket", text=text, start=tok.start, end=tok.end)
            opener = stack.pop()
            if opener.value != tok.value:
                raise AnswerError(
                    f"'{text[opener.start:opener.end]}' is closed by '{text[tok.start:tok.end]}'; expected '{_CLOSER[opener.value]}'",
                    text=text, start=tok.start, end=tok.end,
                )
    if stack:
        opener = stack[-1]
        raise AnswerError(
            f"unbalanced '{text[opener.start:opener.end]}': no matching '{_CLOSER[opener.value]}'",
            text=text, start=opener.start, end=opener.end,
        )


class Parser:
    """One use per token list: `Parser(text, tokens, limits).parse()`."""

    __slots__ = ("text", "toks", "pos", "depth", "nodes", "limits")

    def __init__(self, text: str, tokens: list[Token], limits: Limits) -> None:
        self.text = text
        self.toks = tokens
        self.pos = 0
        self.depth = 0
        self.nodes = 0
        self.limits = limits

    # -- helpers ---------------------------------------------------------------------------
    def error(self, message: str, tok: Token) -> AnswerError:
        return AnswerError(message, text=self.text, start=tok.start, end=max(tok.end, tok.start + 1))

    def enter(self, tok: Token) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise LimitExceeded(
                f"nesting depth: more than {self.limits.max_depth} levels of brackets, signs or powers",
                text=self.text, start=tok.start, end=tok.end,
            )

    def count(self, n: int = 1) -> None:
        self.nodes += n
        if self.nodes > self.limits.max_nodes:
            tok = self.toks[min(self.pos, len(self.toks) - 1)]
            raise LimitExceeded(f"expression size: more than {self.limits.max_nodes} parts", text=self.text, start=tok.start, end=tok.end)

    # -- grammar ----------------------------------------------------------------------------
    def parse(self) -> Node:
        toks = self.toks
        if toks[0].kind == EOF:
            raise AnswerError("empty answer", text=self.text, start=0, end=0)
        node = self.expr()
        tok = toks[self.pos]
        if tok.kind != EOF:
            raise self.unexpected(tok)
        return node

    def unexpected(self, tok: Token) -> AnswerError:
        shown = describe(self.text, tok)
        kind = tok.kind
        if kind == COMMA:
            depth = sum(1 if t.kind == LP else -1 if t.kind == RP else 0 for t in self.toks[: self.pos])
            if depth > 0:
                return self.error("unexpected ',': a single value is expected here, not a list", tok)
            return self.error("unexpected ',': in a single value a comma may only group digits in threes (1,500); the decimal point is '.'", tok)
        if kind == RP:
            return self.error(f"unbalanced {shown}: no matching opening bracket", tok)
        if kind == PERCENT:
            return self.error("'%' may only come at the very end of a number answer", tok)
        if kind in (SEMI, AMP, ROWSEP, SEP):
            return self.error(f"unexpected {shown}: a single value is expected here, not a list or matrix", tok)
        return self.error(f"unexpected {shown}", tok)

    def expr(self) -> Node:
        first = self.term()
        tok = self.toks[self.pos]
        if tok.kind != PLUS and tok.kind != MINUS:
            return first
        terms: list[tuple[bool, Node]] = []
        _add(terms, False, first, Sum, "terms")
        while tok.kind == PLUS or tok.kind == MINUS:
            self.pos += 1
            node = self.term()
            _add(terms, tok.kind == MINUS, node, Sum, "terms")
            tok = self.toks[self.pos]
        self.count()
        return Sum(tuple(terms), span=(first.span[0], terms[-1][1].span[1]))

    def term(self) -> Node:
        first = self.unary()
        factors: list[tuple[bool, Node]] | None = None
        toks = self.toks
        while True:
            tok = toks[self.pos]
            kind = tok.kind
            if kind == MUL or kind == DIV:
                self.pos += 1
                if toks[self.pos].kind == EOF:
                    raise self.error(f"the answer ends after {describe(self.text, tok)}: expected a value", toks[self.pos])
                node = self.unary()
                divide = kind == DIV
            elif kind in _STARTS_OPERAND:
                if kind == NUM:
                    prev = toks[self.pos - 1]
                    raise self.error(
                        f"missing operator between {describe(self.text, prev)} and {describe(self.text, tok)}: write * between them",
                        tok,
                    )
                node = self.power()
                divide = False
            else:
                break
            if factors is None:
                factors = []
                _add(factors, False, first, Product, "factors")
            _add(factors, divide, node, Product, "factors")
        if factors is None:
            return first
        self.count()
        return Product(tuple(factors), span=(first.span[0], factors[-1][1].span[1]))

    def unary(self) -> Node:
        tok = self.toks[self.pos]
        if tok.kind == MINUS or tok.kind == PLUS:
            self.pos += 1
            self.enter(tok)
            operand = self.unary()
            self.depth -= 1
            if tok.kind == PLUS:
                return operand
            self.count()
            return Neg(operand, span=(tok.start, operand.span[1]))
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        tok = self.toks[self.pos]
        if tok.kind != POW:
            return base
        self.pos += 1
        if self.toks[self.pos].kind == EOF:
            raise self.error("the answer ends after '^': expected an exponent", self.toks[self.pos])
        self.enter(tok)
        exponent = self.unary()
        self.depth -= 1
        self.count()
        return Pow(base, exponent, span=(base.span[0], exponent.span[1]))

    def postfix(self) -> Node:
        node = self.atom()
        toks = self.toks
        entered = 0
        while toks[self.pos].kind == SUP:
            tok = toks[self.pos]
            self.pos += 1
            self.enter(tok)
            entered += 1
            value: int = tok.value
            exponent: Node = Num(Fraction(abs(value)), span=(tok.start, tok.end))
            if value < 0:
                exponent = Neg(exponent, span=(tok.start, tok.end))
                self.count()
            self.count(2)
            node = Pow(node, exponent, span=(node.span[0], tok.end))
        self.depth -= entered
        return node

    def atom(self) -> Node:
        tok = self.toks[self.pos]
        kind = tok.kind
        if kind == NUM:
            self.pos += 1
            self.count()
            value, canon = tok.value
            return Num(value, canon, span=(tok.start, tok.end))
        if kind == VAR:
            self.pos += 1
            self.count()
            return Var(tok.value, span=(tok.start, tok.end))
        if kind == CONST:
            self.pos += 1
            self.count()
            return Const(tok.value, span=(tok.start, tok.end))
        if kind == LP:
            return self.group()
        if kind == FUNC:
            self.pos += 1
            arg = self.argument(tok)
            self.count()
            return Call(tok.value, arg, span=(tok.start, self.toks[self.pos - 1].end))
        if kind == ROOT:
            self.pos += 1
            arg = self.argument(tok)
            return self.root(tok, arg, tok.value)
        if kind == SQRT:
            self.pos += 1
            index = 2
            nxt = self.toks[self.pos]
            if nxt.kind == LP and nxt.value == "[":
                index = self.root_index(nxt)
            arg = self.argument(tok)
            return self.root(tok, arg, index)
        if kind == FRAC:
            self.pos += 1
            self.enter(tok)
            numerator = self.frac_argument(tok, "numerator")
            denominator = self.frac_argument(tok, "denominator")
            self.depth -= 1
            self.count()
            factors: list[tuple[bool, Node]] = []
            _add(factors, False, numerator, Product, "factors")
            factors.append((True, denominator))
            return Product(tuple(factors), span=(tok.start, self.toks[self.pos - 1].end))
        if kind == EOF:
            prev = self.toks[self.pos - 1] if self.pos else tok
            after = f" after {describe(self.text, prev)}" if self.pos else ""
            raise self.error(f"the answer ends early{after}: expected a number, a name or '('", tok)
        if kind == RP:
            prev = self.toks[self.pos - 1] if self.pos else tok
            if prev.kind == LP:
                raise self.error("empty brackets: expected a value inside", prev)
            raise self.error(f"expected a value before {describe(self.text, tok)}", tok)
        if kind in (MUL, DIV, POW):
            raise self.error(f"expected a value before {describe(self.text, tok)}", tok)
        raise self.unexpected(tok)

    def group(self) -> Node:
        opener = self.toks[self.pos]
        self.pos += 1
        if self.toks[self.pos].kind == RP:
            raise self.error("empty brackets: expected a value inside", opener)
        self.enter(opener)
        inner = self.expr()
        self.depth -= 1
        closer = self.toks[self.pos]
        if closer.kind != RP:
            if closer.kind == EOF:
                raise self.error(f"unbalanced {describe(self.text, opener)}: no matching '{_CLOSER[opener.value]}'", opener)
            raise self.unexpected(closer)
        if closer.value != opener.value:
            raise self.error(f"{describe(self.text, opener)} is closed by {describe(self.text, closer)}", closer)
        self.pos += 1
        return inner

    def argument(self, func: Token) -> Node:
        """The operand of a function or root: a bracket group, or the following power."""
        tok = self.toks[self.pos]
        if tok.kind not in _STARTS_OPERAND:
            name = self.text[func.start : func.end]
            raise self.error(f"{describe(self.text, func)} needs a value after it, e.g. {name}(2)", tok if tok.kind != EOF else func)
        self.enter(func)
        arg = self.group() if tok.kind == LP else self.power()
        self.depth -= 1
        return arg

    def frac_argument(self, frac: Token, which: str) -> Node:
        tok = self.toks[self.pos]
        if tok.kind == LP:
            return self.group()
        if tok.kind in (NUM, VAR, CONST):
            return self.atom()
        raise self.error(f"\\frac needs a {which} in braces: \\frac{{a}}{{b}}", tok if tok.kind != EOF else frac)

    def root_index(self, opener: Token) -> int:
        toks = self.toks
        num, closer = toks[self.pos + 1], toks[self.pos + 2]
        if num.kind == NUM and closer.kind == RP and closer.value == "[":
            value = num.value[0]
            if value.denominator == 1 and 2 <= value <= self.limits.max_root:
                self.pos += 3
                return int(value)
        raise self.error(f"the root index in \\sqrt[n]{{...}} must be a whole number from 2 to {self.limits.max_root}", opener)

    def root(self, tok: Token, arg: Node, index: int) -> Node:
        span = (tok.start, self.toks[self.pos - 1].end)
        if index == 2:
            self.count()
            return Call("sqrt", arg, span=span)
        self.count(4)
        exponent = Product(((False, Num(Fraction(1), span=span)), (True, Num(Fraction(index), span=span))), span=span)
        return Pow(arg, exponent, span=span)


def _add(items: list[tuple[bool, Node]], inverse: bool, node: Node, kind: type, attr: str) -> None:
    """Append to a Sum's terms / Product's factors, flattening a same-kind child that is not inverted."""
    if not inverse and type(node) is kind:
        items.extend(getattr(node, attr))
    else:
        items.append((inverse, node))


def parse_tokens(text: str, tokens: list[Token], limits: Limits) -> Node:
    check_brackets(text, tokens)
    return Parser(text, tokens, limits).parse()
