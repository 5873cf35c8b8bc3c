"""The submission policy, rule by rule, at its boundaries (table-driven), and submission times."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from grader.errors import PolicyError
from grader.model import AdjustmentKind, ItemResult, LedgerEntry, SubmissionResult, Verdict
from grader.policy.course import Course, load_course
from grader.policy.csv_inputs import parse_manifest, read_ledger_csv
from grader.policy.rules import LedgerUsage, apply_batch, decide, usage_before

ROOT = Path(__file__).resolve().parents[2]
TEHRAN = ZoneInfo("Asia/Tehran")
COURSE = load_course(ROOT / "rubrics" / "course.yaml")
BONUS = datetime(2024, 12, 6, 23, 59, tzinfo=TEHRAN)  # 1403-09-16 23:59
FINAL = datetime(2024, 12, 13, 23, 59, tzinfo=TEHRAN)  # 1403-09-23 23:59
S, H, D = timedelta(seconds=1), timedelta(hours=1), timedelta(days=1)

EB, LD, LP, TL = AdjustmentKind.EARLY_BONUS, AdjustmentKind.LATE_DAYS, AdjustmentKind.LATE_PENALTY, AdjustmentKind.TOO_LATE


def variant(**policy: object) -> Course:
    """The course file with some policy fields changed (e.g. late_window={'basis': 'max'})."""
    data = COURSE.model_dump()
    for section, values in policy.items():
        if isinstance(values, dict):
            data["policy"][section].update(values)
        else:
            data["policy"][section] = values
    return Course.model_validate(data)


# (case, submitted at, late days used before (part, total), expected [(kind, points, late days)], late days drawn)
# earned = 50 of a maximum of 100 throughout
CASES = [
    ("well before the bonus deadline", BONUS - 3 * D, (0, 0), [(EB, 10.0, 0)], 0),
    ("exactly at the bonus deadline", BONUS, (0, 0), [(EB, 10.0, 0)], 0),
    ("1 s after the bonus deadline", BONUS + S, (0, 0), [], 0),
    ("exactly at the final deadline", FINAL, (0, 0), [], 0),
    ("1 s after the final deadline: a started day", FINAL + S, (0, 0), [(LD, 0.0, 1)], 1),
    ("exactly 24 h late", FINAL + D, (0, 0), [(LD, 0.0, 1)], 1),
    ("24 h and 1 s late", FINAL + D + S, (0, 0), [(LD, 0.0, 2)], 2),
    ("exactly 5 days late: the whole allowance", FINAL + 5 * D, (0, 0), [(LD, 0.0, 5)], 5),
    ("5 days and 1 s: first started hour of the window", FINAL + 5 * D + S, (0, 0), [(LD, 0.0, 5), (LP, -1.0, 0)], 5),
    ("5 days and 1 h: still one hour", FINAL + 5 * D + H, (0, 0), [(LD, 0.0, 5), (LP, -1.0, 0)], 5),
    ("5 days, 1 h and 1 s: two hours", FINAL + 5 * D + H + S, (0, 0), [(LD, 0.0, 5), (LP, -2.0, 0)], 5),
    ("last minute of the window", FINAL + 5 * D + 47 * H + 59 * 60 * S, (0, 0), [(LD, 0.0, 5), (LP, -48.0, 0)], 5),
    ("the window's last instant", FINAL + 7 * D, (0, 0), [(LD, 0.0, 5), (LP, -48.0, 0)], 5),
    ("1 s after the window: zero", FINAL + 7 * D + S, (0, 0), [(TL, -50.0, 0)], 0),
    ("allowance exhausted by earlier homeworks", FINAL + S, (15, 15), [(LP, -1.0, 0)], 0),
    ("exhausted: 47 h into the window", FINAL + 47 * H, (15, 15), [(LP, -47.0, 0)], 0),
    ("exhausted: 2 days and 1 s late is too late", FINAL + 2 * D + S, (15, 15), [(TL, -50.0, 0)], 0),
    ("3 days left of the term", FINAL + 3 * D, (12, 12), [(LD, 0.0, 3)], 3),
    ("3 days left, 3 days and 2 h late", FINAL + 3 * D + 2 * H, (12, 12), [(LD, 0.0, 3), (LP, -2.0, 0)], 3),
    ("practical days count in the term total", FINAL + 2 * D, (0, 14), [(LD, 0.0, 1), (LP, -24.0, 0)], 1),
]


@pytest.mark.parametrize(("case", "submitted", "used", "expected", "drawn"), CASES, ids=[c[0] for c in CASES])
def test_policy_table(case: str, submitted: datetime, used: tuple[int, int], expected: list[tuple[AdjustmentKind, float, int]], drawn: int) -> None:
    outcome = decide(
        course=COURSE, homework="hw4", part="theory", submitted_at=submitted, earned=50.0, maximum=100.0, used=LedgerUsage(*used)
    )
    got = [(a.kind, a.points, a.late_days_used) for a in outcome.adjustments]
    assert got == [(k, pytest.approx(p), n) for k, p, n in expected]
    assert outcome.late_days == drawn
    assert all(a.reason for a in outcome.adjustments)


@pytest.mark.parametrize(
    ("submitted", "used", "phrase"),
    [
        (FINAL + 3 * D, (0, 4), "3 late days used, 8 left this term"),
        (FINAL + S, (0, 0), "1 late day used, 14 left this term"),
        (FINAL + 5 * D + 2 * H, (0, 0), "2 started hours × 2% of the part's earned 50 points = −2"),
        (FINAL + S, (15, 15), "no late days left (15 of 15 used this term)"),
        (FINAL + 8 * D, (0, 0), "this part scores 0 (no late days drawn)"),
        (BONUS - D, (0, 0), "before the bonus deadline 1403-09-16 23:59: +20% of the part's 50 points"),
        (FINAL + 3 * D, (0, 0), "submitted 1403-09-26 23:59, 3 d after the final deadline 1403-09-23 23:59"),
    ],
)
def test_reasons_are_sentences_a_student_can_check(submitted: datetime, used: tuple[int, int], phrase: str) -> None:
    outcome = decide(course=COURSE, homework="hw4", part="theory", submitted_at=submitted, earned=50.0, maximum=100.0, used=LedgerUsage(*used))
    assert phrase in " | ".join(a.reason for a in outcome.adjustments)


def test_bonus_counts_manual_points_and_says_when_it_is_provisional() -> None:
    outcome = decide(course=COURSE, homework="hw4", part="theory", submitted_at=BONUS - D, earned=40.0, maximum=100.0, pending_manual=48.0)
    (bonus,) = outcome.adjustments
    assert bonus.points == pytest.approx(8.0)
    assert "provisional: 48 manual points are not graded yet" in bonus.reason


def test_penalty_basis_max_is_capped_at_the_earned_score() -> None:
    course = variant(late_window={"basis": "max"})
    one_hour = decide(course=course, homework="hw4", part="theory", submitted_at=FINAL + 5 * D + H, earned=50.0, maximum=100.0)
    assert [a.points for a in one_hour.adjustments] == [0.0, pytest.approx(-2.0)]  # 2% of 100
    assert "of the part's maximum 100 points" in one_hour.adjustments[-1].reason
    late = decide(course=course, homework="hw4", part="theory", submitted_at=FINAL + 5 * D + 40 * H, earned=50.0, maximum=100.0)
    assert late.adjustments[-1].points == pytest.approx(-50.0)  # 80% of 100 > the 50 earned


def test_per_part_term_cap() -> None:
    course = variant(late_days={"per_term_per_part": 8})
    outcome = decide(course=course, homework="hw4", part="theory", submitted_at=FINAL + 3 * D, earned=50.0, maximum=100.0, used=LedgerUsage(part=6, total=6))
    assert [(a.kind, a.late_days_used) for a in outcome.adjustments] == [(LD, 2), (LP, 0)]
    assert outcome.late_days == 2


def test_too_late_may_draw_the_allowance() -> None:
    course = variant(too_late_uses_allowance=True)
    outcome = decide(course=course, homework="hw4", part="theory", submitted_at=FINAL + 9 * D, earned=50.0, maximum=100.0)
    assert [(a.kind, a.points, a.late_days_used) for a in outcome.adjustments] == [(TL, -50.0, 5)]
    assert outcome.late_days == 5


def test_no_bonus_deadline_means_no_bonus() -> None:
    data = COURSE.model_dump()
    data["homeworks"]["hw4"]["theory"]["bonus_deadline"] = None
    course = Course.model_validate(data)
    assert decide(course=course, homework="hw4", part="theory", submitted_at=BONUS - D, earned=50.0, maximum=100.0).adjustments == ()


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(course=COURSE, homework="hw4", part="theory", submitted_at=datetime(2024, 12, 1), earned=1.0, maximum=1.0)


# --- the ledger: which late days come before this part -------------------------------------------


def _course_with_hw5() -> Course:
    data = COURSE.model_dump()
    data["homeworks"]["hw5"] = {"theory": {"bonus_deadline": None, "final_deadline": "1403-10-14 23:59"}}
    return Course.model_validate(data)


def test_usage_counts_only_earlier_homework_parts() -> None:
    course = _course_with_hw5()
    me = FINAL + 2 * D
    entries = [
        LedgerEntry("s", "hw1", "theory", 4, None, "import"),  # not in course.yaml: graded elsewhere, earlier
        LedgerEntry("s", "hw2", "practical", 3, None, "import"),
        LedgerEntry("s", "hw4", "theory", 5, None, "run"),  # this very part: replaced by the re-grade
        LedgerEntry("s", "hw4", "practical", 2, (FINAL + D).isoformat(), "run"),  # same deadline, submitted before
        LedgerEntry("s", "hw5", "theory", 1, None, "run"),  # a later homework
    ]
    assert usage_before(entries, course=course, homework="hw4", part="theory", submitted_at=me) == LedgerUsage(part=4, total=9)
    # the practical part submitted after this one does not count against it
    later = [e if e.part != "practical" or e.homework != "hw4" else LedgerEntry("s", "hw4", "practical", 2, (FINAL + 3 * D).isoformat()) for e in entries]
    assert usage_before(later, course=course, homework="hw4", part="theory", submitted_at=me) == LedgerUsage(part=4, total=7)


def test_allowance_exhausted_by_the_ledger_end_to_end() -> None:
    result = _result("401000001", modified=FINAL + 3 * H)
    ledger = {"401000001": [LedgerEntry("401000001", "hw1", "theory", 10, None, "import"), LedgerEntry("401000001", "hw2", "practical", 5, None, "import")]}
    manifest = parse_manifest("student_id,part,submitted_at\n401000001,theory,1403-09-24 02:59\n", course=COURSE, part="theory")
    (adjusted,), (entry,) = apply_batch([result], course=COURSE, part="theory", manifest=manifest, ledger=ledger)
    assert [(a.kind, a.points) for a in adjusted.adjustments] == [(LP, pytest.approx(-0.06))]  # 3 h × 2% of 1 point
    assert entry == LedgerEntry("401000001", "hw4", "theory", 0, "2024-12-13T23:29:00+00:00", "run")
    assert adjusted.submitted_at == "2024-12-14T02:59:00+03:30"
    assert adjusted.warnings == ()


# --- submission times ---------------------------------------------------------------------------


def _result(student: str, *, modified: datetime, points: float = 1.0) -> SubmissionResult:
    item = ItemResult("q1.a", "q1", 1.0, False, False, Verdict.correct("a") if points else Verdict.wrong("b"))
    return SubmissionResult(student, "hw4", f"HW4_T_{student}.yaml", (item,), modified_at=modified.astimezone(timezone.utc).isoformat())


def test_manifest_forms_iso_naive_and_jalali() -> None:
    text = (
        "\ufeffstudent_id,part,submitted_at\n"
        "1,theory,2024-12-13T23:59:00+03:30\n"
        "2,theory,2024-12-13 23:59\n"  # naive: Asia/Tehran
        "3,THEORY,1403-09-23 23:59\n"
        "4,theory,۱۴۰۳-۰۹-۲۳ ۲۳:۵۹\n"
        "5,practical,1403-09-30 10:00\n"  # the other part: ignored
        ",,\n"
    )
    times = parse_manifest(text.removeprefix("\ufeff"), course=COURSE, part="theory")
    assert sorted(times) == ["1", "2", "3", "4"]
    assert {t.moment for t in times.values()} == {FINAL}
    assert all(t.source == "manifest" and not t.note for t in times.values())


def test_manifest_bad_rows_are_all_reported() -> None:
    text = "student_id,part,submitted_at\n1,theory,yesterday\n,theory,1403-09-23 23:59\n3,lab,1403-09-23 23:59\n4,theory,1403-09-23 23:59\n5,theory,1402-12-30 10:00\n"
    with pytest.raises(PolicyError) as info:
        parse_manifest(text, course=COURSE, part="theory", name="m.csv")
    message = str(info.value)
    assert message.startswith("m.csv: 4 bad rows in the manifest")
    assert "row 2: submitted_at: expected a date and time" in message
    assert "row 3: student_id is empty" in message
    assert "row 4: part must be theory or practical, got 'lab'" in message
    assert "row 6: submitted_at: '1402-12-30 10:00' is not a valid Jalali date" in message
    assert "row 5" not in message


def test_manifest_needs_its_columns() -> None:
    with pytest.raises(PolicyError, match="missing column submitted_at: expected student_id, part, submitted_at"):
        parse_manifest("student_id,part\n1,theory\n", course=COURSE, part="theory")


def test_two_uploads_the_last_one_counts() -> None:
    text = "student_id,part,submitted_at\n1,theory,1403-09-25 10:00\n1,theory,1403-09-20 10:00\n"
    time = parse_manifest(text, course=COURSE, part="theory")["1"]
    assert time.moment == datetime(2024, 12, 15, 10, 0, tzinfo=TEHRAN)
    assert "2 uploads in the manifest; the last one (row 2" in time.note


def test_without_a_manifest_the_modification_time_is_used_with_a_warning() -> None:
    result = _result("7", modified=BONUS - D)
    (adjusted,), (entry,) = apply_batch([result], course=COURSE, part="theory", manifest=None, ledger={})
    assert [a.kind for a in adjusted.adjustments] == [EB]
    assert len(adjusted.warnings) == 1
    assert "no manifest" in adjusted.warnings[0] and "modification time 1403-09-15 23:59" in adjusted.warnings[0]
    missing = apply_batch([result], course=COURSE, part="theory", manifest={}, manifest_name="m.csv", ledger={})[0][0]
    assert "not in the manifest m.csv" in missing.warnings[0]


def test_ledger_csv(tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    path.write_text("student_id,homework,part,late_days\n1,hw1,theory,3\n1,hw2,practical,۲\n", encoding="utf-8")
    assert [(e.homework, e.part, e.days, e.source) for e in read_ledger_csv(path)] == [("hw1", "theory", 3, "import"), ("hw2", "practical", 2, "import")]
    path.write_text("student_id,homework,part,late_days\n1,hw1,theory,-1\n1,hw1,lab,2\n1,hw1,lab,2\n", encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        read_ledger_csv(path)
    assert "row 2: late_days must be a whole number" in str(info.value)
    assert "row 3: part must be theory or practical" in str(info.value)
