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

from grader.grading.item import grade_answers, grade_item
from grader.keys.keybook import KeyBook
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


def validate_term(rubric: Rubric, *, student_ids: tuple[str, ...] = SAMPLE_IDS) -> list[Check]:
    """What grading and the students' kit need beyond the key: the homework's deadlines in the
    course file, and a student kit that builds, imports its instance generators in a fresh
    interpreter and makes the same instances as the grader."""
    return _course_check(rubric) + _kit_check(rubric, student_ids)


def _course_check(rubric: Rubric) -> list[Check]:
    from grader.errors import GraderError
    from grader.policy.course import course_path, load_course

    path = course_path(rubric)
    if path is None:
        return [Check("the rubric names a course file (`course:`)", True)]  # no policy: allowed, said at grading
    name = f"{path} lists {rubric.homework} {rubric.part} deadlines"
    try:
        course = load_course(path)
    except GraderError as exc:
        return [Check(name, False, str(exc))]
    ok = rubric.part in course.homeworks.get(rubric.homework, {})
    detail = "" if ok else f"add homeworks.{rubric.homework}.{rubric.part} with final_deadline (and bonus_deadline): grading would stop without it"
    return [Check(name, ok, detail)]


def _kit_check(rubric: Rubric, student_ids: tuple[str, ...]) -> list[Check]:
    import json
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from grader.errors import GraderError
    from grader.student import KIT_PACKAGE, KIT_RUBRICS
    from grader.student.kit import build_kit

    name = "the student kit builds and makes the grader's instances in a fresh interpreter"
    expected = {n: [g(sid) for sid in student_ids] for n, g in sorted(rubric.registry().instances.items())}
    with tempfile.TemporaryDirectory(prefix="hwgrader-kit-") as tmp:
        kit = Path(tmp) / "kit"
        try:
            build_kit(rubric, kit)
        except GraderError as exc:
            return [Check(name, False, f"grade kit fails: {exc}")]
        rubric_file = kit / KIT_PACKAGE / KIT_RUBRICS / Path(rubric.path).name
        code = (
            "import json, sys\n"
            f"sys.path.insert(0, {str(kit)!r})\n"
            "from grader.rubric import load_rubric\n"
            f"r = load_rubric({str(rubric_file)!r}).registry()\n"
            f"print(json.dumps({{n: [g(s) for s in {list(student_ids)!r}] for n, g in sorted(r.instances.items())}}))\n"
        )
        try:  # -I: no PYTHONPATH, no current folder: only what the kit carries, and the installed libraries
            done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return [Check(name, False, f"could not run the kit: {exc}")]
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return [Check(name, False, f"the kit cannot load its rubric and instance generators: {last}")]
    got = json.loads(done.stdout)
    ok = got == json.loads(json.dumps(expected))
    return [Check(name, ok, "" if ok else "the kit's instances differ from the grader's (does the instance module depend on more than reference.instances?)")]
