"""Canonical forms: free text for near-duplicate detection, and answers for counting classes.

Text: Unicode NFKC, Arabic letter variants to Persian (ي→ی, ك→ک, ة→ه, أإآ→ا), Persian and
Arabic-Indic digits to ASCII, ZWNJ/ZWJ and other format characters and tatweel removed,
punctuation to spaces, case folded, whitespace collapsed. Two answers that differ only in these
read the same.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np

_VARIANTS = {
    "ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ة": "ه", "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ؤ": "و",
    "ـ": "",  # tatweel
    **{d: str(i % 10) for i, d in enumerate("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩")},
}
# one pass of a regex, not str.translate: a dict table makes translate look up every character
_VARIANT = re.compile("[" + "".join(_VARIANTS) + "]")
_DIACRITICS = re.compile("[\u064b-\u065f\u0670]")
_WORD = re.compile(r"\w+")
# format characters (Unicode category Cf) that appear in typed text: ZWNJ/ZWJ, marks, BOM, bidi
_FORMAT = re.compile("[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def normalise_text(text: str) -> str:
    """The text as compared: see the module docstring."""
    if not text.isascii():  # English answers skip the Unicode steps (half the time of the analysis)
        text = _VARIANT.sub(lambda m: _VARIANTS[m.group()], unicodedata.normalize("NFKC", text))
        text = _FORMAT.sub("", text)  # ZWNJ joins: می‌شود = میشود
        text = _DIACRITICS.sub("", text)
    return " ".join(_WORD.findall(text.casefold()))


def words(text: str) -> list[str]:
    """The normalised words of `text` that carry wording: single letters and digits (the
    variables of a formula every student writes the same way) are left out."""
    return [w for w in normalise_text(text).split(" ") if len(w) > 1]


def canonical_read_as(read_as: str | None) -> str | None:
    """The class of a read-back answer: its canonical echo, with "written = value" reduced to
    the value (so `3*3*64*128+1` and `73729` are one wrong answer)."""
    if read_as is None:
        return None
    text = " ".join(read_as.split())
    if not text:
        return None
    if " = " in text:
        text = text.rsplit(" = ", 1)[1]
    return text


def array_class(value: Any, digits: int = 6) -> str:
    """A numeric answer as a class: its shape and entries to `digits` significant digits."""
    array = np.asarray(value, dtype=np.float64)
    flat = ",".join(_sig(float(v), digits) for v in array.reshape(-1))
    return f"{'x'.join(map(str, array.shape))}:[{flat}]"


def _sig(value: float, digits: int) -> str:
    if value == 0 or not np.isfinite(value):
        return "0" if value == 0 else str(value)
    return f"{value:.{digits}g}"
