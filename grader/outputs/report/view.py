"""The view model: what a report shows, as frozen dataclasses of plain strings and numbers.

Results and the rubric go in; out comes everything a template needs, already decided: titles,
statuses, compacted answers, whether the expected answer may be shown, pending manual scores.
Templates only lay it out. Pure standard library (no Jinja2, WeasyPrint or matplotlib).

`content_hash` fingerprints a view without its graded-at time, so a batch can skip reports whose
content did not change since the last run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from grader.model import AdjustmentKind, ItemResult, Status, SubmissionResult
from grader.outputs.report.integrity_view import IntegrityView, build_integrity_view
from grader.rubric import Item, Rubric
from grader.typeset.text import Text, bidi_text, clean, compact, one_line

if TYPE_CHECKING:
    from grader.integrity import IntegrityReport

# How much of a student's text a report shows.
ANSWER_CHARS = 180  # one read-back answer (numbers, formulas, tensors)
ANSWER_LINES = 5
TEXT_ANSWER_CHARS = 100  # free-text (manual) answers: a one-line excerpt, the TA has the full text
TEXT_ANSWER_LINES = 3
FEEDBACK_CHARS = 400
EXPECTED_CHARS = 180
COMMENT_CHARS = 1000
WARNING_CHARS = 300
MAX_WARNINGS = 20
SUMMARY_ANSWER_CHARS = 60  # a common wrong answer in the class summary
UNREADABLE_CHARS = 300
TOP_WRONG = 3

STATUS_LABELS: dict[str, str] = {
    Status.CORRECT.value: "correct",
    Status.PARTIAL.value: "partial",
    Status.WRONG.value: "wrong",
    Status.INVALID.value: "could not read",
    Status.MISSING.value: "missing",
    Status.PENDING.value: "pending",
}

ADJUSTMENT_LABELS: dict[str, str] = {
    AdjustmentKind.EARLY_BONUS.value: "Early submission bonus",
    AdjustmentKind.LATE_DAYS.value: "Late days",
    AdjustmentKind.LATE_PENALTY.value: "Late penalty",
    AdjustmentKind.TOO_LATE.value: "Too late",
    AdjustmentKind.NOTE.value: "Note",
}


# ---------------------------------------------------------------------------------------------
# student report


@dataclass(frozen=True)
class AdjustmentView:
    kind: str
    label: str
    points: float
    reason: str
    late_days: int


@dataclass(frozen=True)
class SummaryBox:
    auto_points: float
    auto_max: float
    manual_points: float  # TA points so far (regular items)
    manual_max: float
    manual_pending: float  # regular points still waiting for a TA
    manual_pending_items: int
    bonus_points: float
    bonus_max: float
    bonus_pending: float
    adjustments: tuple[AdjustmentView, ...]
    total: float
    total_max: float  # 100
    bonus_total_max: float  # + 10
    late_days: int

    @property
    def manual_state(self) -> str:
        """"none" (no manual items), "pending" (none scored yet), "partial" or "done"."""
        if self.manual_max == 0:
            return "none"
        if self.manual_pending == 0:
            return "done"
        return "pending" if self.manual_pending >= self.manual_max else "partial"

    @property
    def provisional(self) -> bool:
        return self.manual_pending > 0 or self.bonus_pending > 0


@dataclass(frozen=True)
class ItemView:
    item_id: str
    title: str
    title_fa: Text | None
    status: str  # a Status value; for scored manual items, derived from the TA's points
    status_label: str
    points: float
    max_points: float
    bonus: bool
    manual: bool
    pending: bool
    answer: Text | None  # the answer as read, compacted; None when there was none
    answer_note: str  # "shortened; ..." when the answer was cut
    feedback: str
    expected: str | None  # None when the rubric hides it (or there is none)
    ta_points: float | None
    ta_comment: Text | None
    ta_grader: str
    ta_stale: bool = False  # the answer changed since the TA graded it (the score is kept)


@dataclass(frozen=True)
class QuestionView:
    id: str
    title: str
    title_fa: Text | None
    points: float  # regular points earned
    max_points: float
    bonus_points: float
    bonus_max: float
    items: tuple[ItemView, ...]


@dataclass(frozen=True)
class StudentView:
    course: str
    homework: str
    homework_title: str
    homework_title_fa: Text | None
    student_id: str
    name: str
    source: str
    submitted_at: str
    graded_at: str  # not part of the content hash
    summary: SummaryBox
    questions: tuple[QuestionView, ...]
    warnings: tuple[str, ...]
    warnings_hidden: int  # warnings beyond MAX_WARNINGS, counted but not listed


@lru_cache(maxsize=4096)
def _fa(text: str | None) -> Text | None:
    """A Persian title as right-to-left Text. Titles come from the rubric, so every report asks
    for the same few dozen: cached (Text is immutable)."""
    return bidi_text(clean(text), rtl=True) if text else None


def _rubric_item(rubric: Rubric, item_id: str) -> Item | None:
    try:
        return rubric.item(item_id)
    except KeyError:
        return None


def _answer(result: ItemResult) -> tuple[Text | None, str]:
    read_as = result.verdict.read_as
    if read_as is None or not read_as.strip():
        return None, ""
    if result.manual:
        shown = compact(read_as, TEXT_ANSWER_CHARS, TEXT_ANSWER_LINES)
        return bidi_text(" ".join(shown.text.split())), ""  # one line: line breaks become spaces
    else:
        shown = compact(read_as, ANSWER_CHARS, ANSWER_LINES)
    return bidi_text(shown.text), shown.note


def build_item_view(result: ItemResult, item: Item | None) -> ItemView:
    status = result.status.value
    pending = result.pending
    feedback = "" if (result.manual and result.verdict.status is Status.PENDING) else result.verdict.feedback
    show_expected = item is not None and item.show_expected and result.expected is not None
    answer, note = _answer(result)
    score = result.manual_score
    return ItemView(
        item_id=result.item_id,
        title=clean(item.title) if item is not None else result.item_id,
        title_fa=_fa(item.title_fa) if item is not None else None,
        status=status,
        status_label=STATUS_LABELS.get(status, status),
        points=result.points,
        max_points=result.max_points,
        bonus=result.bonus,
        manual=result.manual,
        pending=pending,
        answer=answer,
        answer_note=note,
        feedback=compact(feedback, FEEDBACK_CHARS, 8).text if feedback else "",
        expected=compact(result.expected, EXPECTED_CHARS, ANSWER_LINES).text if show_expected and result.expected else None,
        ta_points=score.points if (result.manual and score is not None) else None,
        ta_comment=bidi_text(compact(score.comment, COMMENT_CHARS, TEXT_ANSWER_LINES).text) if (result.manual and score and score.comment.strip()) else None,
        ta_grader=clean(score.grader) if (result.manual and score is not None) else "",
        ta_stale=bool(result.manual and score is not None and score.answer_changed),
    )


def _question_order(rubric: Rubric, results: Sequence[ItemResult]) -> list[str]:
    order = [q.id for q in rubric.questions]
    for r in results:
        if r.question not in order:
            order.append(r.question)
    return order


def _item_order(rubric: Rubric) -> dict[str, int]:
    return {item.id: index for index, item in enumerate(rubric.items)}


def build_student_view(result: SubmissionResult, rubric: Rubric, *, course: str = "", graded_at: str = "") -> StudentView:
    questions_by_id = {q.id: q for q in rubric.questions}
    order = _item_order(rubric)
    items = sorted(result.items, key=lambda r: order.get(r.item_id, len(order)))
    questions: list[QuestionView] = []
    for qid in _question_order(rubric, items):
        q_items = [r for r in items if r.question == qid]
        if not q_items:
            continue
        q = questions_by_id.get(qid)
        views = tuple(build_item_view(r, _rubric_item(rubric, r.item_id)) for r in q_items)
        questions.append(
            QuestionView(
                id=qid,
                title=clean(q.title) if q is not None else qid,
                title_fa=_fa(q.title_fa) if q is not None else None,
                points=round(sum(r.points for r in q_items if not r.bonus), 6),
                max_points=round(sum(r.max_points for r in q_items if not r.bonus), 6),
                bonus_points=round(sum(r.points for r in q_items if r.bonus), 6),
                bonus_max=round(sum(r.max_points for r in q_items if r.bonus), 6),
                items=views,
            )
        )

    regular = [r for r in result.items if not r.bonus]
    summary = SummaryBox(
        auto_points=result.auto_points,
        auto_max=round(sum(r.max_points for r in regular if not r.manual), 6),
        manual_points=result.manual_points,
        manual_max=round(sum(r.max_points for r in regular if r.manual), 6),
        manual_pending=round(sum(r.max_points for r in regular if r.pending), 6),
        manual_pending_items=sum(1 for r in regular if r.pending),
        bonus_points=result.bonus_points,
        bonus_max=result.max_bonus,
        bonus_pending=round(sum(r.max_points for r in result.items if r.bonus and r.pending), 6),
        adjustments=tuple(
            AdjustmentView(
                kind=a.kind.value if isinstance(a.kind, AdjustmentKind) else str(a.kind),
                label=ADJUSTMENT_LABELS.get(str(a.kind), str(a.kind)),
                points=a.points,
                reason=clean(a.reason),
                late_days=a.late_days_used,
            )
            for a in result.adjustments
        ),
        total=result.total,
        total_max=rubric.total if rubric.total else result.max_points,
        bonus_total_max=rubric.bonus_total if rubric.bonus_total else result.max_bonus,
        late_days=result.late_days,
    )
    warnings = tuple(compact(w, WARNING_CHARS, 4).text for w in result.warnings[:MAX_WARNINGS])
    return StudentView(
        course=clean(course),
        homework=clean(result.homework or rubric.homework),
        homework_title=clean(rubric.title),
        homework_title_fa=_fa(rubric.title_fa),
        student_id=clean(result.student_id),
        name=clean(result.name or ""),
        source=one_line(result.source or "", 120),
        submitted_at=clean(result.submitted_at or ""),
        graded_at=clean(graded_at),
        summary=summary,
        questions=tuple(questions),
        warnings=warnings,
        warnings_hidden=max(0, len(result.warnings) - MAX_WARNINGS),
    )


# ---------------------------------------------------------------------------------------------
# class summary


@dataclass(frozen=True)
class CommonAnswer:
    answer: str
    count: int


@dataclass(frozen=True)
class ItemStats:
    item_id: str
    title: str
    manual: bool
    bonus: bool
    max_points: float
    graded: int  # submissions counted in the mean (scored manual items only, for manual)
    pending: int
    mean: float | None
    correct_pct: float
    partial_pct: float
    wrong_pct: float
    invalid_pct: float
    missing_pct: float
    common_wrong: tuple[CommonAnswer, ...]


@dataclass(frozen=True)
class QuestionStats:
    id: str
    title: str
    title_fa: Text | None
    max_points: float
    bonus_max: float
    mean: float | None
    bonus_mean: float | None
    full_pct: float  # share of submissions with every regular point of the question
    items: tuple[ItemStats, ...]


@dataclass(frozen=True)
class Unreadable:
    file: str
    message: str


@dataclass(frozen=True)
class SummaryView:
    course: str
    homework: str
    homework_title: str
    homework_title_fa: Text | None
    graded_at: str
    count: int
    total_max: float
    bonus_total_max: float
    totals: tuple[float, ...]  # every submission's total, ascending (the histogram's data)
    mean: float | None
    median: float | None
    minimum: float | None
    maximum: float | None
    with_pending: int  # submissions still waiting for a TA score
    questions: tuple[QuestionStats, ...]
    unreadable: tuple[Unreadable, ...]
    integrity: IntegrityView | None = None  # the integrity and key-health section, when analysed


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _mean(values: Sequence[float]) -> float | None:
    return round(statistics.fmean(values), 4) if values else None


def _item_stats(item_id: str, item: Item | None, results: Sequence[ItemResult]) -> ItemStats:
    n = len(results)
    counts = Counter(r.status for r in results)
    manual = any(r.manual for r in results) if results else bool(item and item.manual)
    counted = [r for r in results if not r.pending]
    wrong = Counter(
        one_line(r.verdict.read_as, SUMMARY_ANSWER_CHARS)
        for r in results
        if not r.manual and r.verdict.status in (Status.WRONG, Status.PARTIAL) and r.verdict.read_as and r.verdict.read_as.strip()
    )
    common = sorted(wrong.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_WRONG]
    return ItemStats(
        item_id=item_id,
        title=clean(item.title) if item is not None else item_id,
        manual=manual,
        bonus=item.bonus if item is not None else any(r.bonus for r in results),
        max_points=item.points if item is not None else (results[0].max_points if results else 0.0),
        graded=len(counted),
        pending=n - len(counted),
        mean=_mean([r.points for r in counted]),
        correct_pct=_pct(counts[Status.CORRECT], n),
        partial_pct=_pct(counts[Status.PARTIAL], n),
        wrong_pct=_pct(counts[Status.WRONG], n),
        invalid_pct=_pct(counts[Status.INVALID], n),
        missing_pct=_pct(counts[Status.MISSING], n),
        common_wrong=tuple(CommonAnswer(answer, count) for answer, count in common),
    )


def _question_of(item_id: str, by_item: dict[str, list[ItemResult]]) -> str:
    if by_item.get(item_id):
        return by_item[item_id][0].question
    return item_id.split(".", 1)[0]


def build_summary_view(
    results: Sequence[SubmissionResult],
    rubric: Rubric,
    *,
    unreadable: Sequence[tuple[str, str]] = (),
    course: str = "",
    graded_at: str = "",
    integrity: IntegrityReport | None = None,
) -> SummaryView:
    by_item: dict[str, list[ItemResult]] = {}
    for result in results:
        for r in result.items:
            by_item.setdefault(r.item_id, []).append(r)
    order = _item_order(rubric)
    # items nobody answered still get a row
    item_ids = sorted(set(by_item) | set(order), key=lambda i: (order.get(i, len(order)), i))

    questions: list[QuestionStats] = []
    all_items = [r for result in results for r in result.items]
    rubric_questions = {q.id: q for q in rubric.questions}
    # each submission's points per (question, bonus), in one pass over its items
    earned: list[dict[tuple[str, bool], float]] = []
    for result in results:
        sums: dict[tuple[str, bool], float] = {}
        for r in result.items:
            key = (r.question, r.bonus)
            sums[key] = sums.get(key, 0) + r.points
        earned.append(sums)
    for qid in dict.fromkeys(_question_order(rubric, all_items) + [_question_of(i, by_item) for i in item_ids]):
        ids = [i for i in item_ids if _question_of(i, by_item) == qid]
        if not ids:
            continue
        q = rubric_questions.get(qid)
        stats = tuple(_item_stats(i, _rubric_item(rubric, i), by_item.get(i, [])) for i in ids)
        regular = [sums.get((qid, False), 0) for sums in earned]
        bonus = [sums.get((qid, True), 0) for sums in earned]
        q_max = q.points if q is not None else sum(s.max_points for s in stats if not s.bonus)
        q_bonus = q.bonus if q is not None else sum(s.max_points for s in stats if s.bonus)
        questions.append(
            QuestionStats(
                id=qid,
                title=clean(q.title) if q is not None else qid,
                title_fa=_fa(q.title_fa) if q is not None else None,
                max_points=q_max,
                bonus_max=q_bonus,
                mean=_mean(regular),
                bonus_mean=_mean(bonus) if q_bonus else None,
                full_pct=_pct(sum(1 for p in regular if q_max and p >= q_max - 1e-9), len(results)),
                items=stats,
            )
        )

    totals = tuple(sorted(r.total for r in results))
    return SummaryView(
        course=clean(course),
        homework=clean(rubric.homework),
        homework_title=clean(rubric.title),
        homework_title_fa=_fa(rubric.title_fa),
        graded_at=clean(graded_at),
        count=len(results),
        total_max=rubric.total,
        bonus_total_max=rubric.bonus_total,
        totals=totals,
        mean=_mean(totals),
        median=round(statistics.median(totals), 4) if totals else None,
        minimum=totals[0] if totals else None,
        maximum=totals[-1] if totals else None,
        with_pending=sum(1 for r in results if any(i.pending for i in r.items)),
        questions=tuple(questions),
        unreadable=tuple(Unreadable(one_line(f, 120), compact(m, UNREADABLE_CHARS, 4).text) for f, m in unreadable),
        integrity=build_integrity_view(integrity) if integrity is not None else None,
    )


# ---------------------------------------------------------------------------------------------
# hashing


_FIELDS: dict[type, tuple[str, ...]] = {}
_LEAVES = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """What `dataclasses.asdict` gives for a view (dataclasses become dicts, tuples stay
    tuples, plain values stay as they are) without its deep copies: the same JSON, ~5x faster."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    names = _FIELDS.get(kind)
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, (tuple, list)):
        return kind(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _without_graded_at(value: Any) -> Any:
    data = _plain(value)
    data.pop("graded_at", None)
    return data


def content_hash(view: StudentView | SummaryView, salt: str = "") -> str:
    """SHA-256 of everything a view shows except its graded-at time (plus `salt`, e.g. the
    templates' fingerprint, so a new layout re-renders everything)."""
    payload = json.dumps(_without_graded_at(view), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256((salt + "\n" + type(view).__name__ + "\n" + payload).encode("utf-8")).hexdigest()
