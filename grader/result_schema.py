"""The one result schema: a `SubmissionResult` as JSON (`result_json`) and back (`result_from_json`).

results/<id>.json, the gradebook's stored results, the grading cache, the run diff and the report's
skip hash all derive from this JSON, so it carries everything a result holds: `result_from_json`
is its exact inverse for what grading produces (a test round-trips the bench corpus). The layout
is a public contract (docs/results-format.md): add fields, never rename them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from grader.model import Adjustment, AdjustmentKind, ItemResult, ManualScore, SheetPages, Status, SubmissionResult, Verdict
from grader.numfmt import score_value

SCHEMA = "hwgrader.result/1"


def item_json(result: ItemResult) -> dict[str, Any]:
    data: dict[str, Any] = {
        "status": result.status.value,
        "points": score_value(result.points),
        "max_points": score_value(result.max_points),
        "read_as": result.verdict.read_as,
        "feedback": result.verdict.feedback,
        "bonus": result.bonus,
        "manual": result.manual,
        "question": result.question,
        "credit": result.verdict.credit,
    }
    if result.verdict.status is not result.status:  # a TA's score decides a manual item's status
        data["verdict_status"] = result.verdict.status.value
    if result.verdict.matched:
        data["matched"] = result.verdict.matched
    if result.expected is not None:
        data["expected"] = result.expected
    if result.manual_score is not None:
        data["manual_score"] = {"points": score_value(result.manual_score.points), "comment": result.manual_score.comment, "grader": result.manual_score.grader}
        if result.manual_score.answer_changed:
            data["manual_score"]["answer_changed"] = True  # the answer is not the one the TA graded
    return data


def result_json(result: SubmissionResult) -> dict[str, Any]:
    data = _result_json(result)
    if result.pdf is not None:  # a PDF answer sheet: pages for the TA (derivations appended after the sheet)
        data["pdf"] = {"pages": result.pdf.pages, "sheet_pages": result.pdf.sheet_pages, "appended_pages": result.pdf.appended}
    return data


def _result_json(result: SubmissionResult) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "student_id": result.student_id,
        "homework": result.homework,
        "source": result.source,
        "name": result.name,
        "modified_at": result.modified_at,
        "file_sha256": result.file_sha256,
        "submitted_at": result.submitted_at,
        "totals": {
            "auto": score_value(result.auto_points),
            "manual": score_value(result.manual_points),
            "bonus": score_value(result.bonus_points),
            "pending_manual": score_value(result.pending_points),
            "adjustments": score_value(result.adjustment_points),
            "total": score_value(result.total),
            "max": score_value(result.max_points),
            "max_bonus": score_value(result.max_bonus),
        },
        "questions": {q: score_value(p) for q, p in sorted(result.question_points().items())},
        "items": {r.item_id: item_json(r) for r in result.items},
        "adjustments": [
            {"kind": a.kind.value, "points": score_value(a.points), "reason": a.reason, "late_days_used": a.late_days_used}
            for a in result.adjustments
        ],
        "late_days": result.late_days,
        "warnings": list(result.warnings),
    }


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(data: Any) -> str:
    """Indented UTF-8 JSON; a lone surrogate (only inside a string) becomes its \\uXXXX escape."""
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    if _LONE_SURROGATE.search(text):
        text = _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text


@dataclass(frozen=True)
class ResultDoc:
    """A result's JSON, made once per run and shared by the run diff, results/*.json and the
    gradebook (each used to build it again: a third of a re-grade's time at 1,000 students)."""

    result: SubmissionResult
    data: dict[str, Any]
    text: str  # compact, sorted keys: what the gradebook stores and the digest is taken of

    @property
    def student_id(self) -> str:
        return self.result.student_id

    @cached_property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8", "replace")).hexdigest()


def result_doc(result: SubmissionResult) -> ResultDoc:
    data = result_json(result)
    return ResultDoc(result, data, json.dumps(data, ensure_ascii=False, sort_keys=True))




def item_from_json(item_id: str, data: dict[str, Any]) -> ItemResult:
    status = Status(data.get("verdict_status", data["status"]))
    manual = data.get("manual_score")
    score = None
    if isinstance(manual, dict):
        score = ManualScore(float(manual["points"]), str(manual.get("comment", "")), str(manual.get("grader", "")), answer_changed=bool(manual.get("answer_changed")))
    return ItemResult(
        item_id=item_id,
        question=str(data["question"]),
        max_points=float(data["max_points"]),
        bonus=bool(data["bonus"]),
        manual=bool(data["manual"]),
        verdict=Verdict(status, float(data["credit"]), data["read_as"], str(data["feedback"]), data.get("matched")),
        manual_score=score,
        expected=data.get("expected"),
    )


def result_from_json(data: dict[str, Any]) -> SubmissionResult:
    """The result `result_json` was made from (what the JSON does not carry: a manual score's
    version and answer hash, which live in the gradebook, and `Verdict.cacheable`, true for every
    stored result). Raises KeyError/ValueError/TypeError on JSON of another shape."""
    pdf = data.get("pdf")
    return SubmissionResult(
        student_id=str(data["student_id"]),
        homework=str(data["homework"]),
        source=str(data["source"]),
        items=tuple(item_from_json(str(item_id), item) for item_id, item in data["items"].items()),
        warnings=tuple(str(w) for w in data["warnings"]),
        adjustments=tuple(
            Adjustment(AdjustmentKind(a["kind"]), float(a["points"]), str(a["reason"]), int(a.get("late_days_used", 0))) for a in data["adjustments"]
        ),
        submitted_at=data["submitted_at"],
        file_sha256=data["file_sha256"],
        name=data.get("name"),
        modified_at=data.get("modified_at"),
        pdf=None if pdf is None else SheetPages(int(pdf["pages"]), pdf["sheet_pages"]),
    )
