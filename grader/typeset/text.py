"""Small string helpers for reports: numbers, compact answers and right-to-left text.

Pure standard library, so the view model (and `grade --help`) never pays for Jinja2 or
WeasyPrint. Everything here works on untrusted student text and only ever returns plain
strings: escaping is the template engine's job, never ours.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

ELLIPSIS = "…"

# Bidi embedding/override/isolate controls: a student could use them to reorder what the report
# shows ("‮" flips the rest of the line). Dropped from untrusted text. ZWNJ (U+200C), which
# Persian spelling needs, is kept.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_OPENERS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}
_LONG_FRAGMENT = 40  # Latin fragments longer than this may wrap inside Persian text


@dataclass(frozen=True)
class Segment:
    """A run of text; `ltr` runs are isolated left-to-right inside right-to-left text."""

    text: str
    ltr: bool = False
    nowrap: bool = False


@dataclass(frozen=True)
class Text:
    """Text that may be right-to-left, pre-split so templates can isolate its Latin fragments."""

    segments: tuple[Segment, ...]
    rtl: bool = False

    @property
    def plain(self) -> str:
        return "".join(s.text for s in self.segments)


def fmt_points(value: float | None, signed: bool = False) -> str:
    """1.0 -> "1", 0.5 -> "0.5", 83.3333 -> "83.33"; `signed` adds "+" (and uses a real minus)."""
    if value is None or not math.isfinite(value):
        return "—"
    rounded = round(value, 2)
    if rounded == 0:
        rounded = 0.0  # no "-0"
    text = f"{rounded:.2f}".rstrip("0").rstrip(".")
    if signed:
        text = ("+" + text) if rounded >= 0 else ("−" + text[1:])
    return text


# Category Cc is exactly U+0000-U+001F and U+007F-U+009F (fixed by Unicode's stability policy);
# all of them but the line feed are dropped, in one `str.translate` with the bidi controls.
_CONTROLS = dict.fromkeys(c for c in (*range(0x20), *range(0x7F, 0xA0)) if c != 0x0A)
_DROPPED = {**_BIDI_CONTROLS, **_CONTROLS}


# Combining marks (accents, Arabic harakat: categories Mn/Me in these blocks). Real text puts at
# most two or three on a letter (shadda + fatha); a run of dozens ("Zalgo") stacks far above
# and below its line box, over other items: runs are cut to MAX_MARKS.
MAX_MARKS = 3
_MARK = "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_MARK_RUN = re.compile(f"([{_MARK}]{{{MAX_MARKS}}})[{_MARK}]+")


def clean(text: str) -> str:
    """Normalise untrusted text: newlines, tabs, control and bidi-override characters, and runs
    of combining marks longer than `MAX_MARKS`."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    return _MARK_RUN.sub(r"\1", text.translate(_DROPPED))


@dataclass(frozen=True)
class Compact:
    text: str
    shortened: bool
    note: str  # e.g. "shortened: 1,234 characters, 40 lines", or ""


def compact(text: str, limit: int, max_lines: int) -> Compact:
    """At most `limit` characters and `max_lines` lines, cut at a separator, ending in "…".

    Tensors read back as one long line of numbers: they are cut after a comma (or space) near
    the limit so the reader sees whole entries, never pages of them.
    """
    full = clean(text).strip()
    lines = full.split("\n")
    text = full
    shortened = False
    if len(lines) > max_lines:
        text = "\n".join(lines[:max_lines]).rstrip()
        shortened = True
    if len(text) > limit:
        cut = limit
        low = max(0, limit - 40)
        window = text[low:limit]
        for sep in (", ", ",", "; ", " ", "\n"):
            at = window.rfind(sep)
            if at > 0:
                cut = low + at + len(sep.rstrip())
                break
        text = text[:cut].rstrip()
        shortened = True
    if not shortened:
        return Compact(text, False, "")
    parts = [f"{len(full):,} characters"]
    if len(lines) > 1:
        parts.append(f"{len(lines):,} lines")
    return Compact(text + " " + ELLIPSIS, True, "shortened; the full answer has " + ", ".join(parts))


def is_rtl(text: str) -> bool:
    """True when right-to-left letters outnumber left-to-right ones (Persian prose)."""
    rtl = ltr = 0
    for c in text:
        kind = unicodedata.bidirectional(c)
        if kind in ("R", "AL"):
            rtl += 1
        elif kind == "L":
            ltr += 1
    return rtl > ltr


def _is_rtl_char(c: str) -> bool:
    return unicodedata.bidirectional(c) in ("R", "AL")


_SENTENCE_PUNCTUATION = frozenset(".,:;!?")


_PERSIAN_PUNCTUATION = frozenset("\u060c\u061b\u061f\u06d4")  # ، ؛ ؟ ۔ (not the number signs ٫ ٬ ٪)


def _ends_run(c: str) -> bool:
    """Persian letters, line breaks and Persian sentence punctuation ("،" between two Latin
    names) end a left-to-right fragment."""
    return _is_rtl_char(c) or c == "\n" or c in _PERSIAN_PUNCTUATION


def _is_trim_char(c: str) -> bool:
    """Edges of a Latin fragment that belong to the Persian sentence around it: spaces, joiners,
    sentence punctuation and Arabic-script punctuation ("،", "٪"); never digits."""
    if c.isspace() or c in "\u200c\u200d" or c in _SENTENCE_PUNCTUATION:
        return True
    return ("\u0600" <= c <= "\u06ff" or "\ufb50" <= c <= "\ufeff") and not c.isdigit()


def _unmatched(fragment: str) -> set[int]:
    stack: list[int] = []
    bad: set[int] = set()
    for i, c in enumerate(fragment):
        if c in _OPENERS:
            stack.append(i)
        elif c in _CLOSERS:
            if stack and fragment[stack[-1]] == _CLOSERS[c]:
                stack.pop()
            else:
                bad.add(i)
    return bad | set(stack)


def _core(run: str) -> tuple[int, int]:
    """The [start, end) of the part of a non-RTL run worth isolating as left-to-right."""
    start, end = 0, len(run)
    while True:
        changed = False
        while start < end and _is_trim_char(run[start]):
            start, changed = start + 1, True
        while end > start and _is_trim_char(run[end - 1]):
            end, changed = end - 1, True
        if start < end:
            bad = _unmatched(run[start:end])
            if 0 in bad:
                start, changed = start + 1, True
            elif end - start - 1 in bad:
                end, changed = end - 1, True
        if not changed:
            return start, end


def _worth_isolating(fragment: str) -> bool:
    """Latin words, or numbers joined by operators ("2 - 3", "۲۵۶×۲۵۶", "64→128"), which the
    bidi algorithm would otherwise lay out right-to-left; a lone number is left alone."""
    kinds = [unicodedata.bidirectional(c) for c in fragment]
    if "L" in kinds:
        return True
    has_digit = any(k in ("EN", "AN") for k in kinds)
    has_operator = any(k not in ("EN", "AN", "WS") and c not in _OPENERS and c not in _CLOSERS for c, k in zip(fragment, kinds, strict=True))
    return has_digit and has_operator


def bidi_text(text: str, rtl: bool | None = None) -> Text:
    """Split text for display; in right-to-left text, Latin/math fragments become `ltr` segments.

    "لایه (stride = 2) را" keeps "(stride = 2)" together and left-to-right; Persian punctuation
    and unbalanced brackets at a fragment's edges stay with the Persian text.
    """
    if rtl is None:
        rtl = is_rtl(text)
    if not rtl or not text:
        return Text((Segment(text),) if text else (), rtl=False)
    segments: list[Segment] = []
    plain: list[str] = []

    def flush_plain() -> None:
        if plain:
            segments.append(Segment("".join(plain)))
            plain.clear()

    i, n = 0, len(text)
    while i < n:
        if _ends_run(text[i]):
            plain.append(text[i])
            i += 1
            continue
        j = i
        while j < n and not _ends_run(text[j]):
            j += 1
        run = text[i:j]
        start, end = _core(run)
        fragment = run[start:end]
        if fragment and _worth_isolating(fragment):
            plain.append(run[:start])
            flush_plain()
            segments.append(Segment(fragment, ltr=True, nowrap=len(fragment) <= _LONG_FRAGMENT))
            plain.append(run[end:])
        else:
            plain.append(run)
        i = j
    flush_plain()
    return Text(tuple(s for s in segments if s.text), rtl=True)


# Unicode isolates instead of `<span dir=...>` elements: WeasyPrint's time per report grows with
# every inline element (~0.4 ms each; the spans cost a student report about a quarter of its
# render time), while Pango reorders isolates inside one text run for free. `clean` strips these
# controls from untrusted text, so the only ones in a report are ours, and they are balanced.
LRI, RLI, PDI = "\u2066", "\u2067", "\u2069"
_NBSP, _WORD_JOINER = "\u00a0", "\u2060"


def _unbreakable(text: str) -> str:
    """No line break inside a short Latin fragment ("U-Net", "(stride = 2)")."""
    return text.replace(" ", _NBSP).replace("-", "-" + _WORD_JOINER).replace("/", "/" + _WORD_JOINER)


def isolated(t: Text, *, inline: bool = False) -> str:
    """`t` as one plain string with bidi isolates: Latin fragments of right-to-left text run
    left-to-right; `inline` also isolates the whole right-to-left text from the line around it."""
    if not t.rtl:
        return t.plain
    parts = [
        LRI + (_unbreakable(s.text) if s.nowrap else s.text) + PDI if s.ltr else s.text for s in t.segments
    ]
    body = "".join(parts)
    return RLI + body + PDI if inline else body


_SPACES = re.compile(r"[ \t]+")


def one_line(text: str, limit: int) -> str:
    """A single-line, whitespace-collapsed excerpt (for tables of common answers)."""
    text = _SPACES.sub(" ", clean(text).replace("\n", " ⏎ ")).strip()
    if len(text) <= limit:
        return text
    return text[: max(1, limit - 1)].rstrip() + ELLIPSIS
