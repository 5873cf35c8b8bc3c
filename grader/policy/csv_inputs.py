"""The policy's CSV inputs: the submission manifest (`student_id, part, submitted_at`, ISO or
Jalali) and late days imported for homeworks graded elsewhere (`student_id, homework, part,
late_days`). Every bad row is reported at once (`PolicyError`), nothing is half-read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from grader.csvio import RowProblems, normalize_id, read_csv_table, read_utf8
from grader.errors import PolicyError
from grader.model import LedgerEntry
from grader.policy.course import PARTS, Course, iso, jalali, parse_moment


@dataclass(frozen=True)
class SubmissionTime:
    moment: datetime  # aware
    source: str  # "manifest" or "mtime"
    note: str = ""  # a warning to show with the result, if any


def read_manifest(path: Path, *, course: Course, part: str, homework: str | None = None) -> dict[str, SubmissionTime]:
    """`student_id, part, submitted_at` rows for `part`; PolicyError listing every bad row.

    An optional `homework` column (a folder of several homeworks' files) limits the rows to
    `homework`'s; a row with an empty homework applies to every homework.

    `submitted_at` is ISO 8601 with or without an offset (without: the course time zone) or a
    Jalali `1403-09-20 14:30`. Rows for the other part are ignored. Two rows for one student and
    part: the later upload is the submission (the LMS keeps the last upload), with a note.
    """
    text = read_utf8(path, what="manifest", error=PolicyError)
    return parse_manifest(text, course=course, part=part, name=str(path), homework=homework)


def manifest_columns(path: Path) -> list[str]:
    """The manifest's column names, lower case (to tell whether it has a `homework` column)."""
    text = read_utf8(path, what="manifest", error=PolicyError)
    return list(read_csv_table(text, name=str(path), required=(), what="manifest", error=PolicyError).columns)


def parse_manifest(text: str, *, course: Course, part: str, name: str = "manifest", homework: str | None = None) -> dict[str, SubmissionTime]:
    table = read_csv_table(text, name=name, required=("student_id", "part", "submitted_at"), optional=("homework",), what="manifest", error=PolicyError)
    problems = RowProblems()
    rows: dict[str, list[tuple[datetime, int]]] = {}
    earliest, latest = plausible_times(course)
    for row in table.rows:
        student = normalize_id(row.get("student_id"))
        row_part = row.get("part").lower()
        stamp = row.get("submitted_at")
        if not student and not row_part and not stamp:
            continue
        bad = []
        if not student:
            bad.append("student_id is empty")
        if row_part not in PARTS:
            bad.append(f"part must be theory or practical, got {row_part!r}")
        try:
            moment = parse_moment(stamp, course.tz)
        except ValueError as exc:
            bad.append(f"submitted_at: {exc}")
            moment = None
        if moment is not None and not earliest <= moment <= latest:
            bad.append(
                f"submitted_at {stamp!r} ({iso(moment, course.tz)}) is outside {jalali(earliest, course.tz)} .. "
                f"{jalali(latest, course.tz)} (a year before the term's first deadline to tomorrow): a typo in the year?"
            )
        if problems.add(row, bad):
            continue
        row_homework = row.get("homework").lower()
        if homework is not None and row_homework and row_homework != homework.lower():
            continue
        if row_part == part and moment is not None:
            rows.setdefault(student, []).append((moment, row.number))
    problems.raise_if_any(PolicyError, name, " in the manifest")
    times: dict[str, SubmissionTime] = {}
    for student, entries in rows.items():
        entries.sort()
        moment, row_number = entries[-1]
        note = ""
        if len(entries) > 1:
            note = f"{len(entries)} uploads in the manifest; the last one (row {row_number}, {jalali(moment, course.tz)}) is the submission time"
        times[student] = SubmissionTime(moment, "manifest", note)
    return times


def plausible_times(course: Course) -> tuple[datetime, datetime]:
    """The submission times a manifest may hold: from a year before the term's first deadline
    (`1303-09-23` or `0224-12-13` are typos that would earn the early bonus) to tomorrow."""
    from datetime import timedelta

    deadlines = [course.moment(d.final_deadline) for parts in course.homeworks.values() for d in parts.values()]
    deadlines += [course.moment(d.bonus_deadline) for parts in course.homeworks.values() for d in parts.values() if d.bonus_deadline]
    now = datetime.now(timezone.utc)
    first = min(deadlines) if deadlines else now
    return first - timedelta(days=365), now + timedelta(days=1)


def read_ledger_csv(path: Path) -> list[LedgerEntry]:
    """`student_id, homework, part, late_days` rows (late days used on homeworks graded
    elsewhere); PolicyError listing every bad row."""
    text = read_utf8(path, what="ledger", error=PolicyError)
    table = read_csv_table(text, name=str(path), required=("student_id", "homework", "part", "late_days"), what="ledger", error=PolicyError)
    problems = RowProblems()
    entries: dict[tuple[str, str, str], LedgerEntry] = {}
    for row in table.rows:
        student, homework = row.get("student_id"), row.get("homework")
        part, days_text = row.get("part").lower(), row.get("late_days")
        if not any((student, homework, part, days_text)):
            continue
        bad = []
        if not student:
            bad.append("student_id is empty")
        if not homework:
            bad.append("homework is empty")
        if part not in PARTS:
            bad.append(f"part must be theory or practical, got {part!r}")
        if not days_text.isdigit():
            bad.append(f"late_days must be a whole number ≥ 0, got {days_text!r}")
        if (student, homework, part) in entries:
            bad.append(f"{student} {homework} {part} is given twice")
        if problems.add(row, bad):
            continue
        entries[(student, homework, part)] = LedgerEntry(student, homework, part, int(days_text), None, "import")
    problems.raise_if_any(PolicyError, str(path), "; nothing was recorded")
    return list(entries.values())
