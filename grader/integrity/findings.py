"""What the integrity analysis found: frozen dataclasses, evidence for a TA, never a grade.

A `Finding` links two students (`student` gave the answers, `other` is whose instance or whose
answers they match) and lists the items as `Evidence`. `ItemHealth` is the key-health and
item-analysis row of one automatically graded item. `IntegrityReport` holds both for a batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class FindingKind(str, Enum):
    INSTANCE_MATCH = "instance_match"  # wrong for the own instance, right for another student's
    SHARED_RARE_WRONG = "shared_rare_wrong"  # the same rare wrong answers on several items
    NEAR_DUPLICATE_TEXT = "near_duplicate_text"  # nearly identical free text on one item

    def __str__(self) -> str:
        return self.value


KIND_LABELS = {
    FindingKind.INSTANCE_MATCH: "instance answer copied",
    FindingKind.SHARED_RARE_WRONG: "shared rare wrong answers",
    FindingKind.NEAR_DUPLICATE_TEXT: "near-duplicate free text",
}


@dataclass(frozen=True)
class Evidence:
    """One item's part of a finding: what each of the two students gave, and why it matters."""

    item_id: str
    answer: str  # `student`'s answer (canonical, as read)
    other_answer: str  # `other`'s answer, or for an instance match the key of `other`'s instance
    note: str = ""


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    student: str
    other: str
    score: float  # ranks findings of one kind: items matched, nats of rarity, or text similarity
    chance: float | None  # expected number of such pairs in a class of independent students
    evidence: tuple[Evidence, ...]
    group: int = 0  # findings that share students are one group (a ring of three is one group)

    @property
    def items(self) -> tuple[str, ...]:
        return tuple(e.item_id for e in self.evidence)


@dataclass(frozen=True)
class UncoveredAnswer:
    """A wrong answer that no rubric rule matched, with how often it was given."""

    answer: str  # canonical text, or a relation to the student's own key ("−key") on instance items
    count: int
    share: float  # of the students who answered the item
    pattern: bool  # a relation to each student's own key rather than one value
    yaml: str  # a ready `mistakes:` entry for the rubric (the TA fills feedback and credit)


@dataclass(frozen=True)
class ItemHealth:
    item_id: str
    title: str
    kind: str
    instance: bool
    answered: int  # students with an answer that could be read
    correct: int
    difficulty: float | None  # mean credit, 0..1 (PrairieLearn's "mean score")
    discrimination: float | None  # point-biserial correlation of the item's credit with the total
    top_wrong: int  # count of the most frequent single wrong answer (covered by a rule or not)
    top_wrong_answer: str
    uncovered: tuple[UncoveredAnswer, ...]

    @property
    def check_key(self) -> bool:
        """One wrong answer is more frequent than the key: the key itself may be wrong."""
        return self.top_wrong > self.correct and self.top_wrong >= 3


@dataclass(frozen=True)
class IntegrityReport:
    homework: str
    students: int
    findings: tuple[Finding, ...]
    items: tuple[ItemHealth, ...]
    rare_threshold: float  # nats a pair must reach to be a shared-rare finding (calibrated)
    alpha: float  # expected false pairs per class allowed by the calibration
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    def of_kind(self, kind: FindingKind) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.kind is kind)

    @property
    def flagged_students(self) -> frozenset[str]:
        return frozenset(s for f in self.findings for s in (f.student, f.other))
