"""hwgrader: grade homework answer files against a YAML rubric whose keys reference code computes.

The public API is keyword-only and importable from here: `grade_batch` grades a folder in
memory, `run_grading` grades it and writes everything (results, grades.csv, gradebook, PDFs),
`load_rubric` and `validate_rubric` read and prove a rubric, `load_submission` reads one answer
file; the results are frozen dataclasses (`SubmissionResult` > `ItemResult` > `Verdict`) and
every deliberate failure is a `GraderError` with an exit code.

Names load on first use (module `__getattr__`), so `import grader` and `grade --help` import
nothing heavy; the `grader.cli` command line is a thin layer over these.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    # grading
    "grade_batch": "grader.grading.batch",
    "grade_file": "grader.grading.batch",
    "BatchResult": "grader.grading.batch",
    "run_grading": "grader.api",
    "RunOutcome": "grader.api",
    "KeyBook": "grader.keys.keybook",
    # rubrics and answer files
    "load_rubric": "grader.rubric",
    "Rubric": "grader.rubric",
    "Item": "grader.rubric",
    "Kind": "grader.rubric",
    "validate_rubric": "grader.keys.prove",
    "load_submission": "grader.readers.answer_file",
    "Submission": "grader.readers.answer_file",
    "load_course": "grader.policy.course",
    "Course": "grader.policy.course",
    # results
    "SubmissionResult": "grader.model",
    "ItemResult": "grader.model",
    "Verdict": "grader.model",
    "Status": "grader.model",
    "ManualScore": "grader.model",
    "Adjustment": "grader.model",
    "AdjustmentKind": "grader.model",
    "FileError": "grader.model",
    # integrity and key health (evidence for a TA, never a grade)
    "analyse_integrity": "grader.integrity",
    "run_integrity": "grader.integrity",
    "IntegrityReport": "grader.integrity",
    # errors
    "GraderError": "grader.errors",
    "RubricError": "grader.errors",
    "ReferenceSolutionError": "grader.errors",
    "SubmissionError": "grader.errors",
    "ReportError": "grader.errors",
    "PolicyError": "grader.errors",
    "AnswerError": "grader.errors",
    "LimitExceeded": "grader.errors",
    "TimeLimitExceeded": "grader.errors",
}

__all__ = [  # the same names as _EXPORTS (tests/test_imports.py checks)
    "Adjustment",
    "AdjustmentKind",
    "AnswerError",
    "BatchResult",
    "Course",
    "FileError",
    "GraderError",
    "IntegrityReport",
    "Item",
    "ItemResult",
    "KeyBook",
    "Kind",
    "LimitExceeded",
    "ManualScore",
    "PolicyError",
    "ReferenceSolutionError",
    "ReportError",
    "Rubric",
    "RubricError",
    "RunOutcome",
    "Status",
    "Submission",
    "SubmissionError",
    "SubmissionResult",
    "TimeLimitExceeded",
    "Verdict",
    "analyse_integrity",
    "grade_batch",
    "grade_file",
    "load_course",
    "load_rubric",
    "load_submission",
    "run_grading",
    "run_integrity",
    "validate_rubric",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'grader' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # what type checkers and editors see; at run time __getattr__ loads these
    from grader.api import RunOutcome, run_grading
    from grader.errors import (
        AnswerError,
        GraderError,
        LimitExceeded,
        PolicyError,
        ReferenceSolutionError,
        ReportError,
        RubricError,
        SubmissionError,
        TimeLimitExceeded,
    )
    from grader.grading.batch import BatchResult, grade_batch, grade_file
    from grader.integrity import IntegrityReport, analyse_integrity, run_integrity
    from grader.keys.keybook import KeyBook
    from grader.keys.prove import validate_rubric
    from grader.model import Adjustment, AdjustmentKind, FileError, ItemResult, ManualScore, Status, SubmissionResult, Verdict
    from grader.policy.course import Course, load_course
    from grader.readers.answer_file import Submission, load_submission
    from grader.rubric import Item, Kind, Rubric, load_rubric
