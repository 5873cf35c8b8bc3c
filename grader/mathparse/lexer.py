"""Tokenizer for student math: plain text, Unicode and a LaTeX subset, Persian/Arabic digits.

Tokens carry `start`/`end` indices into the student's ORIGINAL text; nothing is normalised before
lexing, each token is normalised on its own (Persian digits, `−`, `×`, `\\cdot`...), so an error
can always point at what the student typed.

Numbers: digits may be ASCII, Persian (۰-۹), Arabic-Indic (٠-٩) or full-width; the decimal point
is `.` or `٫`; thousands separators `,`/`٬` (and, in a single value, a space) must separate groups
of three digits. In list contexts (`groups=False`) a comma or a space ends a number instead.
Exponent: `7.3856e4`, `1E+5`.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from grader.errors import AnswerError, LimitExceeded
from grader.mathparse.limits import Limits

# token kinds
NUM = "number"
NAME = "name"
VAR = "variable"
CONST = "constant"
FUNC = "function"
PLUS = "+"
MINUS = "-"
MUL = "*"
DIV = "/"
POW = "^"
LP = "("
RP = ")"
COMMA = ","
SEMI = ";"
PERCENT = "%"
SUP = "superscript"
ROOT = "root"
SQRT = "\\sqrt"
FRAC = "\\frac"
AMP = "&"
ROWSEP = "\\\\"
SEP = "separator"  # list separators decided by the list reader (x, ×, by, *)
EOF = "end"

FLOAT_MAX = Fraction(1.7976931348623157e308)


class Token:
    __slots__ = ("kind", "value", "start", "end", "space", "newline", "latex")

    def __init__(self, kind: str, value: Any, start: int, end: int, space: bool = False, newline: bool = False, latex: bool = False) -> None:
        self.kind = kind
        self.value = value
        self.start = start
        self.end = end
        self.space = space  # whitespace right before this token
        self.newline = newline  # ...and it held a line break
        self.latex = latex  # a NAME that came from a LaTeX command (\alpha)

    def __repr__(self) -> str:
        return f"Token({self.kind!r}, {self.value!r}, {self.start}, {self.end})"


def _digit_table() -> dict[str, int]:
    table = {}
    for base in (ord("0"), 0x06F0, 0x0660, 0xFF10):  # ASCII, Persian, Arabic-Indic, full-width
        for d in range(10):
            table[chr(base + d)] = d
    return table


DIGITS = _digit_table()
_DECIMAL_POINTS = ".٫"
_COMMA_SEPARATORS = ",٬"  # ٬ is the Arabic thousands separator (never a list separator)
_GROUP_SPACES = " \u00a0\u2007\u2009\u202f"

# Ignored like a space: bidi and zero-width marks, NBSP and other spaces, BOM, tatweel, $...$
_SPACE = set(" \t\r\n\f\v\u00a0\u00ad\u061c\u0640\u1680\u2028\u2029\u205f\u2060\u2061\u2062\u2063\u2064\u3000\ufeff$`")
_SPACE.update(chr(c) for c in range(0x2000, 0x2010))  # en quad..RLM (incl. ZWSP, ZWNJ, ZWJ, LRM, RLM)
_SPACE.update(chr(c) for c in range(0x202A, 0x2030))  # LRE..RLO, NNBSP
_SPACE.update(chr(c) for c in range(0x2066, 0x206A))  # isolates
_NEWLINES = "\n\r\u2028\u2029"

_SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-", "⁺": "+"}

_CHARS: dict[str, tuple[str, Any]] = {}
for _c in "+＋":
    _CHARS[_c] = (PLUS, None)
for _c in "-−–—‐‑‒﹣－":
    _CHARS[_c] = (MINUS, None)
for _c in "×✕✖⨯":
    _CHARS[_c] = (MUL, "cross")
for _c in "·⋅∗•∙":
    _CHARS[_c] = (MUL, "dot")
for _c in "/÷∕⁄／":
    _CHARS[_c] = (DIV, None)
for _c, _v in (("(", "("), ("[", "["), ("{", "{"), ("（", "("), ("［", "["), ("｛", "{")):
    _CHARS[_c] = (LP, _v)
for _c, _v in ((")", "("), ("]", "["), ("}", "{"), ("）", "("), ("］", "["), ("｝", "{")):
    _CHARS[_c] = (RP, _v)
for _c in ",،，٬":
    _CHARS[_c] = (COMMA, None)
for _c in ";؛；":
    _CHARS[_c] = (SEMI, None)
for _c in "%٪％":
    _CHARS[_c] = (PERCENT, None)
_CHARS["^"] = (POW, None)
_CHARS["√"] = (ROOT, 2)
_CHARS["∛"] = (ROOT, 3)
_CHARS["∜"] = (ROOT, 4)
_CHARS["π"] = (CONST, "pi")
_CHARS["&"] = (AMP, None)

_BAD_CHARS = {
    "∞": "∞ is not a finite number",
    "…": "the answer is summarised with '…'; write every value",
    "±": "± gives two values; write one value",
    "∓": "∓ gives two values; write one value",
    "=": "write only the answer, without '='",
    "≈": "write only the value, without '≈'",
    "~": "write only the value, without '~'",
    "|": "use abs(...) for an absolute value",
    "!": "factorials are not supported; write the product",
}

_LATEX_SPACE = {
    "quad", "qquad", "enspace", "thinspace", "medspace", "thickspace", "negthinspace", "negmedspace",
    "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
    "Biggl", "Biggr", "displaystyle", "textstyle", "limits", "nolimits", "mathrm", "mathit",
    "mathbf", "mathsf", "boldsymbol", "text", "textrm", "textit", "operatorname", "mbox",
}
_LATEX_WRAPPERS = {"mathrm", "mathit", "mathbf", "mathsf", "boldsymbol", "text", "textrm", "textit", "operatorname", "mbox"}
_LATEX_TOKENS: dict[str, tuple[str, object]] = {
    "cdot": (MUL, "dot"),
    "ast": (MUL, "dot"),
    "centerdot": (MUL, "dot"),
    "bullet": (MUL, "dot"),
    "times": (MUL, "cross"),
    "div": (DIV, None),
    "frac": (FRAC, None),
    "dfrac": (FRAC, None),
    "tfrac": (FRAC, None),
    "cfrac": (FRAC, None),
    "sqrt": (SQRT, None),
    "pi": (CONST, "pi"),
    "ln": (FUNC, "ln"),
    "log": (FUNC, "ln"),
    "exp": (FUNC, "exp"),
}
_LATEX_BAD = {
    "cdots": "the answer is summarised with '\\cdots'; write every value",
    "ldots": "the answer is summarised with '\\ldots'; write every value",
    "dots": "the answer is summarised with '\\dots'; write every value",
    "vdots": "the answer is summarised with '\\vdots'; write every value",
    "ddots": "the answer is summarised with '\\ddots'; write every value",
    "infty": "\\infty is not a finite number",
    "pm": "\\pm gives two values; write one value",
    "mp": "\\mp gives two values; write one value",
    "approx": "write only the value, without '\\approx'",
    "begin": "a LaTeX environment (\\begin{...}) is read only in matrix answers",
    "end": "a LaTeX environment (\\end{...}) is read only in matrix answers",
}


def is_letter(ch: str) -> bool:
    if ch.isascii():
        return ch.isalpha()
    return ("\u0391" <= ch <= "\u03a9" or "\u03b1" <= ch <= "\u03c9") and ch != "π"


def tokenize(text: str, *, limits: Limits, start: int = 0, end: int | None = None, groups: bool = True) -> list[Token]:
    """Tokens of `text[start:end]` (indices stay those of `text`), ending with an EOF token."""
    n = len(text) if end is None else end
    tokens: list[Token] = []
    append = tokens.append
    i = start
    space = newline = False
    while i < n:
        ch = text[i]
        if ch in _SPACE:
            space = True
            if ch in _NEWLINES:
                newline = True
            i += 1
            continue
        if ch in DIGITS or (ch in _DECIMAL_POINTS and i + 1 < n and text[i + 1] in DIGITS):
            j, value, canon = _number(text, i, n, groups, limits)
            append(Token(NUM, (value, canon), i, j, space, newline))
            i = j
        elif is_letter(ch):
            j = i + 1
            while j < n and is_letter(text[j]):
                j += 1
            name = text[i:j]
            if j < n and text[j] == "_":
                j, sub = _subscript(text, j, n)
                name = f"{name}_{sub}"
            append(Token(NAME, name, i, j, space, newline))
            i = j
        elif ch == "\\":
            i, tok = _command(text, i, n)
            if tok is None:
                space = True
                continue
            tok.space, tok.newline = space, newline
            append(tok)
        elif ch == "*":
            if i + 1 < n and text[i + 1] == "*":
                append(Token(POW, None, i, i + 2, space, newline))
                i += 2
            else:
                append(Token(MUL, "dot", i, i + 1, space, newline))
                i += 1
        elif ch in _CHARS:
            kind, value = _CHARS[ch]
            append(Token(kind, value, i, i + 1, space, newline))
            i += 1
        elif ch in _SUPERSCRIPTS:
            j = i
            while j < n and text[j] in _SUPERSCRIPTS:
                j += 1
            raw = "".join(_SUPERSCRIPTS[c] for c in text[i:j])
            sign, digits = (raw[0], raw[1:]) if raw[0] in "+-" else ("", raw)
            if not digits.isdigit() or len(digits) > 6:
                shown = text[i:j] if j - i <= 8 else text[i : i + 8] + "…"
                raise AnswerError(f"the superscript '{shown}' is not a whole number of at most 6 digits", text=text, start=i, end=j)
            append(Token(SUP, int(sign + digits), i, j, space, newline))
            i = j
        elif ch in _BAD_CHARS:
            raise AnswerError(_BAD_CHARS[ch], text=text, start=i, end=i + 1)
        elif ch == "." and text.startswith("...", i):
            raise AnswerError("the answer is summarised with '...'; write every value", text=text, start=i, end=i + 3)
        else:
            raise AnswerError(f"unexpected character {_show_char(ch)}", text=text, start=i, end=i + 1)
        space = newline = False
    tokens.append(Token(EOF, None, n, n, space, newline))
    return tokens


def _show_char(ch: str) -> str:
    if ch.isprintable():
        return f"'{ch}'"
    return f"U+{ord(ch):04X}"


def _subscript(text: str, j: int, n: int) -> tuple[int, str]:
    """`_1`, `_in`, `_{in}` after a name; returns the index after it and the subscript."""
    k = j + 1
    if k < n and text[k] == "{":
        m = k + 1
        while m < n and (text[m].isascii() and text[m].isalnum()):
            m += 1
        if m < n and text[m] == "}" and m > k + 1:
            return m + 1, text[k + 1 : m]
    else:
        m = k
        while m < n and (text[m].isascii() and text[m].isalnum()):
            m += 1
        if m > k:
            return m, text[k:m]
    raise AnswerError("a subscript needs letters or digits after '_', e.g. n_1", text=text, start=j, end=j + 1)


def _command(text: str, i: int, n: int) -> tuple[int, Token | None]:
    """A LaTeX command at text[i] == '\\'; None for one that only spaces or delimits."""
    if i + 1 >= n:
        raise AnswerError("a lone '\\' at the end", text=text, start=i, end=i + 1)
    ch = text[i + 1]
    if not (ch.isascii() and ch.isalpha()):
        j = i + 2
        if ch in ",:;! \u00a0>" or ch in "()[]":
            return j, None  # spacing, or the \( \) \[ \] math delimiters
        if ch == "{":
            return j, Token(LP, "{", i, j)
        if ch == "}":
            return j, Token(RP, "{", i, j)
        if ch == "%":
            return j, Token(PERCENT, None, i, j)
        if ch == "\\":
            return j, Token(ROWSEP, None, i, j)
        raise AnswerError(f"unexpected '\\{ch}'", text=text, start=i, end=j)
    j = i + 1
    while j < n and text[j].isascii() and text[j].isalpha():
        j += 1
    name = text[i + 1 : j]
    if name in _LATEX_WRAPPERS:
        # \mathrm{W}, \text{ percent}, \operatorname{abs}: a word in braces is a name
        k = j
        while k < n and text[k] == " ":
            k += 1
        if k < n and text[k] == "{":
            close = text.find("}", k + 1)
            word = text[k + 1 : close].strip() if close > 0 else ""
            if word and all(is_letter(c) for c in word):
                return close + 1, Token(NAME, word, k + 1, close)
        return j, None
    if name in _LATEX_SPACE:
        if name in ("left", "right") and j < n and text[j] == ".":
            j += 1  # \left. and \right. are empty delimiters
        return j, None
    if name in _LATEX_TOKENS:
        kind, value = _LATEX_TOKENS[name]
        return j, Token(kind, value, i, j)
    if name in _LATEX_BAD:
        raise AnswerError(_LATEX_BAD[name], text=text, start=i, end=j)
    return j, Token(NAME, name, i, j, latex=True)


_FAST_NUMBER = re.compile(r"([0-9]{1,300})(?:\.([0-9]{0,300}))?")
_SLOW_NEXT = set(DIGITS) | set(_DECIMAL_POINTS) | set("eE٬")


def _number(text: str, i: int, n: int, groups: bool, limits: Limits) -> tuple[int, Fraction, str]:
    """Read one number literal at text[i]; return (end, exact value, canonical text)."""
    fast = _FAST_NUMBER.match(text, i, n)
    if fast:
        j = fast.end()
        following = text[j] if j < n else ""
        if following not in _SLOW_NEXT and not (groups and (following == "," or following in _GROUP_SPACES)):
            whole, fraction = fast.group(1), (fast.group(2) or "").rstrip("0")
            value = Fraction(int(whole + fraction), 10 ** len(fraction)) if fraction else Fraction(int(whole))
            return j, value, (whole.lstrip("0") or "0") + ("." + fraction if fraction else "")
    start = i
    runs: list[str] = []
    separators: list[str] = []
    j = i
    run_start = j
    while j < n and text[j] in DIGITS:
        j += 1
    runs.append(text[run_start:j])
    while j + 1 < n:
        c = text[j]
        if c in _COMMA_SEPARATORS and text[j + 1] in DIGITS and (groups or c == "٬"):
            if separators and separators[-1] in _GROUP_SPACES:
                break
            separators.append(c)
        elif (
            groups
            and c in _GROUP_SPACES
            and not any(s in _COMMA_SEPARATORS for s in separators)
            and _valid_groups(runs)
            and j + 4 <= n
            and all(text[k] in DIGITS for k in range(j + 1, j + 4))
            and (j + 4 == n or text[j + 4] not in DIGITS)
        ):
            separators.append(c)
        else:
            break
        j += 1
        run_start = j
        while j < n and text[j] in DIGITS:
            j += 1
        runs.append(text[run_start:j])
    if separators and not _valid_groups(runs):
        sep = next((s for s in separators if s in _COMMA_SEPARATORS), separators[0])
        shown = text[start:j]
        if sep == "٬":
            hint = "'٬' must separate groups of three digits (۱٬۵۰۰) and the decimal point is '٫' or '.'"
        elif sep in _GROUP_SPACES:
            hint = "a space may only separate groups of three digits (1 500)"
        else:
            hint = "a comma must separate groups of three digits (1,500) and the decimal point is '.'"
            if len(runs) == 2 and runs[0] and runs[1]:  # one comma: most likely a decimal comma
                hint += f": did you mean {runs[0]}.{runs[1]}?"
        raise AnswerError(f"'{shown}' is not a number: {hint}", text=text, start=start, end=j)
    fraction = ""
    if j < n and text[j] in _DECIMAL_POINTS:
        if j + 1 < n and text[j + 1] in _DECIMAL_POINTS:
            raise AnswerError("two decimal points in a row", text=text, start=j, end=j + 2)
        j += 1
        frac_start = j
        while j < n and text[j] in DIGITS:
            j += 1
        fraction = text[frac_start:j]
        if j < n and text[j] in _DECIMAL_POINTS and j + 1 < n and text[j + 1] in DIGITS:
            raise AnswerError(f"'{text[start:j + 2]}…' has two decimal points", text=text, start=start, end=j + 1)
    exponent = 0
    has_exponent = False
    if j < n and text[j] in "eE":
        k = j + 1
        if k < n and text[k] in "+-−":
            k += 1
        if k < n and text[k] in DIGITS:
            exp_start = k
            while k < n and text[k] in DIGITS:
                k += 1
            digits = "".join(str(DIGITS[c]) for c in text[exp_start:k]).lstrip("0") or "0"
            if len(digits) > 6 or int(digits) > limits.max_exponent:
                raise LimitExceeded(
                    f"exponent size: '{text[start:k]}' has an exponent beyond the limit of ±{limits.max_exponent}",
                    text=text, start=start, end=k,
                )
            exponent = int(digits) * (-1 if text[j + 1] in "-−" else 1)
            has_exponent = True
            j = k
    int_digits = "".join(str(DIGITS[c]) for run in runs for c in run)
    frac_digits = "".join(str(DIGITS[c]) for c in fraction)
    if len(int_digits.lstrip("0")) > limits.max_literal_digits or len(frac_digits) > limits.max_literal_digits:
        raise LimitExceeded(f"number size: '{text[start:j][:40]}…' has too many digits", text=text, start=start, end=j)
    value = Fraction(int(int_digits or "0") * 10 ** len(frac_digits) + int(frac_digits or "0"), 10 ** len(frac_digits))
    if exponent:
        value *= Fraction(10) ** exponent
    if value > FLOAT_MAX:
        raise LimitExceeded(f"number size: '{text[start:j]}' is beyond ±1.8e308", text=text, start=start, end=j)
    mantissa = (int_digits.lstrip("0") or "0") + ("." + frac_digits.rstrip("0") if frac_digits.rstrip("0") else "")
    canon = mantissa + (f"e{exponent}" if has_exponent and exponent else "")
    return j, value, canon


def _valid_groups(runs: list[str]) -> bool:
    """1-3 digits (no leading 0 unless alone... and then no groups), then groups of exactly three."""
    if len(runs) == 1:
        return True
    first = runs[0]
    if not 1 <= len(first) <= 3 or DIGITS[first[0]] == 0:
        return False
    return all(len(run) == 3 for run in runs[1:])
