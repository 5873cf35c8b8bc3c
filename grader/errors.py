"""One exception tree: author mistakes stop the run; student mistakes become verdicts.

`GraderError` and its subclasses other than `AnswerError` mean the rubric, the reference code,
the course configuration or the output folder is broken: the CLI turns them into a one-line
message and a non-zero exit. `AnswerError` is raised by parsers on a student's text and is always
caught by grading (grader/grading/item.py) and turned into an *invalid* verdict.
"""

from __future__ import annotations

from dataclasses import dataclass


class GraderError(Exception):
    """Base of every error the grader raises on purpose."""

    exit_code = 1


class RubricError(GraderError):
    """A rubric or course file is invalid; the message lists every problem found."""

    exit_code = 3


class ReferenceSolutionError(GraderError):
    """A reference function failed or returned something its item cannot use."""

    exit_code = 4


class SubmissionError(GraderError):
    """A problem with one submission file or folder (reported per file, never fatal to a batch)."""

    exit_code = 2


class ReportError(GraderError):
    """Rendering or writing an output artefact failed."""

    exit_code = 5


class OutputError(GraderError):
    """The output folder cannot be written (read-only, disk full); found before grading where possible."""

    exit_code = 8


class WorkerError(GraderError):
    """A worker process of a pool died (killed, out of memory): the batch cannot finish."""

    exit_code = 1


class PolicyError(GraderError):
    """The course policy or a submission-time manifest is inconsistent."""

    exit_code = 3


@dataclass(eq=False)
class AnswerError(SubmissionError):
    """A student's answer could not be read.

    `start`/`end` index the offending span of `text` (the student's raw answer), so the message
    can show a caret line under it.
    """

    message: str
    text: str = ""
    start: int | None = None
    end: int | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.describe()

    def pointer(self) -> str:
        """Two lines: the student's text and `~~^` under the bad span (empty if no position)."""
        if self.start is None or not self.text or "\n" in self.text or len(self.text) > 200:
            return ""
        start = max(0, min(self.start, len(self.text)))
        end = max(start + 1, min(self.end if self.end is not None else start + 1, len(self.text) + 1))
        marks = "~" * (end - start - 1) + "^"
        return f"{self.text}\n{' ' * start}{marks}"

    def describe(self) -> str:
        pointer = self.pointer()
        return f"{self.message}\n{pointer}" if pointer else self.message


class LimitExceeded(AnswerError):
    """An answer exceeded a size, depth or time limit (an *invalid* verdict, never a hang)."""


class TimeLimitExceeded(LimitExceeded):
    """An answer ran out of its time bound (`grader.timeout`): unlike the other limits this
    depends on the machine's speed, so its verdict is never cached."""
