"""The course file: Jalali deadlines, the time zone, and validation that names file and field."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import yaml

from grader.errors import PolicyError, RubricError
from grader.policy.course import course_path, iso, jalali, load_course, parse_moment

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "rubrics" / "course.yaml"
TEHRAN = ZoneInfo("Asia/Tehran")


def test_tz_database_has_tehran_at_plus_0330() -> None:
    # zoneinfo needs the system tz database or the `tzdata` package; Iran has had no DST since 2022
    moment = datetime(2024, 12, 6, 23, 59, tzinfo=TEHRAN)
    assert moment.utcoffset() == timedelta(hours=3, minutes=30)


@pytest.mark.parametrize(
    ("jalali_text", "gregorian"),
    [
        ("1403-09-16 23:59", datetime(2024, 12, 6, 23, 59)),  # HW4 bonus deadline, a Friday
        ("1403-09-23 23:59", datetime(2024, 12, 13, 23, 59)),  # HW4 final deadline, a Friday
        ("1403-01-01 00:00", datetime(2024, 3, 20, 0, 0)),  # Nowruz 1403
        ("1403-12-30 12:00", datetime(2025, 3, 20, 12, 0)),  # 1403 is a Jalali leap year
        ("۱۴۰۳-۰۹-۱۶ ۲۳:۵۹", datetime(2024, 12, 6, 23, 59)),  # Persian digits
        ("1403/9/16 23:59:30", datetime(2024, 12, 6, 23, 59, 30)),
    ],
)
def test_jalali_deadlines_convert_with_jdatetime(jalali_text: str, gregorian: datetime) -> None:
    moment = parse_moment(jalali_text, TEHRAN)
    assert moment == gregorian.replace(tzinfo=TEHRAN)


def test_hw4_deadlines_are_fridays_in_tehran_time() -> None:
    bonus = parse_moment("1403-09-16 23:59", TEHRAN)
    final = parse_moment("1403-09-23 23:59", TEHRAN)
    assert (bonus.date().isoformat(), bonus.strftime("%A")) == ("2024-12-06", "Friday")
    assert (final.date().isoformat(), final.strftime("%A")) == ("2024-12-13", "Friday")
    assert final.astimezone(timezone.utc) == datetime(2024, 12, 13, 20, 29, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2024-12-13T23:59:00+03:30", datetime(2024, 12, 13, 20, 29)),
        ("2024-12-13 20:29:00Z", datetime(2024, 12, 13, 20, 29)),
        ("2024-12-13T23:59", datetime(2024, 12, 13, 20, 29)),  # naive: course time zone
        ("2024-12-13T21:29:00+0100", datetime(2024, 12, 13, 20, 29)),
        ("2024-12-13T20:29:00.5+00:00", datetime(2024, 12, 13, 20, 29, 0, 500000)),
    ],
)
def test_iso_stamps_with_and_without_offset(text: str, utc: datetime) -> None:
    assert parse_moment(text, TEHRAN) == utc.replace(tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1402-12-30 10:00", "not a valid Jalali date"),  # 1402 is not a leap year
        ("1403-13-01 10:00", "not a valid Jalali date"),
        ("2024-02-30 10:00", "not a valid Gregorian date"),
        ("1403-09-16", "only a date"),
        ("16 Azar 1403", "expected a date and time"),
        ("", "expected a date and time"),
    ],
)
def test_bad_stamps_are_refused_with_a_sentence(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_moment(text, TEHRAN)


def test_back_to_jalali_and_iso() -> None:
    moment = datetime(2024, 12, 13, 20, 29, tzinfo=timezone.utc)
    assert jalali(moment, TEHRAN) == "1403-09-23 23:59"
    assert jalali(moment + timedelta(seconds=7), TEHRAN) == "1403-09-23 23:59:07"
    assert iso(moment, TEHRAN) == "2024-12-13T23:59:00+03:30"


def test_the_course_file_loads_and_gives_hw4_deadlines() -> None:
    course = load_course(COURSE)
    assert course.timezone == "Asia/Tehran"
    bonus, final = course.deadlines("hw4", "theory")
    assert bonus == datetime(2024, 12, 6, 23, 59, tzinfo=TEHRAN)
    assert final == datetime(2024, 12, 13, 23, 59, tzinfo=TEHRAN)
    policy = course.policy
    assert policy.early_bonus.fraction == pytest.approx(0.2)
    assert (policy.late_days.per_homework, policy.late_days.per_term_per_part, policy.late_days.per_term) == (5, 15, 15)
    assert (policy.late_window.hours, policy.late_window.percent_per_hour, str(policy.late_window.basis)) == (48, 2, "earned")
    with pytest.raises(PolicyError, match="no deadlines for hw9 theory"):
        course.deadlines("hw9", "theory")


def test_the_hw4_rubric_points_at_the_course_file() -> None:
    data = yaml.safe_load((ROOT / "rubrics" / "hw4.yaml").read_text(encoding="utf-8"))
    rubric = SimpleNamespace(path=str(ROOT / "rubrics" / "hw4.yaml"), course=data["course"])
    assert course_path(rubric) == COURSE
    assert course_path(SimpleNamespace(path="x.yaml", course=None)) is None


GOOD = {
    "course": "Test",
    "timezone": "Asia/Tehran",
    "policy": {
        "early_bonus": {"fraction": 0.2},
        "late_days": {"per_homework": 5, "per_term_per_part": 15, "per_term": 15},
        "late_window": {"hours": 48, "percent_per_hour": 2},
    },
    "homeworks": {"hw4": {"theory": {"bonus_deadline": "1403-09-16 23:59", "final_deadline": "1403-09-23 23:59"}}},
}


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "course.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_every_problem_is_named_by_file_and_field(tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    data["timezone"] = "Asia/Nowhere"
    data["policy"]["early_bonus"]["fraction"] = 1.5
    data["policy"]["late_window"]["basis"] = "median"
    del data["policy"]["late_days"]["per_term"]
    data["homeworks"]["hw4"]["theory"]["final_deadline"] = "1403-09-32 23:59"
    data["homeworks"]["hw4"]["theroy"] = {"final_deadline": "1403-09-23 23:59"}
    path = _write(tmp_path, data)
    with pytest.raises(RubricError) as info:
        load_course(path)
    message = str(info.value)
    assert message.startswith(f"{path}: 6 problems in the course file")
    for field in (
        "timezone: unknown time zone 'Asia/Nowhere'",
        "policy.early_bonus.fraction:",
        "policy.late_window.basis:",
        "policy.late_days.per_term: Field required",
        "homeworks.hw4.theory.final_deadline: '1403-09-32 23:59' is not a valid Jalali date",
        "homeworks.hw4.theroy",
    ):
        assert field in message, field


def test_bonus_deadline_after_final_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    data["homeworks"]["hw4"]["theory"]["bonus_deadline"] = "1403-09-24 23:59"
    with pytest.raises(RubricError, match=r"homeworks\.hw4\.theory\.bonus_deadline: 1403-09-24 23:59 is after the final deadline"):
        load_course(_write(tmp_path, data))


def test_unquoted_yaml_timestamps_are_read_as_written(tmp_path: Path) -> None:
    # YAML makes `2024-12-13 23:59:00` a datetime; it must still mean 23:59 in the course zone
    text = yaml.safe_dump(GOOD).replace("final_deadline: 1403-09-23 23:59", "final_deadline: 2024-12-13 23:59:00")
    assert "final_deadline: 2024-12-13 23:59:00" in text
    path = tmp_path / "course.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_course(path).deadlines("hw4", "theory")[1] == datetime(2024, 12, 13, 23, 59, tzinfo=TEHRAN)


def test_unreadable_or_non_mapping_files(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="cannot read the course file"):
        load_course(tmp_path / "missing.yaml")
    path = tmp_path / "course.yaml"
    path.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(RubricError, match="expected a mapping"):
        load_course(path)
