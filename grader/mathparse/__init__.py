"""Our own tokenizer, parser and evaluator for student math (never eval, never sympify).

Public API::

    parse_expression(text, *, variables, limits=DEFAULT_LIMITS) -> Node
    parse_number(text, *, percent=False, limits=DEFAULT_LIMITS) -> NumberReading
    parse_list(text, *, variables, limits=DEFAULT_LIMITS) -> list[Node]
    parse_shape(text, *, limits=DEFAULT_LIMITS) -> tuple[int, ...]
    parse_matrix(text, *, limits=DEFAULT_LIMITS) -> nested lists of Fraction | float
    nested_from_raw(raw, *, limits=DEFAULT_LIMITS) -> the same, from a YAML/JSON list
    evaluate(node, env=None, limits=DEFAULT_LIMITS, *, text="") -> Fraction | float
    to_text(node) -> str          # the canonical "read as" text
    to_sympy(node, *, limits=DEFAULT_LIMITS) -> sympy.Expr   # lazy import, node by node

Every unreadable input raises `grader.errors.AnswerError` with the span of the offending text in
the student's original string; every broken limit raises `LimitExceeded`. See
docs/answer-forms.md for the accepted forms.
"""

from grader.mathparse.arrays import nested_from_raw, parse_matrix, scalar_from_raw, shape_of
from grader.mathparse.errors import DivisionByZero, DomainError, EvaluationError
from grader.mathparse.evaluate import evaluate
from grader.mathparse.formula import parse_expression
from grader.mathparse.limits import DEFAULT_LIMITS, Limits
from grader.mathparse.lists import parse_list, parse_shape
from grader.mathparse.nodes import Call, Const, Neg, Node, Num, Pow, Product, Sum, Var, free_variables
from grader.mathparse.printer import to_text
from grader.mathparse.scalar import NumberReading, parse_number
from grader.mathparse.sympy_bridge import symbolic_equal, to_sympy

__all__ = [
    "DEFAULT_LIMITS", "Call", "Const", "DivisionByZero", "DomainError", "EvaluationError", "Limits",
    "Neg", "Node", "Num", "NumberReading", "Pow", "Product", "Sum", "Var", "evaluate",
    "free_variables", "nested_from_raw", "parse_expression", "parse_list", "parse_matrix",
    "parse_number", "parse_shape", "scalar_from_raw", "shape_of", "symbolic_equal", "to_sympy",
    "to_text",
]
