"""Results: frozen dataclasses from one item's verdict up to a whole submission.

Totals are derived properties so they can never disagree with the items they sum; the objects
are immutable, so a submission's totals are summed once, in one pass (the results JSON,
grades.csv, the policy, the diff and the reports all ask for them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Literal

Part = Literal["theory", "practical"]  # a homework's part: the rubric's `part:`, the course's deadlines
PARTS: tuple[Part, ...] = ("theory", "practical")


class Status(str, Enum):
    CORRECT = "correct"
    PARTIAL = "partial"
    WRONG = "wrong"
    INVALID = "invalid"
    MISSING = "missing"
    PENDING = "pending"

    def __str__(self) -> str:  # so f-strings and CSV cells show the bare value
        return self.value


@dataclass(frozen=True)
class Verdict:
    """What a kind's `compare` (or grading, for missing/invalid) decided about one answer.

    `credit` is the fraction of the item's points (0..1). `read_as` is the canonical echo of how
    the answer was read; `feedback` explains a partial/wrong/invalid result; `matched` names the
    rubric alternative or known mistake that fired, if any. `cacheable` is False when the
    verdict depended on this machine (a time bound ran out, or none could be set) or on a grader
    bug (an internal error): the grading cache never reuses it, whatever its feedback says.
    """

    status: Status
    credit: float = 0.0
    read_as: str | None = None
    feedback: str = ""
    matched: str | None = None
    cacheable: bool = True

    @classmethod
    def correct(cls, read_as: str | None = None, feedback: str = "", *, cacheable: bool = True) -> Verdict:
        return cls(Status.CORRECT, 1.0, read_as, feedback, cacheable=cacheable)

    @classmethod
    def wrong(cls, read_as: str | None = None, feedback: str = "", *, cacheable: bool = True) -> Verdict:
        return cls(Status.WRONG, 0.0, read_as, feedback, cacheable=cacheable)

    @classmethod
    def invalid(cls, feedback: str, read_as: str | None = None, *, cacheable: bool = True) -> Verdict:
        return cls(Status.INVALID, 0.0, read_as, feedback, cacheable=cacheable)

    @classmethod
    def missing(cls) -> Verdict:
        return cls(Status.MISSING, 0.0, None, "no answer given")

    @classmethod
    def pending(cls, read_as: str | None = None) -> Verdict:
        return cls(Status.PENDING, 0.0, read_as, "graded by a TA")


def answer_hash(read_as: str | None) -> str:
    """The short hash of an answer's text as read (None: no answer) that a manual score keeps,
    so a score given to one answer is flagged when the student's answer changes."""
    import hashlib

    return hashlib.sha256(("" if read_as is None else read_as).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class ManualScore:
    """A TA's score for a manual item; never produced or overwritten by automatic grading.

    `version` counts the stored score's changes (0: not stored yet); a writer passes the version it
    saw, and a different stored version is a conflict (`grader.store.manual.set_score`).
    `answer_sha256` is `answer_hash` of the answer the TA graded; `answer_changed`
    is set when the student's current answer has another hash (the score is kept, but flagged).
    Equality compares the score itself (points, comment, grader), not this bookkeeping."""

    points: float
    comment: str = ""
    grader: str = ""
    version: int = field(default=0, compare=False)
    answer_sha256: str | None = field(default=None, compare=False)
    answer_changed: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class ItemResult:
    item_id: str
    question: str
    max_points: float
    bonus: bool
    manual: bool
    verdict: Verdict
    manual_score: ManualScore | None = None
    expected: str | None = None  # canonical key text, filled only where the rubric shows it

    @property
    def status(self) -> Status:
        if self.manual and self.manual_score is not None:
            if self.manual_score.points >= self.max_points:
                return Status.CORRECT
            return Status.PARTIAL if self.manual_score.points > 0 else Status.WRONG
        return self.verdict.status

    @property
    def pending(self) -> bool:
        return self.manual and self.manual_score is None and self.verdict.status is Status.PENDING

    @property
    def points(self) -> float:
        if self.manual:
            return self.manual_score.points if self.manual_score is not None else 0.0
        return round(self.verdict.credit * self.max_points, 6)


class AdjustmentKind(str, Enum):
    EARLY_BONUS = "early_bonus"
    LATE_DAYS = "late_days"
    LATE_PENALTY = "late_penalty"
    TOO_LATE = "too_late"
    NOTE = "note"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Adjustment:
    """A course-policy change to a part's score, with the sentence that explains it."""

    kind: AdjustmentKind
    points: float
    reason: str
    late_days_used: int = 0


@dataclass(frozen=True)
class FileError:
    """A file that could not be graded at all, with the reason (never fatal to the batch)."""

    file: str
    message: str


@dataclass(frozen=True)
class SheetPages:
    """A PDF answer sheet's page count, and the pages of the sheet itself when the file says so
    (the rest are the student's appended derivations, for the TA)."""

    pages: int
    sheet_pages: int | None = None

    @property
    def appended(self) -> int | None:
        return None if self.sheet_pages is None else self.pages - self.sheet_pages


@dataclass(frozen=True)
class SubmissionResult:
    student_id: str
    homework: str
    source: str
    items: tuple[ItemResult, ...]
    warnings: tuple[str, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    submitted_at: str | None = None
    file_sha256: str | None = None
    name: str | None = None
    modified_at: str | None = field(default=None, compare=False)  # the file's time (ISO): the policy's fallback submission time
    pdf: SheetPages | None = field(default=None, compare=False)  # a PDF answer sheet's pages

    def item(self, item_id: str) -> ItemResult:
        for result in self.items:
            if result.item_id == item_id:
                return result
        raise KeyError(item_id)

    @cached_property
    def _tally(self) -> tuple[float, float, float, float, float, float, float]:
        """(auto, manual, bonus, pending, max, max bonus, raw total) in one pass over the items."""
        auto = manual = bonus = pending = most = most_bonus = raw = 0.0
        for r in self.items:
            points = r.points
            raw += points
            if r.bonus:
                bonus += points
                most_bonus += r.max_points
            else:
                most += r.max_points
                if r.manual:
                    manual += points
                else:
                    auto += points
            if r.pending:
                pending += r.max_points
        return (
            round(auto, 6), round(manual, 6), round(bonus, 6), round(pending, 6),
            round(most, 6), round(most_bonus, 6), round(raw, 6),
        )

    @property
    def auto_points(self) -> float:
        return self._tally[0]

    @property
    def manual_points(self) -> float:
        return self._tally[1]

    @property
    def bonus_points(self) -> float:
        return self._tally[2]

    @property
    def pending_points(self) -> float:
        return self._tally[3]

    @property
    def max_points(self) -> float:
        return self._tally[4]

    @property
    def max_bonus(self) -> float:
        return self._tally[5]

    @property
    def raw_total(self) -> float:
        """Points earned on items (regular + bonus), before course-policy adjustments."""
        return self._tally[6]

    @cached_property
    def adjustment_points(self) -> float:
        return _sum(a.points for a in self.adjustments)

    @cached_property
    def total(self) -> float:
        return round(max(0.0, self.raw_total + self.adjustment_points), 4)

    @cached_property
    def late_days(self) -> int:
        return sum(a.late_days_used for a in self.adjustments)

    def question_points(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for r in self.items:
            totals[r.question] = round(totals.get(r.question, 0.0) + r.points, 6)
        return totals

    def count(self, status: Status) -> int:
        return sum(1 for r in self.items if r.status is status)


def _sum(values: Iterable[float]) -> float:
    return round(sum(values), 6)


@dataclass(frozen=True)
class LedgerEntry:
    """One row of the late-day ledger (gradebook): days used on one part of one homework."""

    student_id: str
    homework: str
    part: str
    days: int
    submitted_at: str | None = None  # ISO; orders parts that share a deadline
    source: str = "run"
