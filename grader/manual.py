"""Manual grading sheets: free-text answers out to a spreadsheet, the TAs' scores back in.

The sheet is CSV in UTF-8 with a BOM (so Excel shows Persian; LibreOffice and Google Sheets open
it too), one row per student × manual item of the gradebook's latest run, with the columns

    homework, part, student_id, item_id, item_title, max_points, answer, score, comment, grader

`score`, `comment` and `grader` are pre-filled where a TA already graded. An import reads the
same columns (only student_id, item_id and score are required), checks *every* row — a number,
within 0..max_points of the rubric, a known student and manual item, no row given twice — and
imports nothing unless all rows are good; then it merges the scores into the gradebook and
reports each change as old → new. A blank score means "not graded in this sheet" and leaves any
stored score alone.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderError
from grader.files import read_utf8
from grader.gradebook import Gradebook, RunInfo, ScoreChange
from grader.model import ManualScore

COLUMNS = ["homework", "part", "student_id", "item_id", "item_title", "max_points", "answer", "score", "comment", "grader"]
REQUIRED = ["student_id", "item_id", "score"]
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫", "01234567890123456789.")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class SheetError(GraderError):
    """A manual-grading sheet cannot be imported; the message lists every bad row."""

    exit_code = 2


def _num(x: float) -> str:
    return f"{round(x, 4):g}"


def _cell(text: str) -> str:
    """Text a spreadsheet must show as text: a leading =, +, -, @ would start a formula."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def pick_run(book: Gradebook, homework: str | None, part: str | None) -> RunInfo:
    run = book.latest_run(homework, part)
    if run is None:
        what = " ".join(x for x in (homework, part) if x) or "any homework"
        where = book.path or "the gradebook"
        raise SheetError(f"{where}: no grading run for {what}; grade the submissions first")
    if homework is None:
        others = {(r.homework, r.part) for r in book.runs()} - {(run.homework, run.part)}
        if others:
            raise SheetError(f"the gradebook holds several homeworks; choose one with --homework (latest: {run.homework} {run.part})")
    return run


def export_sheet(book: Gradebook, *, homework: str | None = None, part: str | None = None) -> tuple[str, RunInfo, int]:
    """The sheet's text (with BOM), the run it comes from, and the number of rows."""
    run = pick_run(book, homework, part)
    items = [i for i in book.run_items(run.id) if i.manual]
    answers = book.item_answers(run.id)
    scores = book.manual_scores(run.homework, run.part)
    students = sorted(book.run_results(run.id))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    rows = 0
    for student in students:
        for item in items:
            status, read_as, feedback = answers.get((student, item.item_id), ("missing", None, ""))
            if status == "missing":
                answer = "(no answer)"
            elif read_as is None:
                answer = f"(unreadable: {feedback})"
            else:
                answer = read_as
            score = scores.get((student, item.item_id))
            writer.writerow(
                [
                    run.homework,
                    run.part,
                    student,
                    item.item_id,
                    _cell(item.title),
                    _num(item.max_points),
                    _cell(answer),
                    "" if score is None else _num(score.points),
                    "" if score is None else _cell(score.comment),
                    "" if score is None else _cell(score.grader),
                ]
            )
            rows += 1
    return "\ufeff" + buffer.getvalue(), run, rows


def write_sheet(book: Gradebook, path: Path, *, homework: str | None = None, part: str | None = None) -> tuple[RunInfo, int]:
    from grader.output import atomic_write

    text, run, rows = export_sheet(book, homework=homework, part=part)
    atomic_write(path, text)
    return run, rows


def parse_score(text: str) -> float | None:
    """`2`, `1.5`, `۱٫۵`, `1,5` → a float; None if it is not a plain finite number."""
    cleaned = text.strip().translate(_DIGITS)
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    if not _NUMBER.match(cleaned):
        return None
    value = float(cleaned)
    return value if math.isfinite(value) else None


def _uncell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


@dataclass(frozen=True)
class ImportPlan:
    run: RunInfo
    scores: list[tuple[str, str, ManualScore]]
    blank: int  # rows without a score (not graded in this sheet)


def read_sheet(
    text: str,
    book: Gradebook,
    *,
    homework: str | None = None,
    part: str | None = None,
    grader: str | None = None,
    default_grader: str = "",
    name: str = "sheet",
) -> ImportPlan:
    """Validate every row against the gradebook's latest run; SheetError listing all bad rows.

    Who graded: `grader` if given (it overrides the sheet), else the row's grader column (which
    the export pre-fills), else `default_grader`.
    """
    text = text.removeprefix("\ufeff")
    # Excel in some locales saves ";"-separated CSV: decide by the header line, which has no quotes
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise SheetError(f"{name}: the sheet is empty") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise SheetError(f"{name}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} (the header row is {', '.join(header) or 'empty'})")
    col = {h: i for i, h in enumerate(header)}

    def get(row: list[str], column: str) -> str:
        i = col.get(column)
        return row[i].strip() if i is not None and i < len(row) else ""

    rows = list(reader)
    sheet_hw = {get(r, "homework") for r in rows if get(r, "homework")}
    sheet_part = {get(r, "part") for r in rows if get(r, "part")}
    if homework is None and len(sheet_hw) == 1:
        homework = next(iter(sheet_hw))
    if part is None and len(sheet_part) == 1:
        part = next(iter(sheet_part))
    run = pick_run(book, homework, part)
    items = {i.item_id: i for i in book.run_items(run.id)}
    students = set(book.run_results(run.id))
    problems: list[str] = []
    scores: list[tuple[str, str, ManualScore]] = []
    seen: dict[tuple[str, str], int] = {}
    blank = 0
    for number, row in enumerate(rows, start=2):  # spreadsheet row numbers: the header is row 1
        if not any(cell.strip() for cell in row):
            continue
        bad: list[str] = []
        student, item_id, score_text = get(row, "student_id"), get(row, "item_id"), get(row, "score")
        row_hw, row_part = get(row, "homework"), get(row, "part")
        if row_hw and row_hw != run.homework:
            bad.append(f"homework is {row_hw!r}, but this import is for {run.homework}")
        if row_part and row_part != run.part:
            bad.append(f"part is {row_part!r}, but this import is for {run.part}")
        if not student:
            bad.append("student_id is empty")
        elif student not in students:
            bad.append(f"unknown student {student!r} (not in run {run.id} of {run.homework} {run.part})")
        item = items.get(item_id)
        if not item_id:
            bad.append("item_id is empty")
        elif item is None:
            bad.append(f"unknown item {item_id!r}")
        elif not item.manual:
            bad.append(f"{item_id} is graded automatically, not by a TA")
        value = None
        if score_text:
            value = parse_score(score_text)
            if value is None:
                bad.append(f"score {score_text!r} is not a number")
            elif item is not None and item.manual and not 0 <= value <= item.max_points:
                bad.append(f"score {_num(value)} is outside 0..{_num(item.max_points)}")
        key = (student, item_id)
        if student and item_id:
            if key in seen:
                bad.append(f"{student} {item_id} is also on row {seen[key]}")
            else:
                seen[key] = number
        if bad:
            problems.append(f"row {number}: " + "; ".join(bad))
            continue
        if value is None:
            blank += 1
            continue
        who = grader if grader is not None else (_uncell(get(row, "grader")) or default_grader)
        scores.append((student, item_id, ManualScore(round(value, 4), _uncell(get(row, "comment")), who)))
    if problems:
        head = f"{name}: {len(problems)} bad row{'s' if len(problems) != 1 else ''}; nothing was imported"
        raise SheetError(head + "".join(f"\n  - {p}" for p in problems))
    return ImportPlan(run, scores, blank)


def import_sheet(
    path: Path,
    book: Gradebook,
    *,
    homework: str | None = None,
    part: str | None = None,
    grader: str | None = None,
    default_grader: str = "",
    dry_run: bool = False,
) -> tuple[ImportPlan, list[ScoreChange]]:
    """Validate and merge a sheet. With `dry_run`, report the changes without storing them."""
    text = read_utf8(path, what="sheet", error=SheetError)
    plan = read_sheet(text, book, homework=homework, part=part, grader=grader, default_grader=default_grader, name=str(path))
    if dry_run:
        current = book.manual_scores(plan.run.homework, plan.run.part)
        return plan, [ScoreChange(s, i, current.get((s, i)), score) for s, i, score in plan.scores]
    changes = book.set_manual_scores(plan.run.homework, plan.run.part, plan.scores, source=f"sheet {path.name}")
    return plan, changes


def describe_change(change: ScoreChange) -> str:
    new = f"{_num(change.new.points)}"
    if change.old is None:
        return f"{change.student_id} {change.item_id}: {new} (new)"
    text = f"{change.student_id} {change.item_id}: {_num(change.old.points)} → {new}"
    if change.old.comment != change.new.comment:
        text += " (comment changed)"
    return text
