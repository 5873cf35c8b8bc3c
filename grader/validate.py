"""`grade validate`: prove a rubric's key before any student is graded.

Three checks, each on a few student ids so per-student instances are covered too:
(a) the reference answers, written out as a student would, score every automatic point;
(b) a blank answer file scores 0;
(c) every accepted alternative and known mistake, written out, gets exactly its stated credit.
A failure names the item and the rule; CI runs this for every rubric.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.engine import grade_answers, grade_item
from grader.keys import KeyBook
from grader.kinds import get_kind
from grader.kinds.base import Range
from grader.model import Status
from grader.rubric import Rubric

SAMPLE_IDS = ("401234567", "400100200", "99105555")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


def answer_text(item: Any, expected: Any) -> Any:
    """How a student would write `expected`: the kind's canonical text (a midpoint for a range)."""
    if isinstance(expected, Range):
        return repr((expected.low + expected.high) / 2)
    if hasattr(expected, "tolist"):  # arrays: the full nested list, as a YAML list in the file
        return expected.tolist()
    return get_kind(item.kind).show(expected, item)


def validate_rubric(rubric: Rubric, *, student_ids: tuple[str, ...] = SAMPLE_IDS) -> list[Check]:
    keys = KeyBook(rubric)
    keys.warm()
    checks: list[Check] = []
    auto_max = sum(i.points for i in rubric.auto_items)
    for sid in student_ids:
        answers = {item.id: answer_text(item, keys.expected(item, 0, sid)) for item in rubric.auto_items}
        results = grade_answers(answers, rubric=rubric, keys=keys, student_id=sid)
        earned = sum(r.points for r in results if not r.manual)
        bad = [f"{r.item_id} ({r.status}: {r.verdict.feedback or r.verdict.read_as})" for r in results if not r.manual and r.status is not Status.CORRECT]
        checks.append(Check(f"reference answers score all {auto_max:g} automatic points (bonus included) (student {sid})", not bad and abs(earned - auto_max) < 1e-9, "; ".join(bad) or f"got {earned:g}"))
        blank = grade_answers({}, rubric=rubric, keys=keys, student_id=sid)
        blank_points = sum(r.points for r in blank)
        not_missing = [r.item_id for r in blank if r.status is not Status.MISSING]
        checks.append(Check(f"a blank file scores 0 (student {sid})", blank_points == 0 and not not_missing, f"got {blank_points:g}; not missing: {not_missing}" if not_missing or blank_points else ""))
    for item in rubric.auto_items:
        if item.example:  # templates show it to every student: it must not be an answer
            result = grade_item(item, item.example, keys=keys, student_id=student_ids[0])
            ok = result.status in (Status.WRONG, Status.INVALID) and not result.verdict.matched
            checks.append(Check(f"{item.id} example {item.example!r} earns nothing", ok, "" if ok else f"the example is {result.status} (matched {result.verdict.matched or 'the key'})"))
        for index, rule in enumerate(item.rules()):
            if index == 0:
                continue
            section = "accept" if rule in item.accept else "mistakes"
            ids = student_ids if keys.needs_instance(rule) else student_ids[:1]
            for sid in ids:
                raw = answer_text(item, keys.expected(item, index, sid))
                result = grade_item(item, raw, keys=keys, student_id=sid)
                ok = abs(result.verdict.credit - rule.credit) < 1e-9
                fired = result.verdict.matched or ("the key" if result.status is Status.CORRECT else f"nothing: {result.status}, {result.verdict.feedback}")
                detail = "" if ok else f"answer {_short(raw)!r} got credit {result.verdict.credit:g} (matched {fired}), expected {rule.credit:g}"
                if ok and rule.credit < 1 and result.verdict.matched != rule.name:
                    ok, detail = False, f"answer {_short(raw)!r} matched {fired} instead of this rule"
                checks.append(Check(f"{item.id} {section}: {rule.name} earns {rule.credit:g} (student {sid})", ok, detail))
    return checks


def _short(raw: Any, limit: int = 80) -> str:
    text = str(raw)
    return text if len(text) <= limit else text[: limit - 1] + "…"
