"""The diff between two runs of a homework part: what a re-grade changed, per student and item,
from the results JSON the gradebook stores (`snapshot_from_json`) or a fresh result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from grader.model import SubmissionResult
from grader.numfmt import score_text


@dataclass(frozen=True)
class StudentSnapshot:
    items: dict[str, tuple[str, float]]  # item id → (status, points)
    adjustments: dict[str, float]  # adjustment kind → points
    total: float
    late_days: int
    reasons: dict[str, str] = field(default_factory=dict)  # adjustment kind → its reason(s)


def snapshot_from_json(data: Mapping[str, Any]) -> StudentSnapshot:
    adjustments: dict[str, float] = {}
    reasons: dict[str, str] = {}
    for a in data.get("adjustments", []):
        adjustments[a["kind"]] = round(adjustments.get(a["kind"], 0.0) + float(a["points"]), 4)
        reasons[a["kind"]] = " / ".join(filter(None, (reasons.get(a["kind"]), str(a.get("reason", "")))))
    return StudentSnapshot(
        items={item_id: (str(v["status"]), round(float(v["points"]), 4)) for item_id, v in data.get("items", {}).items()},
        adjustments=adjustments,
        total=round(float(data["totals"]["total"]), 4),
        late_days=int(data.get("late_days", 0)),
        reasons=reasons,
    )


def snapshot_of(result: SubmissionResult) -> StudentSnapshot:
    from grader.result_schema import result_json

    return snapshot_from_json(result_json(result))


@dataclass(frozen=True)
class ItemChange:
    item_id: str
    old: tuple[str, float] | None
    new: tuple[str, float] | None


@dataclass(frozen=True)
class StudentDiff:
    student_id: str
    change: str  # "new", "gone" or "changed"
    items: tuple[ItemChange, ...] = ()
    adjustments: tuple[tuple[str, float | None, float | None], ...] = ()  # (kind, old, new)
    old_total: float | None = None
    new_total: float | None = None
    old_late_days: int | None = None
    new_late_days: int | None = None
    reasons: tuple[tuple[str, str | None, str | None], ...] = ()  # (kind, old, new): the policy's words changed


@dataclass
class RunDiff:
    previous: str | None  # "run 3 (2024-12-20T10:00:00+00:00)", "out/results", or None: first run
    students: list[StudentDiff] = field(default_factory=list)
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.students)

    def lines(self) -> list[str]:
        return format_diff(self)


def diff_runs(old: Mapping[str, StudentSnapshot] | None, new: Mapping[str, StudentSnapshot], *, previous: str | None) -> RunDiff:
    if old is None:
        return RunDiff(previous=None, unchanged=0)
    diff = RunDiff(previous=previous)
    for student in sorted(set(old) | set(new)):
        before, after = old.get(student), new.get(student)
        if before is None:
            assert after is not None
            diff.students.append(StudentDiff(student, "new", new_total=after.total, new_late_days=after.late_days))
            continue
        if after is None:
            diff.students.append(StudentDiff(student, "gone", old_total=before.total, old_late_days=before.late_days))
            continue
        items = tuple(
            ItemChange(item_id, before.items.get(item_id), after.items.get(item_id))
            for item_id in sorted(set(before.items) | set(after.items), key=lambda i: (i not in after.items, i))
            if before.items.get(item_id) != after.items.get(item_id)
        )
        adjustments = tuple(
            (kind, before.adjustments.get(kind), after.adjustments.get(kind))
            for kind in sorted(set(before.adjustments) | set(after.adjustments))
            if before.adjustments.get(kind) != after.adjustments.get(kind)
        )
        reasons = tuple(
            (kind, before.reasons.get(kind), after.reasons.get(kind))
            for kind in sorted(set(before.reasons) | set(after.reasons))
            if before.reasons.get(kind) != after.reasons.get(kind) and kind not in {k for k, _, _ in adjustments}
        )
        if items or adjustments or reasons or before.total != after.total or before.late_days != after.late_days:
            diff.students.append(
                StudentDiff(student, "changed", items, adjustments, before.total, after.total, before.late_days, after.late_days, reasons)
            )
        else:
            diff.unchanged += 1
    return diff




def _item_state(state: tuple[str, float] | None) -> str:
    return "(none)" if state is None else f"{state[0]} {score_text(state[1], none='–')}"


def _changed_words(old: str, new: str) -> tuple[str, str]:
    """Two reasons without the clauses they share at the start ("…; 4 late days used, 9 left")."""
    common = 0
    while common < min(len(old), len(new)) and old[common] == new[common]:
        common += 1
    cut = max(old.rfind("; ", 0, common), old.rfind(": ", 0, common))
    return (old, new) if cut < 0 else ("…" + old[cut + 1 :], "…" + new[cut + 1 :])


def format_diff(diff: RunDiff) -> list[str]:
    if diff.previous is None:
        return ["first run: nothing to compare with"] + diff.notes
    lines = [f"changes since {diff.previous}:"] if diff.students else [f"no changes since {diff.previous}"]
    for s in diff.students:
        if s.change == "new":
            lines.append(f"  {s.student_id}: new, total {score_text(s.new_total, none='–')}")
            continue
        if s.change == "gone":
            lines.append(f"  {s.student_id}: no longer graded (was {score_text(s.old_total, none='–')})")
            continue
        for c in s.items:
            lines.append(f"  {s.student_id} {c.item_id}: {_item_state(c.old)} → {_item_state(c.new)}")
        for kind, old, new in s.adjustments:
            lines.append(f"  {s.student_id} {kind}: {score_text(old, none='–')} → {score_text(new, none='–')}")
        for kind, old_reason, new_reason in s.reasons:  # same points, other words (e.g. 11 → 9 late days left)
            before, after = _changed_words(old_reason or "(none)", new_reason or "(none)")
            lines.append(f"  {s.student_id} {kind}: {before} → {after}")
        if s.old_late_days != s.new_late_days:
            lines.append(f"  {s.student_id} late days: {s.old_late_days} → {s.new_late_days}")
        lines.append(f"  {s.student_id} total: {score_text(s.old_total, none='–')} → {score_text(s.new_total, none='–')}")
    if diff.students:
        lines.append(f"{len(diff.students)} student(s) changed, {diff.unchanged} unchanged")
    return lines + diff.notes
