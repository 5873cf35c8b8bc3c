"""The registry from a rubric's ``kind:`` to the module that parses and compares it."""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

from grader.kinds.base import ITEM_OPTIONS, Kind, KindModule

if TYPE_CHECKING:
    from grader.rubric import Item

_MODULES: dict[Kind, str] = {
    Kind.INTEGER: "grader.kinds.integer",
    Kind.NUMBER: "grader.kinds.number",
    Kind.EXPRESSION: "grader.kinds.expression",
    Kind.EXPRESSIONS: "grader.kinds.expressions",
    Kind.SHAPE: "grader.kinds.shape",
    Kind.MATRIX: "grader.kinds.matrix",
    Kind.TENSOR: "grader.kinds.matrix",
    Kind.CHOICE: "grader.kinds.choice",
    Kind.TEXT: "grader.kinds.text",
}


@cache
def get_kind(kind: Kind | str) -> KindModule:
    module: KindModule = importlib.import_module(_MODULES[Kind(kind)])
    return module


def option_problems(item: Item) -> list[str]:
    """Item options given to a kind that does not read them (each kind's `TRAITS.takes` says),
    e.g. `shape:` on a number item; each line starts with the option's name."""
    kind = get_kind(item.kind)
    problems = []
    for option, given in ITEM_OPTIONS.items():
        if given(item) and option not in kind.TRAITS.takes:
            owners = [k.value for k in Kind if option in get_kind(k).TRAITS.takes]
            article = "an" if str(item.kind)[0] in "aeiou" else "a"
            problems.append(f"{option}: {article} {item.kind} item does not take {option} (only {', '.join(owners)} items do)")
    return problems
