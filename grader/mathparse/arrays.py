"""Matrices and tensors: nested lists from YAML, or text in the forms students paste.

Text forms (all read by this module's own code, nothing is evaluated):

- nested lists `[[1, 0], [0, 0]]` (any depth), entries separated by commas or spaces;
- MATLAB/Octave `[1 0 0; 0 0 0]` (`;` or a line break ends a row; `[1 -1]` is two entries,
  `[1 - 1]` one);
- NumPy/PyTorch printouts `array([[1., 0.], [0., 0.]])`, `tensor([...], dtype=torch.float64)`,
  and `print(array)` output `[[1. 0.]\\n [0. 0.]]`;
- LaTeX `\\begin{bmatrix} 1 & 0 \\\\ 0 & 0 \\end{bmatrix}` (also pmatrix, Bmatrix, vmatrix, matrix).

Entries are numbers in any accepted spelling, or arithmetic on them (`1/4`, `-0.5`, `۱/۲`,
`\\frac{1}{2}`). Ragged lists are invalid, with the position of the offending row.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any, Union

from grader.errors import AnswerError, LimitExceeded
from grader.mathparse.evaluate import evaluate
from grader.mathparse.lexer import AMP, COMMA, EOF, LP, MINUS, NUM, PLUS, ROWSEP, RP, SEMI, Token, tokenize
from grader.mathparse.limits import DEFAULT_LIMITS, Limits
from grader.mathparse.parser import check_brackets, parse_tokens, resolve_names
from grader.mathparse.scalar import check_length, check_magnitude

Number = Union[Fraction, float]  # noqa: UP007 - evaluated at import: the student kit runs on Python 3.9
Nested = Any  # a Number, or a list of Nested with a common shape

_CALL = re.compile(r"\s*(?:(?:np|numpy|torch)\s*\.\s*)?(?:array|asarray|tensor|matrix|Tensor)\s*\(")
_KWARGS = re.compile(r"\s*(?:,\s*[A-Za-z_]\w*\s*=\s*[^,()=]*)*,?\s*\)\s*")
_BEGIN = re.compile(r"\\begin\s*\{\s*([a-zA-Z]*matrix|array)\s*\}(\s*\{[lcr|]*\})?")
# operand ends / starts, for telling `[1 -1]` (two entries) from `[1 - 1]` (one)
_ENDS = frozenset({NUM, RP, "constant", "variable", "superscript"})
_STARTS = frozenset({NUM, LP, "constant", "function", "root", "\\sqrt", "\\frac"})


def parse_matrix(text: str, *, limits: Limits = DEFAULT_LIMITS) -> Nested:
    """Nested lists of numbers (`Fraction` when exact, else float) read from `text`."""
    if not isinstance(text, str):
        raise AnswerError(f"expected a matrix as text, got a {type(text).__name__}")
    check_length(text, limits.max_matrix_chars, "matrix")
    begin = _BEGIN.search(text)
    if begin:
        return _latex(text, begin, limits)
    start, end = 0, len(text)
    call = _CALL.match(text)
    if call:
        start = call.end()
        close = _list_end(text, start)
        if close < 0 or not _KWARGS.fullmatch(text, close):
            raise AnswerError(
                f"could not read '{text[call.start():call.end()].strip()}...)': expected a list in brackets and only keyword arguments after it",
                text=text, start=call.start(), end=call.end(),
            )
        end = close
    tokens = tokenize(text, limits=limits, start=start, end=end, groups=False)
    check_brackets(text, tokens)
    return _Reader(text, tokens, limits).read()


def shape_of(value: Nested) -> tuple[int, ...]:
    shape: list[int] = []
    while isinstance(value, list):
        shape.append(len(value))
        if not value:
            break
        value = value[0]
    return tuple(shape)


def _list_end(text: str, start: int) -> int:
    """Index just after the bracket that closes the first '[' at or after `start`, else -1."""
    i = text.find("[", start)
    if i < 0 or text[start:i].strip():
        return -1
    depth = 0
    for k in range(i, len(text)):
        c = text[k]
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return k + 1
    return -1


class _Frame:
    __slots__ = ("opener", "items", "rows", "entry", "entry_depth", "seps")

    def __init__(self, opener: Token | None) -> None:
        self.opener = opener
        self.items: list[tuple[Nested, tuple[int, ...], int, int]] = []  # value, shape, start, end
        self.rows: list[tuple[list[tuple[Nested, tuple[int, ...], int, int]], int, int]] | None = None
        self.entry: list[Token] = []
        self.entry_depth = 0  # open ( or { inside the current entry
        self.seps = 0


class _Reader:
    def __init__(self, text: str, tokens: list[Token], limits: Limits) -> None:
        self.text = text
        self.tokens = tokens
        self.limits = limits
        self.count = 0

    def error(self, message: str, start: int, end: int) -> AnswerError:
        return AnswerError(message, text=self.text, start=start, end=end)

    def read(self) -> Nested:
        tokens = self.tokens
        if tokens[0].kind == EOF:
            raise self.error("empty answer", 0, 0)
        root = _Frame(None)
        stack = [root]
        for index, tok in enumerate(tokens):
            frame = stack[-1]
            kind = tok.kind
            if kind == EOF:
                break
            if frame.entry_depth == 0:
                if kind == LP and tok.value == "[":
                    if frame.entry:
                        raise self.error("a list cannot follow a number without a separator", tok.start, tok.end)
                    if len(stack) > self.limits.max_depth:
                        raise LimitExceeded(f"nesting depth: more than {self.limits.max_depth} levels of brackets", text=self.text, start=tok.start, end=tok.end)
                    stack.append(_Frame(tok))
                    continue
                if kind == RP and tok.value == "[":
                    self.end_entry(frame)
                    stack.pop()
                    value, shape = self.finish(frame, tok)
                    stack[-1].items.append((value, shape, frame.opener.start, tok.end))  # type: ignore[union-attr]
                    continue
                if kind == COMMA:
                    if not frame.entry and (not frame.items or frame.seps >= len(frame.items)):
                        raise self.error("empty entry before ','", tok.start, tok.end)
                    self.end_entry(frame)
                    frame.seps = len(frame.items)
                    continue
                if kind == SEMI:
                    self.end_entry(frame)
                    self.end_row(frame)
                    continue
                if kind in (AMP, ROWSEP):
                    raise self.error(f"unexpected '{self.text[tok.start:tok.end]}' outside \\begin{{bmatrix}}...\\end{{bmatrix}}", tok.start, tok.end)
                if frame.entry and tok.space and self.starts_new_entry(frame.entry[-1], tok, tokens[index + 1]):
                    self.end_entry(frame)
                    if tok.newline:
                        self.end_row(frame)
            if kind == LP:
                frame.entry_depth += 1
            elif kind == RP:
                frame.entry_depth -= 1
            frame.entry.append(tok)
        root = stack[0]
        self.end_entry(root)
        if root.rows is None and len(root.items) == 1 and root.seps == 0:
            return root.items[0][0]  # one list, or one number
        value, _shape = self.finish(root, tokens[-1])
        return value

    @staticmethod
    def starts_new_entry(last: Token, tok: Token, following: Token) -> bool:
        """Whitespace between `last` and `tok` separates entries (MATLAB's rule)."""
        if last.kind not in _ENDS:
            return False
        if tok.kind in _STARTS:
            return True
        return tok.kind in (MINUS, PLUS) and not following.space and following.kind in _STARTS

    def end_entry(self, frame: _Frame) -> None:
        if not frame.entry:
            return  # nothing pending (also after a trailing comma: [1, 2,])
        entry = frame.entry
        frame.entry = []
        frame.entry_depth = 0
        frame.items.append((self.number(entry), (), entry[0].start, entry[-1].end))
        self.count += 1
        if self.count > self.limits.max_elements:
            raise LimitExceeded(f"element count: more than {self.limits.max_elements:,} entries", text=self.text, start=entry[0].start, end=entry[-1].end)

    def end_row(self, frame: _Frame) -> None:
        if frame.rows is None:
            frame.rows = []
        if frame.items:
            start, end = frame.items[0][2], frame.items[-1][3]
            frame.rows.append((frame.items, start, end))
        frame.items = []
        frame.seps = 0

    def number(self, entry: list[Token]) -> Number:
        first = entry[0]
        if len(entry) == 1 and first.kind == NUM:
            return first.value[0]  # type: ignore[no-any-return]
        if len(entry) == 2 and first.kind == MINUS and entry[1].kind == NUM:
            return -entry[1].value[0]  # type: ignore[no-any-return]
        end = entry[-1].end
        tokens = resolve_names(self.text, entry + [Token(EOF, None, end, end)], ())
        node = parse_tokens(self.text, tokens, self.limits)
        value = evaluate(node, {}, self.limits, text=self.text)
        check_magnitude(value, self.text, (entry[0].start, end))
        return value

    def finish(self, frame: _Frame, closer: Token) -> tuple[Nested, tuple[int, ...]]:
        """The frame's value and shape; ragged rows are an error at the offending row."""
        if frame.rows is not None:
            if frame.items:
                self.end_row(frame)
            rows = [(list(items), start, end) for items, start, end in frame.rows]
            if not rows:
                return [], (0,)
            for items, _, _ in rows:
                for _, shape, s, e in items:
                    if shape:
                        raise self.error("a row separated by ';' may hold only numbers", s, e)
            width = len(rows[0][0])
            for number, (items, start, end) in enumerate(rows[1:], 2):
                if len(items) != width:
                    raise self.error(f"ragged matrix: row {number} has {len(items)} entr{'y' if len(items) == 1 else 'ies'} but row 1 has {width}", start, end)
            return [[v for v, _, _, _ in items] for items, _, _ in rows], (len(rows), width)
        items = frame.items
        if not items:
            return [], (0,)
        first_shape = items[0][1]
        for index, (_, shape, start, end) in enumerate(items[1:], 1):
            if shape != first_shape:
                raise self.error(f"ragged list: item {index + 1} is {_what(shape)} but item 1 is {_what(first_shape)}", start, end)
        return [v for v, _, _, _ in items], (len(items),) + first_shape


def _dims(shape: tuple[int, ...]) -> str:
    return "×".join(str(s) for s in shape)


def _what(shape: tuple[int, ...]) -> str:
    if not shape:
        return "a number"
    if len(shape) == 1:
        return f"a list of {shape[0]}"
    return f"a {_dims(shape)} list"


def _latex(text: str, begin: re.Match[str], limits: Limits) -> Nested:
    env = begin.group(1)
    end = re.compile(r"\\end\s*\{\s*" + re.escape(env) + r"\s*\}").search(text, begin.end())
    if end is None:
        raise AnswerError(f"\\begin{{{env}}} has no \\end{{{env}}}", text=text, start=begin.start(), end=begin.end())
    for a, b in ((0, begin.start()), (end.end(), len(text))):
        outside = tokenize(text, limits=limits, start=a, end=b)
        stray = [t for t in outside if t.kind not in (EOF, LP, RP)]
        if stray:
            raise AnswerError("only the matrix is expected, nothing before or after it", text=text, start=stray[0].start, end=stray[0].end)
    tokens = tokenize(text, limits=limits, start=begin.end(), end=end.start(), groups=False)
    check_brackets(text, tokens)
    rows: list[tuple[list[Number], int, int]] = []
    row: list[Number] = []
    entry: list[Token] = []
    row_start = begin.end()
    count = 0
    reader = _Reader(text, [], limits)
    for tok in tokens:
        if tok.kind in (AMP, ROWSEP, EOF):
            if entry:
                row.append(reader.number(entry))
                count += 1
                if count > limits.max_elements:
                    raise LimitExceeded(f"element count: more than {limits.max_elements:,} entries", text=text, start=tok.start, end=tok.end)
            elif tok.kind == AMP or row:
                raise AnswerError("empty matrix entry", text=text, start=tok.start, end=tok.end)
            entry = []
            if tok.kind != AMP:
                if row:
                    rows.append((row, row_start, tok.start))
                row = []
                row_start = -1
            continue
        if tok.kind in (COMMA, SEMI):
            raise AnswerError(f"unexpected '{text[tok.start:tok.end]}' in a LaTeX matrix: separate entries with & and rows with \\\\", text=text, start=tok.start, end=tok.end)
        if row_start < 0 or (not row and not entry):
            row_start = tok.start
        entry.append(tok)
    if not rows:
        raise AnswerError("empty matrix", text=text, start=begin.start(), end=end.end())
    width = len(rows[0][0])
    for number, (items, start, stop) in enumerate(rows[1:], 2):
        if len(items) != width:
            raise AnswerError(f"ragged matrix: row {number} has {len(items)} entr{'y' if len(items) == 1 else 'ies'} but row 1 has {width}", text=text, start=start, end=stop)
    return [items for items, _, _ in rows]


# Python values (YAML/JSON lists, reference outputs) --------------------------------------------


def nested_from_raw(raw: Any, *, limits: Limits = DEFAULT_LIMITS) -> Nested:
    """Validate a nested Python list from an answer file: numbers (or number strings) in a
    rectangular nesting, counted while walking so a huge list fails fast. Ints and floats are
    kept as given; strings are read like any number answer (exact `Fraction` where possible)."""
    counter = [0]
    value, _shape = _walk(raw, (), 0, counter, limits)
    return value


def _path(path: tuple[int, ...]) -> str:
    return "".join(f"[{i}]" for i in path) or "the answer"


def _walk(raw: Any, path: tuple[int, ...], depth: int, counter: list[int], limits: Limits) -> tuple[Nested, tuple[int, ...]]:
    if depth > limits.max_depth:
        raise LimitExceeded(f"nesting depth: more than {limits.max_depth} levels of lists at {_path(path)}")
    if isinstance(raw, (list, tuple)):
        if len(raw) > limits.max_elements:
            raise LimitExceeded(f"element count: {_path(path)} has {len(raw):,} items; the limit is {limits.max_elements:,} entries")
        values = []
        first_shape: tuple[int, ...] | None = None
        for index, item in enumerate(raw):
            value, shape = _walk(item, path + (index,), depth + 1, counter, limits)
            if first_shape is None:
                first_shape = shape
            elif shape != first_shape:
                raise AnswerError(f"ragged list: {_path(path + (index,))} is {_what(shape)} but {_path(path + (0,))} is {_what(first_shape)}")
            values.append(value)
        return values, (len(raw),) + (first_shape or ())
    counter[0] += 1
    if counter[0] > limits.max_elements:
        raise LimitExceeded(f"element count: more than {limits.max_elements:,} entries")
    t = type(raw)
    if t is float and math.isfinite(raw):
        return raw, ()  # kept as the float it is: matrices are compared in floating point
    if t is int and raw.bit_length() <= 1024:
        return raw, ()
    return scalar_from_raw(raw, where=_path(path), limits=limits), ()


def scalar_from_raw(raw: Any, *, where: str = "the answer", limits: Limits = DEFAULT_LIMITS) -> Number:
    """One number from a YAML scalar: int, float or a string in any accepted number form."""
    if isinstance(raw, bool):
        raise AnswerError(f"expected a number at {where}, got {str(raw).lower()}")
    if isinstance(raw, int):
        if raw.bit_length() > 1024:
            raise LimitExceeded(f"number size: the number at {where} is beyond ±1.8e308")
        return Fraction(raw)
    if isinstance(raw, Fraction):
        return raw
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise AnswerError(f"expected a finite number at {where}, got {raw}")
        return Fraction(repr(raw)) if abs(raw) < 1e300 else raw
    if isinstance(raw, str):
        from grader.mathparse.scalar import parse_number

        try:
            return parse_number(raw, limits=limits).value
        except AnswerError as exc:
            if where != "the answer":
                exc.message = f"{where}: {exc.message}"
                exc.args = (exc.message,)
            raise
    raise AnswerError(f"expected a number at {where}, got a {type(raw).__name__}")
