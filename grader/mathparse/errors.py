"""Typed errors of evaluation; all are `AnswerError`s (an *invalid* verdict unless a caller copes).

`DivisionByZero` and `DomainError` are raised when a formula has no value at a point (the
expression kind then tries another point); `LimitExceeded` comes from `grader.errors`.
"""

from __future__ import annotations

from grader.errors import AnswerError, LimitExceeded


class EvaluationError(AnswerError):
    """An expression has no (real, finite) value for the given numbers."""


class DivisionByZero(EvaluationError):
    pass


class DomainError(EvaluationError):
    """A square root of a negative number, a logarithm of 0, an even root of a negative..."""


__all__ = ["AnswerError", "DivisionByZero", "DomainError", "EvaluationError", "LimitExceeded"]
