"""One option out of a fixed list; option keys in any case, and the rubric's aliases."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from grader.errors import AnswerError, ReferenceSolutionError
from grader.kinds.base import KindTraits, exact, no_format_remarks
from grader.model import Verdict

if TYPE_CHECKING:
    from grader.rubric import Item

TRAITS = KindTraits(literal_keys=True, takes=frozenset({"options"}))
tolerance = exact
_MAX_LEN = 200
_PERSIAN_FOLD = str.maketrans({"ي": "ی", "ك": "ک", "\u200c": " ", "\u200f": "", "\u200e": ""})


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_PERSIAN_FOLD).strip().lower()
    text = re.sub(r"[\s\-]+", "_", text)
    return text.strip("_'\"`.")


def _lookup(item: Item) -> dict[str, str]:
    table: dict[str, str] = {}
    for key, aliases in item.options.items():
        for alias in [key, *aliases]:
            table[_norm(alias)] = key
    return table


def listed_options(item: Item) -> list[str]:
    """The option keys in the order every student-facing list shows them (template, sheet,
    messages): alphabetical, so the rubric's order (the key is usually written first) reveals
    nothing."""
    return sorted(item.options)


def example(item: Item) -> str:
    """How to write an answer, for the template and the sheet."""
    return "one of: " + ", ".join(listed_options(item))


def check_spec(item: Item) -> list[str]:
    problems = []
    if len(item.options) < 2:
        problems.append("options: a choice item needs at least two options")
    seen: dict[str, str] = {}
    for key, aliases in item.options.items():
        for alias in [key, *aliases]:
            norm = _norm(alias)
            if norm in seen and seen[norm] != key:
                problems.append(f"options: alias {alias!r} of {key!r} also names {seen[norm]!r}")
            seen[norm] = key
    return problems


def prepare(value: Any, item: Item) -> str:
    key = str(value)
    if key not in item.options:
        raise ReferenceSolutionError(f"{item.id}: expected one of the options {sorted(item.options)}, got {value!r}")
    return key


def parse(raw: Any, item: Item) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise AnswerError(f"expected one option as text, got a {type(raw).__name__}")
    text = str(raw)
    if len(text) > _MAX_LEN:
        raise AnswerError(f"expected one option, got {len(text)} characters")
    key = _lookup(item).get(_norm(text))
    if key is None:
        raise AnswerError(
            f"{text.strip()!r} is not an option; expected one of: {', '.join(listed_options(item))}",
            text=text,
            start=0,
            end=len(text),
        )
    return key


def show(value: str, item: Item) -> str:
    return str(value)


def compare(parsed: str, expected: str, item: Item) -> Verdict:
    if parsed == expected:
        return Verdict.correct(parsed)
    return Verdict.wrong(parsed)


format_problems = no_format_remarks
format_notes = no_format_remarks  # public facts say nothing more about this kind's answers
