"""The term table: per student, every homework's total and the late days used and left.

Built from a gradebook (the term's, `out/gradebook.sqlite`): each homework part's latest run
gives the totals, the ledger gives the late days (runs and imports), the course file the rule.
`grade export --term` writes it as plain CSV, JSON, a Canvas gradebook import or a Moodle grade
import (columns in docs/policy.md, "Term exports"); `grade ledger show` prints it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.csvio import csv_document
from grader.numfmt import score_text

if TYPE_CHECKING:
    from grader.model import LedgerEntry
    from grader.policy.course import Course
    from grader.store.gradebook import Gradebook


@dataclass(frozen=True)
class Column:
    """One graded homework part of the term (the latest run of it)."""

    homework: str
    part: str
    title: str
    run_id: int
    max_points: float

    @property
    def key(self) -> str:
        return self.homework if self.part == "theory" else f"{self.homework}_{self.part}"


@dataclass(frozen=True)
class Cell:
    total: float
    late_days: int
    feedback: str  # the adjustments' reasons, for the LMS feedback column


@dataclass
class TermRow:
    student_id: str
    cells: dict[str, Cell] = field(default_factory=dict)  # Column.key → the student's result
    used: dict[str, int] = field(default_factory=dict)  # part → late days used over the term (runs and imports)
    entries: list[LedgerEntry] = field(default_factory=list)  # the ledger rows, by homework and part

    @property
    def used_total(self) -> int:
        return sum(self.used.values())


@dataclass(frozen=True)
class TermTable:
    columns: tuple[Column, ...]
    rows: tuple[TermRow, ...]
    course: Course | None

    def left(self, row: TermRow, part: str) -> int | None:
        """Late days this student has left for `part`, by the course rule (None without a course)."""
        if self.course is None:
            return None
        rules = self.course.policy.late_days
        return max(0, min(rules.per_term_per_part - row.used.get(part, 0), rules.per_term - row.used_total))


def _course_of(rubric_path: str) -> Course | None:
    """The course file named by a run's rubric (None when it cannot be read any more)."""
    from grader.config import read_yaml_mapping
    from grader.errors import GraderError
    from grader.policy.course import load_course

    try:
        head = read_yaml_mapping(Path(rubric_path), what="rubric")
        return load_course(Path(rubric_path).parent / str(head["course"])) if head.get("course") else None
    except (GraderError, OSError, KeyError):
        return None


def term_table(book: Gradebook, *, course: Course | None = None, homeworks: Sequence[str] = ()) -> TermTable:
    """The table of `book`: one column per homework part (its latest run), in course order."""
    latest: dict[tuple[str, str], Any] = {}
    for run in book.runs():
        if not homeworks or run.homework in homeworks:
            latest[(run.homework, run.part)] = run
    if course is None:
        for run in sorted(latest.values(), key=lambda r: -r.id):
            course = _course_of(run.rubric_path)
            if course is not None:
                break

    def order(key: tuple[str, str]) -> tuple[bool, float, str, str]:
        deadline = course.final_deadline(*key) if course is not None else None
        return (deadline is None, deadline.timestamp() if deadline else 0.0, *key)

    columns = []
    rows: dict[str, TermRow] = {}
    for key in sorted(latest, key=order):
        run = latest[key]
        results = book.run_results(run.id)
        items = book.run_items(run.id)
        title = _title_of(run.rubric_path) or run.homework
        columns.append(Column(run.homework, run.part, title, run.id, sum(i.max_points for i in items if not i.bonus)))
        for student, data in results.items():
            reasons = "; ".join(str(a.get("reason", "")) for a in data.get("adjustments", []))
            pending = float(data.get("totals", {}).get("pending_manual", 0) or 0)
            if pending:
                reasons = "; ".join(filter(None, (reasons, f"{pending:g} points of TA grading pending")))
            cell = Cell(round(float(data["totals"]["total"]), 4), int(data.get("late_days", 0)), reasons)
            rows.setdefault(student, TermRow(student)).cells[columns[-1].key] = cell
    for student, entries in book.ledger().items():
        row = rows.setdefault(student, TermRow(student))
        for entry in entries:
            if not homeworks or entry.homework in homeworks:
                row.used[entry.part] = row.used.get(entry.part, 0) + entry.days
                row.entries.append(entry)
    return TermTable(tuple(columns), tuple(rows[s] for s in sorted(rows)), course)


def _title_of(rubric_path: str) -> str | None:
    from grader.config import read_yaml_mapping
    from grader.errors import GraderError

    try:
        return str(read_yaml_mapping(Path(rubric_path), what="rubric").get("title") or "") or None
    except (GraderError, OSError):
        return None


# ---------------------------------------------------------------------------------------------
# the formats




def term_csv(table: TermTable) -> str:
    """`student_id, <hw>…, late_days_used, late_days_left_theory, late_days_left_practical`."""
    header = ["student_id", *(c.key for c in table.columns), "late_days_used", "late_days_left_theory", "late_days_left_practical"]
    out: list[list[Any]] = [header]
    for row in table.rows:
        totals = [score_text(row.cells[c.key].total) if c.key in row.cells else "" for c in table.columns]
        out.append([row.student_id, *totals, row.used_total, score_text(table.left(row, "theory")), score_text(table.left(row, "practical"))])
    return csv_document(out)


def term_json(table: TermTable) -> str:
    from grader.result_schema import dumps

    return dumps(
        {
            "homeworks": [{"key": c.key, "homework": c.homework, "part": c.part, "title": c.title, "run_id": c.run_id, "max_points": c.max_points} for c in table.columns],
            "students": [
                {
                    "student_id": row.student_id,
                    "totals": {c.key: row.cells[c.key].total for c in table.columns if c.key in row.cells},
                    "late_days": {c.key: row.cells[c.key].late_days for c in table.columns if c.key in row.cells},
                    "late_days_used": row.used_total,
                    "late_days_left": {p: table.left(row, p) for p in ("theory", "practical")},
                }
                for row in table.rows
            ],
        }
    )


@dataclass(frozen=True)
class RosterEntry:
    """What an LMS export needs beyond the id (all optional): `grade export --roster FILE`."""

    name: str = ""
    lms_id: str = ""
    login: str = ""
    section: str = ""
    email: str = ""


ROSTER_COLUMNS = ("student_id", "name", "lms_id", "login", "section", "email")


def read_lms_roster(path: Path) -> dict[str, RosterEntry]:
    """A CSV with `student_id` and any of `name, lms_id, login, section, email`."""
    from grader.csvio import read_csv_table, read_utf8
    from grader.errors import SubmissionError

    text = read_utf8(path, what="roster", error=SubmissionError)
    table = read_csv_table(text, name=str(path), required=ROSTER_COLUMNS[:1], optional=ROSTER_COLUMNS[1:], what="roster", error=SubmissionError)
    return {row.get("student_id"): RosterEntry(*(row.get(c) for c in ROSTER_COLUMNS[1:])) for row in table.rows if row.get("student_id")}


CANVAS_HEAD = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def canvas_csv(table: TermTable, *, roster: Mapping[str, RosterEntry] | None = None, assignment_ids: Mapping[str, str] | None = None) -> str:
    """Canvas's gradebook import: `Student, ID, SIS User ID, SIS Login ID, Section`, then one
    `Title (assignment id)` column per homework part, and a `Points Possible` row first."""
    ids = assignment_ids or {}
    header = [*CANVAS_HEAD, *(f"{c.title} ({ids.get(c.key, c.key)})" for c in table.columns)]
    out: list[list[Any]] = [header, ["Points Possible", "", "", "", "", *(score_text(c.max_points) for c in table.columns)]]
    for row in table.rows:
        who = (roster or {}).get(row.student_id, RosterEntry())
        totals = [score_text(row.cells[c.key].total) if c.key in row.cells else "" for c in table.columns]
        out.append([who.name, who.lms_id, row.student_id, who.login, who.section, *totals])
    return csv_document(out)


def moodle_csv(table: TermTable, *, roster: Mapping[str, RosterEntry] | None = None) -> str:
    """Moodle's grade import: `ID number` (map it to the user's ID number) and `Email address`,
    then per homework part a grade column `Title` and a feedback column `Title (feedback)`."""
    header = ["ID number", "Email address"]
    for c in table.columns:
        header += [c.title, f"{c.title} (feedback)"]
    out: list[list[Any]] = [header]
    for row in table.rows:
        who = (roster or {}).get(row.student_id, RosterEntry())
        line: list[Any] = [row.student_id, who.email]
        for c in table.columns:
            cell = row.cells.get(c.key)
            line += ["", ""] if cell is None else [score_text(cell.total), cell.feedback]
        out.append(line)
    return csv_document(out)


def ledger_lines(table: TermTable, *, student: str | None = None) -> list[str]:
    """`grade ledger show`: per student, the late days of each homework part (imported ones
    marked), the total, and what the course rule leaves for the rest of the term."""
    lines = []
    for row in table.rows:
        if student is not None and row.student_id != student:
            continue
        entries = [e for e in row.entries if e.days]
        text = f"{row.student_id}: {row.used_total} day(s)"
        if entries:
            text += " — " + ", ".join(f"{e.homework} {e.part}: {e.days}" + (" (imported)" if e.source == "import" else "") for e in entries)
        left = table.left(row, "theory")
        if left is not None:
            text += f"; {left} left this term" + (f" (theory), {table.left(row, 'practical')} (practical)" if row.used.get("practical") else "")
        elif not entries:
            continue
        lines.append(text)
    return lines
