"""Text for the TA's terminal: file names, ids and item keys come from untrusted files.

An escape sequence in a file name or a YAML key can erase lines, move the cursor or set the
window title when printed raw. `printable` is the one place that makes text safe to print:
every C0 and C1 control character (Unicode category Cc) and the bidi overrides become a
visible `\\xNN`-style escape; line feeds are kept (messages have several lines) unless
`one_line`. The CLI's console and echo (grader/cli/common.py) and its error boundary pass
everything through it.
"""

from __future__ import annotations

import re

_KEEP_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ANY = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, one_line: bool = False) -> str:
    """`text` with control characters shown as escapes (`\\x1b`); tabs too, and newlines when
    `one_line` (a file name interpolated into a message)."""
    s = str(text)
    return (_ANY if one_line else _KEEP_NEWLINE).sub(_escape, s)
