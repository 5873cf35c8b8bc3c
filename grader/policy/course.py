"""The course file (`rubrics/course.yaml`): time zone, deadlines in the Jalali calendar, policy.

Everything the submission policy needs is here and nowhere else: the grader hard-codes no date,
percentage or allowance. Deadlines are written as the course announces them, in the Jalali
(Solar Hijri) calendar and the course's time zone (`1403-09-16 23:59`); they are converted with
jdatetime and zoneinfo, never by hand. An ISO Gregorian date (`2024-12-06 23:59`) is accepted too:
a year below 1700 is Jalali, any other is Gregorian.

Loading validates the whole file and raises one `RubricError` naming the file and every field
that is wrong.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jdatetime
from pydantic import Field, ValidationError, field_validator, model_validator

from grader.config import Strict, field_path, problems_error, read_yaml_mapping
from grader.model import PARTS as PARTS  # re-exported: the parts' one home is grader.model
from grader.model import Part as Part

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_STAMP = re.compile(
    r"^\s*(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.(?P<f>\d{1,6}))?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?\s*$"
)
JALALI_MAX_YEAR = 1700  # Jalali years are ~1300-1500 today; Gregorian ones ~1900-2100


def zone(name: str) -> ZoneInfo:
    """A time zone from the system database or the `tzdata` package; a clear error if neither."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {name!r} (is the tz database installed? `pip install tzdata` provides it)"
        ) from exc


def parse_moment(text: str, tz: ZoneInfo, *, need_time: bool = True) -> datetime:
    """An aware datetime from `1403-09-16 23:59` (Jalali), `2024-12-06T23:59:00+03:30` (ISO)...

    Persian and Arabic-Indic digits are read as ASCII digits. A stamp without an offset is in
    `tz`. A year below 1700 is a Jalali date; otherwise Gregorian. Raises ValueError with a
    sentence on anything else, including dates that do not exist (1403-12-30 exists: 1403 is a
    Jalali leap year; 1402-12-30 does not).
    """
    raw = str(text)
    match = _STAMP.match(raw.translate(_DIGITS))
    if match is None:
        raise ValueError(f"expected a date and time like 1403-09-16 23:59 or 2024-12-06T23:59:00+03:30, got {raw!r}")
    if match["H"] is None and need_time:
        raise ValueError(f"expected a date and a time (e.g. {raw.strip()} 23:59), got only a date")
    y, m, d = int(match["y"]), int(match["m"]), int(match["d"])
    hh, mm, ss = int(match["H"] or 0), int(match["M"] or 0), int(match["S"] or 0)
    micro = int((match["f"] or "0").ljust(6, "0"))
    try:
        if y < JALALI_MAX_YEAR:
            naive: datetime = jdatetime.datetime(y, m, d, hh, mm, ss, micro).togregorian()
        else:
            naive = datetime(y, m, d, hh, mm, ss, micro)
    except ValueError as exc:
        calendar = "Jalali" if y < JALALI_MAX_YEAR else "Gregorian"
        raise ValueError(f"{raw.strip()!r} is not a valid {calendar} date and time ({exc})") from None
    offset = match["tz"]
    if offset is None:
        return naive.replace(tzinfo=tz)
    if offset == "Z":
        return naive.replace(tzinfo=timezone.utc)
    sign = 1 if offset[0] == "+" else -1
    digits = offset[1:].replace(":", "")
    if int(digits[:2]) > 14 or int(digits[2:]) > 59:
        raise ValueError(f"the UTC offset {offset} in {raw.strip()!r} is not valid (hours 00-14, minutes 00-59)")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return naive.replace(tzinfo=timezone(sign * delta))


def jalali(moment: datetime, tz: ZoneInfo) -> str:
    """`1403-09-16 23:59` (seconds shown only when not zero), in the course time zone."""
    local = moment.astimezone(tz)
    j = jdatetime.datetime.fromgregorian(datetime=local.replace(tzinfo=None))
    text = f"{j.year:04d}-{j.month:02d}-{j.day:02d} {j.hour:02d}:{j.minute:02d}"
    return text + (f":{j.second:02d}" if j.second else "")


def iso(moment: datetime, tz: ZoneInfo) -> str:
    """ISO 8601 in the course time zone, seconds precision: `2024-12-06T23:59:00+03:30`."""
    return moment.astimezone(tz).isoformat(timespec="seconds")


def _stamp_text(value: Any) -> Any:
    """YAML turns `2024-12-06 23:59:00` into a datetime (and 1403-09-16 into a Gregorian date!)."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


class PartDeadlines(Strict):
    """One part (theory or practical) of one homework: its two deadlines, as written."""

    bonus_deadline: str | None = None  # before this: the early bonus; None: no early bonus
    final_deadline: str

    @field_validator("bonus_deadline", "final_deadline", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return _stamp_text(value)

    @field_validator("bonus_deadline", "final_deadline")
    @classmethod
    def _valid(cls, value: str | None) -> str | None:
        if value is not None:
            parse_moment(value, ZoneInfo("UTC"))  # syntax and calendar; the zone is applied later
        return value


class EarlyBonus(Strict):
    fraction: float = Field(ge=0.0, le=1.0)  # 0.2: +20% of the part's earned score


class LateDays(Strict):
    """The late-day allowance. Theory and practical parts are counted separately."""

    per_homework: int = Field(ge=0)  # for one part of one homework
    per_term_per_part: int = Field(ge=0)  # theory (or practical) days over the term
    per_term: int = Field(ge=0)  # theory + practical together over the term
    day_hours: float = Field(default=24.0, gt=0)  # each started period of this length is a day


class Basis(str, Enum):
    EARNED = "earned"  # the part's earned score (items, manual points included)
    MAX = "max"  # the part's maximum (the rubric's total)

    def __str__(self) -> str:
        return self.value


class LateWindow(Strict):
    """After the allowance: a window with a per-hour deduction; after the window, zero."""

    hours: float = Field(ge=0)
    percent_per_hour: float = Field(ge=0, le=100)
    basis: Basis = Basis.EARNED
    hour_minutes: float = Field(default=60.0, gt=0)  # each started period of this length is an hour


class Policy(Strict):
    early_bonus: EarlyBonus
    late_days: LateDays
    late_window: LateWindow
    too_late_uses_allowance: bool = False  # does a part that scores 0 still draw late days?


class Course(Strict):
    course: str
    course_fa: str | None = None
    term: str = ""
    timezone: str
    policy: Policy
    homeworks: dict[str, dict[Part, PartDeadlines]]
    path: str = ""

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        zone(value)
        return value

    @model_validator(mode="after")
    def _order(self) -> Course:
        problems = []
        for hw, parts in self.homeworks.items():
            for part, d in parts.items():
                if d.bonus_deadline is not None and self.moment(d.bonus_deadline) > self.moment(d.final_deadline):
                    problems.append(f"homeworks.{hw}.{part}.bonus_deadline: {d.bonus_deadline} is after the final deadline {d.final_deadline}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @cached_property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    def moment(self, text: str) -> datetime:
        return parse_moment(text, self.tz)

    def deadlines(self, homework: str, part: str) -> tuple[datetime | None, datetime]:
        """(bonus deadline or None, final deadline) as aware datetimes; PolicyError if not listed."""
        from grader.errors import PolicyError

        entry = self.homeworks.get(homework, {}).get(part)  # type: ignore[call-overload]
        if entry is None:
            raise PolicyError(f"{self.path or 'course file'}: no deadlines for {homework} {part}; add homeworks.{homework}.{part}")
        bonus = self.moment(entry.bonus_deadline) if entry.bonus_deadline else None
        return bonus, self.moment(entry.final_deadline)

    def final_deadline(self, homework: str, part: str) -> datetime | None:
        entry = self.homeworks.get(homework, {}).get(part)  # type: ignore[call-overload]
        return None if entry is None else self.moment(entry.final_deadline)


def load_course(path: str | Path) -> Course:
    """Load and validate a course file; raise `RubricError` listing every problem, by field."""
    path = Path(path)
    data = read_yaml_mapping(path, what="course file")
    try:
        return Course.model_validate(data)
    except ValidationError as exc:
        problems: list[str] = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            loc = field_path(tuple(err["loc"]))
            problems.extend(m if loc == "(top level)" and m.startswith("homeworks.") else f"{loc}: {m}" for m in msg.split("; "))
        raise problems_error(path, problems, what="course file") from None


def course_path(rubric: Any) -> Path | None:
    """The course file a rubric points at (`course:`, relative to the rubric file), if any."""
    if not getattr(rubric, "course", None):
        return None
    base = Path(rubric.path).parent if rubric.path else Path.cwd()
    path: Path = base / rubric.course
    return path


def load_course_for(rubric: Any) -> Course | None:
    path = course_path(rubric)
    return None if path is None else load_course(path)
