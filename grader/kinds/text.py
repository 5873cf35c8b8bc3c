"""Free text, graded by a TA: read and kept verbatim, scored only by a manual score."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grader.errors import AnswerError, ReferenceSolutionError
from grader.kinds.base import KindTraits, exact, no_format_remarks
from grader.model import Verdict

if TYPE_CHECKING:
    from grader.rubric import Item

TRAITS = KindTraits(manual=True)
tolerance = exact
MAX_CHARS = 20_000


def example(item: Item) -> str:
    """How to write an answer, for the template and the sheet."""
    return "free text; write it under `|` on the following lines, indented"


def check_spec(item: Item) -> list[str]:
    return []


def prepare(value: Any, item: Item) -> Any:
    raise ReferenceSolutionError(f"{item.id}: a text item has no computed key")


def parse(raw: Any, item: Item) -> str:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        raise AnswerError(f"expected text, got a {type(raw).__name__}")
    if len(raw) > MAX_CHARS:
        raise AnswerError(f"text answer too long: {len(raw)} characters, the limit is {MAX_CHARS}")
    return raw.strip()


def show(value: str, item: Item) -> str:
    return value


def compare(parsed: str, expected: Any, item: Item) -> Verdict:
    return Verdict.pending(parsed)


format_problems = no_format_remarks
format_notes = no_format_remarks  # public facts say nothing more about this kind's answers
