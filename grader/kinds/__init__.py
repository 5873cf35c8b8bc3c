"""The registry from a rubric's ``kind:`` to the module that parses and compares it."""

from __future__ import annotations

import importlib
from functools import cache

from grader.kinds.base import Kind, KindModule

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
