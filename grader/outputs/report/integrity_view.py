"""The class summary's integrity and key-health section, as a view model of plain values.

Built from a `grader.integrity.IntegrityReport`: the strongest findings of each kind with their
evidence side by side (free text right-to-left where it is Persian), and per item the key-health
and item-analysis row. Pure standard library, like `grader.outputs.report.view`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from grader.typeset.text import Text, bidi_text, clean, compact, one_line

if TYPE_CHECKING:
    from grader.integrity import IntegrityReport

FINDINGS_SHOWN = 12  # per kind; integrity.csv has them all
EVIDENCE_SHOWN = 5
ANSWER_CHARS = 70
TEXT_CHARS = 260
ITEM_ANSWER_CHARS = 40


@dataclass(frozen=True)
class EvidenceView:
    item_id: str
    answer: Text
    other_answer: Text
    note: str


@dataclass(frozen=True)
class FindingView:
    group: int
    student: str
    other: str
    score: str
    chance: str
    evidence: tuple[EvidenceView, ...]
    more_items: int


@dataclass(frozen=True)
class FindingKindView:
    kind: str
    label: str
    explanation: str
    other_label: str  # column heading for `other`
    count: int
    findings: tuple[FindingView, ...]
    text: bool  # evidence is free text, shown as two blocks


@dataclass(frozen=True)
class ItemHealthView:
    item_id: str
    difficulty: float | None
    discrimination: float | None
    correct: int
    answered: int
    check_key: bool
    top_wrong: str
    top_wrong_count: int
    uncovered: tuple[tuple[str, int], ...]
    low_discrimination: bool


@dataclass(frozen=True)
class IntegrityView:
    students: int
    flagged: int
    kinds: tuple[FindingKindView, ...]
    items: tuple[ItemHealthView, ...]
    rare_threshold: str
    notes: tuple[str, ...]


_EXPLAIN = {
    "instance_match": "answers wrong for the student's own Q2/Q3 instance but right (within tolerance) for a classmate's",
    "shared_rare_wrong": "the same wrong answers on several items, answers few others give; score = Σ −ln(share of the class)",
    "near_duplicate_text": "free-text answers whose normalised wording is nearly the same; score = share of word pairs in common",
}
_OTHER = {"instance_match": "Instance of", "shared_rare_wrong": "Shares with", "near_duplicate_text": "Shares with"}


def _chance(value: float | None) -> str:
    if value is None:
        return ""
    return "< 1e-6" if value < 1e-6 else f"{value:.2g}"


def build_integrity_view(report: IntegrityReport) -> IntegrityView:
    from grader.integrity import FindingKind
    from grader.integrity.findings import KIND_LABELS

    kinds = []
    for kind in FindingKind:
        found = report.of_kind(kind)
        text = kind is FindingKind.NEAR_DUPLICATE_TEXT
        limit = TEXT_CHARS if text else ANSWER_CHARS
        views = []
        for f in found[:FINDINGS_SHOWN]:
            evidence = tuple(
                EvidenceView(
                    e.item_id,
                    bidi_text(" ".join(compact(e.answer, limit, 4).text.split()) if text else one_line(e.answer, limit)),
                    bidi_text(" ".join(compact(e.other_answer, limit, 4).text.split()) if text else one_line(e.other_answer, limit)),
                    one_line(e.note, 90),
                )
                for e in f.evidence[:EVIDENCE_SHOWN]
            )
            score = f"{f.score:.0%}" if text else (f"{f.score:g} items" if kind is FindingKind.INSTANCE_MATCH else f"{f.score:.1f} nats")
            views.append(FindingView(f.group, clean(f.student), clean(f.other), score, _chance(f.chance), evidence, max(0, len(f.evidence) - EVIDENCE_SHOWN)))
        kinds.append(FindingKindView(kind.value, KIND_LABELS[kind], _EXPLAIN[kind.value], _OTHER[kind.value], len(found), tuple(views), text))
    items = tuple(
        ItemHealthView(
            item_id=h.item_id,
            difficulty=h.difficulty,
            discrimination=h.discrimination,
            correct=h.correct,
            answered=h.answered,
            check_key=h.check_key,
            top_wrong=one_line(h.top_wrong_answer, ITEM_ANSWER_CHARS),
            top_wrong_count=h.top_wrong,
            uncovered=tuple((one_line(u.answer, ITEM_ANSWER_CHARS), u.count) for u in h.uncovered),
            low_discrimination=h.discrimination is not None and h.discrimination < 0.1,
        )
        for h in report.items
    )
    threshold = "" if report.rare_threshold == float("inf") else f"{report.rare_threshold:.1f}"
    return IntegrityView(
        students=report.students,
        flagged=len(report.flagged_students),
        kinds=tuple(kinds),
        items=items,
        rare_threshold=threshold,
        notes=tuple(one_line(n, 200) for n in report.notes),
    )
