"""YAML slips in answer files: which item, what to do about it, and reading the rest.

PyYAML's wording ("did not find expected key", "did not find expected ',' or ']'") names a line
and a column, not the answer, and says nothing a student can act on. `explain` names the item
whose line the error is on (the key at the start of that line, or of the flow list it opened),
says what went wrong in plain words, and gives the fix: almost always "put the answer in quotes",
with the line as it should be written. `recover` (used by `grade check`) blanks that item's
lines and reads the file again, so one bad item does not hide the others' results; the grader
itself still refuses the file, and the self-check says so.

Also here: the `/` between Persian digits warning (`۰/۲۵` is 0 divided by 25, not 0.25).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import yaml

STRUCTURE = ("answers", "instances", "student_id")  # top-level keys that frame the answers
MAX_RECOVERED = 50  # items blanked at most before the file is given up as a whole

_KEY_LINE = re.compile(r"^(?P<indent>[ \t]*)(?:-\s+)?(?P<key>[A-Za-z_][\w.\-]*|\"[^\"\n]*\"|'[^'\n]*')[ \t]*:(?:[ \t]+(?P<value>.*?))?[ \t]*$")


@dataclass(frozen=True)
class Slip:
    """One YAML error, located: the line (1-based), the item key on it, and the message."""

    line: int
    key: str | None
    message: str
    lines: tuple[int, int]  # 0-based [first, last] lines of the damaged item


def _key_at(lines: list[str], index: int) -> tuple[int, re.Match[str]] | None:
    """The key line that `index` belongs to: that line, or the nearest one above it that is
    indented less than a continuation line."""
    if not 0 <= index < len(lines):
        return None
    match = _KEY_LINE.match(lines[index])
    if match:
        return index, match
    width = len(lines[index]) - len(lines[index].lstrip(" \t"))
    for above in range(index - 1, -1, -1):
        text = lines[above]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        match = _KEY_LINE.match(text)
        if match and len(match.group("indent")) < max(width, 1):
            return above, match
    return None


def _block_end(lines: list[str], start: int) -> int:
    """The last line of the item that starts at `start`: its more-indented continuation lines."""
    if lines[start].startswith("\t"):
        return start  # a tab-indented line: only itself
    indent = len(lines[start]) - len(lines[start].lstrip(" \t"))
    end = start
    for index in range(start + 1, len(lines)):
        text = lines[index]
        if not text.strip():
            continue
        if len(text) - len(text.lstrip(" \t")) <= indent and not text.startswith("\t"):
            break
        end = index
    return end


def _quoted(value: str) -> str:
    """The value as a YAML string a student can paste back."""
    value = value.strip()
    if "\\" in value or '"' in value:
        return "'" + value.replace("'", "''") + "'"
    return '"' + value + '"'


def _plain(problem: str) -> str:
    """PyYAML's problem in words a student knows."""
    table = (
        ("tab", "a tab character: YAML indents with spaces only"),
        ("did not find expected key", "text after the answer that YAML cannot read (a '{' at the start, or a second ':')"),
        ("did not find expected comment or line break", "text on the same line after a quoted answer or a '|', which YAML cannot read"),
        ("did not find expected ',' or ']'", "a '[' that YAML reads as the start of a list, and the list is not written as YAML expects"),
        ("did not find expected ',' or '}'", "a '{' that YAML reads as the start of a mapping"),
        ("cannot start any token", "a character YAML does not allow at the start of an unquoted answer (% @ ` |)"),
        ("mapping values are not allowed", "a ':' inside the answer, which YAML reads as a new key"),
        ("undefined alias", "a '*' at the start of the answer, which YAML reads as a reference"),
        ("expected <block end>", "text after the answer that YAML cannot read"),
        ("found unexpected end of stream", "a quote or bracket that is never closed"),
        ("found unknown escape character", "a backslash inside double quotes: use single quotes for LaTeX"),
    )
    for needle, words in table:
        if needle in problem:
            return words
    return problem


def locate(exc: yaml.YAMLError, text: str) -> Slip | None:
    """Where a YAML error is, as an item; None when it has no line (or no item can be named)."""
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    problem = str(getattr(exc, "problem", None) or str(exc).splitlines()[0])
    context = str(getattr(exc, "context", None) or "")
    if problem_mark is None:
        return None
    lines = text.splitlines()
    # an unclosed flow list or mapping: the item is where it was opened, not where YAML noticed
    index = context_mark.line if context_mark is not None and "flow" in context else problem_mark.line
    if "tab" in problem:
        index = problem_mark.line
    found = _key_at(lines, index)
    line_no = problem_mark.line + 1
    if found is None:
        return Slip(line_no, None, f"line {line_no}, column {problem_mark.column + 1}: {_plain(problem)}", (index, index))
    start, match = found
    key = match.group("key").strip("\"'")
    if key in STRUCTURE and not match.group("indent"):
        # the file's frame, not an answer: no quoting helps, say where
        return Slip(line_no, None, f"line {line_no}, column {problem_mark.column + 1}: {_plain(problem)} (in the {key}: block)", (start, start))
    value = match.group("value") or ""
    end = _block_end(lines, start)
    words = _plain(problem)
    where = f"line {start + 1}" if start + 1 == line_no else f"line {start + 1} (YAML stopped at line {line_no})"
    if "tab" in problem:
        fix = "replace the tab with spaces"
    elif value.startswith(("|", ">")) and value[1:2] in (" ", "\t") and value[1:].strip():
        # `key: | some text`: a block of free text whose first line was written after the `|`
        fix = f"write the text on the lines after `{key}: |`, each indented by two more spaces, nothing after the `|`"
    elif value and not value.startswith(("'", '"')):
        continuation = [lines[i].strip() for i in range(start + 1, end + 1) if lines[i].strip()]
        shown = " ".join([value, *continuation]) if len(continuation) <= 2 else value
        fix = f"put the answer in quotes: {key}: {_quoted(shown)}"
    else:
        fix = "check the quotes and brackets of this answer (a quote inside must be doubled: 'it''s')"
    return Slip(line_no, key, f"{where}: {key}: {words}; {fix}", (start, end))


def explain(exc: yaml.YAMLError, text: str) -> str:
    """A YAML error as one sentence a student can act on."""
    slip = locate(exc, text)
    if slip is not None:
        return slip.message
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}{_plain(str(problem))}"


def recover(text: str, parse: Callable[[str], Any], error: type[Exception]) -> tuple[Any, dict[str, str]]:
    """Read `text` with `parse`, blanking each item a YAML error is in, until it reads.

    Returns the document and {item key: message} for the blanked items. Raises the last error
    when an error names no item, or after `MAX_RECOVERED` items.
    """
    damaged: dict[str, str] = {}
    lines = text.splitlines()
    for _ in range(MAX_RECOVERED):
        try:
            return parse("\n".join(lines) + "\n"), damaged
        except error as exc:
            cause = exc.__context__ if isinstance(exc.__context__, yaml.YAMLError) else getattr(exc, "yaml_error", None)
            if not isinstance(cause, yaml.YAMLError):
                raise
            slip = locate(cause, "\n".join(lines))
            if slip is None or slip.key is None:
                raise
            damaged.setdefault(slip.key, slip.message)
            first, last = slip.lines
            indent = _indent(lines, first)
            lines[first : last + 1] = [f"{indent}{_yaml_key(slip.key)}: null"] + [""] * (last - first)
    raise error(f"more than {MAX_RECOVERED} items are not valid YAML")


def _indent(lines: list[str], index: int) -> str:
    """The spaces a blanked item keeps: its own, or for a tab-indented line its neighbour's."""
    if not lines[index].startswith("\t"):
        return re.match(r"[ ]*", lines[index]).group(0)  # type: ignore[union-attr]
    for other in [*range(index - 1, -1, -1), *range(index + 1, len(lines))]:
        text = lines[other]
        if text.strip() and not text.startswith("\t") and _KEY_LINE.match(text) and text.startswith(" "):
            return re.match(r"[ ]*", text).group(0)  # type: ignore[union-attr]
    return ""


def _yaml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z_][\w.\-]*", key) else '"' + key.replace('"', "") + '"'


# -- `/` between Persian digits ---------------------------------------------------------------

_PERSIAN_SLASH = re.compile(r"(?<![\d۰-۹٠-٩])([۰-۹٠-٩]+)\s*/\s*([۰-۹٠-٩]+)(?![\d۰-۹٠-٩٫.])")
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def persian_slash_warnings(answers: dict[str, Any]) -> list[str]:
    """`۰/۲۵` in an answer: a Persian habit for the decimal mark, read by the grader as 0 ÷ 25."""
    warnings = []
    for item_id, raw in answers.items():
        texts = [raw] if isinstance(raw, str) else [v for v in raw if isinstance(v, str)] if isinstance(raw, list) else []
        for text in texts:
            match = _PERSIAN_SLASH.search(text[:2000])
            if match is None:
                continue
            a, b = match.group(1).translate(_DIGITS), match.group(2).translate(_DIGITS)
            value = "undefined (division by zero)" if int(b) == 0 else _short(Fraction(int(a), int(b)))
            warnings.append(
                f"{item_id}: {match.group(0)} was read as {a}/{b}, a division (= {value}); if you meant the decimal {a}.{b}, "
                f"write {match.group(1)}٫{match.group(2)} or {a}.{b}"
            )
            break
    return warnings


def _short(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.6g}"
