"""Manual grading sheets: free-text answers out to a spreadsheet, the TAs' scores back in.

The sheet is CSV in UTF-8 with a BOM (so Excel shows Persian; LibreOffice and Google Sheets open
it too), one row per student × manual item of the gradebook's latest run, with the columns

    homework, part, student_id, item_id, item_title, max_points, answer, score, comment, grader,
    note, version, exported_score, answer_sha256

`score`, `comment` and `grader` (who graded) are pre-filled where a TA already graded; `note`
says "answer changed since graded" where the student's answer is not the one the score was given
for. The last three columns record what the row was exported with: the stored score's version
(0: none), its value, and the hash of the answer shown. An import reads the same columns (only
student_id, item_id and score are required), checks *every* row — a number, within 0..max_points
of the rubric, a known student and manual item, no row given twice — and imports nothing unless
all rows are good. Then only the rows the TA changed (score or comment differs from the export)
are merged; a changed row whose stored score has another version than the sheet's (another TA
imported since) is a conflict, and any conflict refuses the whole import unless `overwrite`.
A sheet without the version columns (typed by hand) is taken as exported when no score was
stored. The grader stored is the importing TA (`grader`), never the sheet's grader column.
A blank score means "not graded in this sheet" and leaves any stored score alone.

`set_score` is the same merge for one score (the web workspace calls it).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.csvio import RowProblems, csv_document, read_csv_table, read_utf8
from grader.errors import GraderError
from grader.model import ManualScore, SubmissionResult, answer_hash
from grader.numfmt import score_text
from grader.store.gradebook import Gradebook, RunInfo, ScoreChange, ScoreConflict, ScoreConflictError

__all__ = ["ScoreConflict", "ScoreConflictError", "ScoreError", "SheetError", "answer_hash", "set_score"]

COLUMNS = [
    "homework", "part", "student_id", "item_id", "item_title", "max_points", "answer", "score", "comment", "grader",
    "note", "version", "exported_score", "answer_sha256",
]
ANSWER_CHANGED = "answer changed since graded"
REQUIRED = ["student_id", "item_id", "score"]
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫", "01234567890123456789.")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ScoreError(GraderError):
    """A manual score cannot be stored (unknown student or item, out of range)."""

    exit_code = 2


class SheetError(ScoreError):
    """A manual-grading sheet cannot be imported; the message lists every bad row."""






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
    table: list[list[object]] = [list(COLUMNS)]
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
            shown = answer_hash(read_as)
            changed = score is not None and score.answer_sha256 is not None and score.answer_sha256 != shown
            table.append(
                [
                    run.homework,
                    run.part,
                    student,
                    item.item_id,
                    _cell(item.title),
                    score_text(item.max_points),
                    _cell(answer),
                    "" if score is None else score_text(score.points),
                    "" if score is None else _cell(score.comment),
                    "" if score is None else _cell(score.grader),
                    ANSWER_CHANGED if changed else "",
                    0 if score is None else score.version,
                    "" if score is None else score_text(score.points),
                    shown,
                ]
            )
    return "\ufeff" + csv_document(table, line_end="\r\n"), run, len(table) - 1


def write_sheet(book: Gradebook, path: Path, *, homework: str | None = None, part: str | None = None) -> tuple[RunInfo, int]:
    from grader.fsio import atomic_write

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
    value = float(cleaned) + 0.0  # -0 is 0
    return value if math.isfinite(value) else None


def _uncell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


@dataclass(frozen=True)
class ImportPlan:
    run: RunInfo
    scores: list[tuple[str, str, ManualScore]]  # the rows the TA changed, with the importing TA as grader
    blank: int  # rows without a score (not graded in this sheet)
    expected: dict[tuple[str, str], int] = field(default_factory=dict)  # the version each changed row was exported with
    untouched: int = 0  # rows with a score the TA left as exported


def _version(text: str) -> int | None:
    cleaned = text.strip().translate(_DIGITS)
    if cleaned.endswith(".0"):  # a spreadsheet that turned 3 into 3.0
        cleaned = cleaned[:-2]
    return int(cleaned) if cleaned.isdigit() else None


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

    Who graded: `grader` if given, else `default_grader` (the importing TA; never the sheet's
    grader column, which only says who graded before)."""
    sheet = read_csv_table(text, name=name, required=REQUIRED, what="sheet", error=SheetError, sniff_delimiter=True)
    header, rows = sheet.columns, sheet.rows
    versioned = "version" in header and "exported_score" in header

    sheet_hw = {r.get("homework") for r in rows if r.get("homework")}
    sheet_part = {r.get("part") for r in rows if r.get("part")}
    if homework is None and len(sheet_hw) == 1:
        homework = next(iter(sheet_hw))
    if part is None and len(sheet_part) == 1:
        part = next(iter(sheet_part))
    run = pick_run(book, homework, part)
    items = {i.item_id: i for i in book.run_items(run.id)}
    students = set(book.run_results(run.id))
    answers = book.item_answers(run.id)
    stored = book.manual_scores(run.homework, run.part)
    who = grader if grader is not None else default_grader
    problems = RowProblems()
    scores: list[tuple[str, str, ManualScore]] = []
    expected: dict[tuple[str, str], int] = {}
    seen: dict[tuple[str, str], int] = {}
    blank = untouched = 0
    for row in rows:
        bad: list[str] = []
        if any(cell.strip() for cell in row.extra):
            bad.append(
                f"{len(header) + len(row.extra)} cells, but the header has {len(header)} (an unquoted comma? write 1.5, or quote \"1,5\" and comments)"
            )
        student, item_id, score_cell = row.get("student_id"), row.get("item_id"), row.get("score")
        row_hw, row_part = row.get("homework"), row.get("part")
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
            close = difflib.get_close_matches(item_id, [i for i, it in items.items() if it.manual], n=1)
            bad.append(f"unknown item {item_id!r}" + (f" (did you mean {close[0]}?)" if close else ""))
        elif not item.manual:
            bad.append(f"{item_id} is graded automatically, not by a TA")
        sheet_max = row.get("max_points")
        if sheet_max and item is not None and item.manual:
            given = parse_score(sheet_max)
            if given is None or _round(given) != _round(item.max_points):
                bad.append(
                    f"max_points is {sheet_max} in the sheet, but the rubric now gives {score_text(item.max_points)} "
                    "(scores were given out of the old maximum): export a new sheet"
                )
        value = None
        if score_cell:
            value = parse_score(score_cell)
            if value is None:
                bad.append(f"score {score_cell!r} is not a number")
            elif item is not None and item.manual and not 0 <= value <= item.max_points:
                bad.append(f"score {score_text(value)} is outside 0..{score_text(item.max_points)}")
        version: int | None = None
        exported: float | None = None
        if versioned:
            version = _version(row.get("version") or "0")
            if version is None:
                bad.append(f"version {row.get('version')!r} is not a whole number (do not edit the version column)")
            if row.get("exported_score"):
                exported = parse_score(row.get("exported_score"))
                if exported is None:
                    bad.append(f"exported_score {row.get('exported_score')!r} is not a number (do not edit the exported_score column)")
        key = (student, item_id)
        if student and item_id:
            if key in seen:
                bad.append(f"{student} {item_id} is also on row {seen[key]}")
            else:
                seen[key] = row.number
        if problems.add(row, bad):
            continue
        if value is None:
            blank += 1
            continue
        comment = _uncell(row.get("comment"))
        current = stored.get(key)
        shown = row.get("answer_sha256").lower() if re.fullmatch(r"[0-9a-fA-F]{16}", row.get("answer_sha256")) else None
        if shown is None:
            shown = answer_hash(answers.get(key, ("missing", None, ""))[1])
        if version is None:  # a sheet typed by hand: taken as exported with no score stored
            version = 0
            changed = current is None or _round(value) != _round(current.points) or comment != current.comment
        else:
            if current is not None and current.version == version:
                base: ManualScore | None = current
            else:
                base = book.score_at_version(run.homework, run.part, student, item_id, version) if version else None
            base_comment = base.comment if base is not None else ("" if version == 0 else comment)
            changed = _round(value) != _round(exported) or comment != base_comment
            # a flagged row whose note the TA cleared: the score is confirmed for the new answer
            if not changed and "note" in header and not row.get("note") and current is not None and current.version == version:
                changed = current.answer_sha256 is not None and current.answer_sha256 != shown
        if not changed:
            untouched += 1
            continue
        expected[key] = version
        scores.append((student, item_id, ManualScore(round(value, 4), comment, who, answer_sha256=shown)))
    problems.raise_if_any(SheetError, name, "; nothing was imported")
    return ImportPlan(run, scores, blank, expected, untouched)


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


def import_sheet(
    path: Path,
    book: Gradebook,
    *,
    homework: str | None = None,
    part: str | None = None,
    grader: str | None = None,
    default_grader: str = "",
    dry_run: bool = False,
    overwrite: bool = False,
) -> tuple[ImportPlan, list[ScoreChange]]:
    """Validate and merge a sheet's changed rows. With `dry_run`, report the changes (and raise
    the conflicts) without storing anything. ScoreConflictError (exit 7) when a changed row's
    stored score changed since the export, unless `overwrite`."""
    text = read_utf8(path, what="sheet", error=SheetError)
    plan = read_sheet(text, book, homework=homework, part=part, grader=grader, default_grader=default_grader, name=str(path))
    if not dry_run and plan.scores and book.path is not None:
        from grader.store.recovery import backup

        backup(book.path)  # the gradebook as it was before this sheet
    target = Gradebook.snapshot(book.path) if dry_run else book
    try:
        changes = target.set_manual_scores(
            plan.run.homework, plan.run.part, plan.scores, source=f"sheet {path.name}", expected=plan.expected, overwrite=overwrite
        )
    except ScoreConflictError as exc:
        n = len(exc.conflicts)
        raise ScoreConflictError(
            exc.conflicts,
            head=f"{path}: {n} row{'s' if n != 1 else ''} changed in the gradebook since this sheet was exported; nothing was imported",
            hint="blank those scores to keep the stored ones, or import again with --overwrite to replace them",
        ) from None
    finally:
        if dry_run:
            target.close()
    return plan, changes


def set_score(
    book: Gradebook,
    *,
    homework: str,
    part: str,
    student_id: str,
    item_id: str,
    points: float,
    comment: str = "",
    grader: str,
    expected_version: int,
    answer_sha256: str | None = None,
    source: str = "web",
    overwrite: bool = False,
    mine_too: bool = True,
) -> ScoreChange:
    """Store one TA score, guarded like a sheet row; the web workspace's write.

    set_score(book, *, homework, part, student_id, item_id, points, comment="", grader,
              expected_version, answer_sha256=None, source="web", overwrite=False, mine_too=True) -> ScoreChange

    `expected_version` is the `ManualScore.version` the TA was shown (0: no score yet). If the
    stored version differs and the stored score is not already this one, nothing is stored and
    `ScoreConflictError` (exit 7; `.conflicts[0].current` is the stored score) is raised, unless
    `overwrite`; with `mine_too` (the default) also when the stored score is this grader's own
    newer one (a page loaded before their last save: a second browser tab). `answer_sha256`: `answer_hash` of the answer the TA read (default: the latest
    run's answer). ScoreError for an unknown student or item, or points outside 0..max_points.
    Returns the change (`.changed` False when the score was already stored)."""
    run = pick_run(book, homework, part)
    item = next((i for i in book.run_items(run.id) if i.item_id == item_id), None)
    where = f"{student_id} {item_id}"
    if item is None or not item.manual:
        raise ScoreError(f"{where}: {'unknown item' if item is None else 'graded automatically, not by a TA'} in run {run.id} of {homework} {part}")
    answer = book.item_answer(run.id, student_id, item_id)  # one row, not the run's every answer
    if answer is None:
        raise ScoreError(f"{where}: unknown student {student_id!r} (not in run {run.id} of {homework} {part})")
    if not (isinstance(points, (int, float)) and math.isfinite(points) and 0 <= points <= item.max_points):
        raise ScoreError(f"{where}: score {points!r} is outside 0..{score_text(item.max_points)}")
    shown = answer_sha256 or answer_hash(answer[1])
    score = ManualScore(round(float(points), 4), comment, grader, answer_sha256=shown)
    (change,) = book.set_manual_scores(
        homework, part, [(student_id, item_id, score)], source=source, expected={(student_id, item_id): expected_version}, overwrite=overwrite,
        mine_too=mine_too,
    )
    return change


def describe_change(change: ScoreChange) -> str:
    new = f"{score_text(change.new.points)}"
    if change.old is None:
        return f"{change.student_id} {change.item_id}: {new} (new)"
    text = f"{change.student_id} {change.item_id}: {score_text(change.old.points)} → {new}"
    if change.old.comment != change.new.comment:
        text += " (comment changed)"
    return text


def merge_manual(results: Sequence[SubmissionResult], scores: Mapping[tuple[str, str], ManualScore]) -> tuple[list[SubmissionResult], list[str]]:
    """Put each stored manual score on its item (`ItemResult.manual_score`); notes for scores that
    match no manual item of a graded student (kept in the gradebook, not applied)."""
    used: set[tuple[str, str]] = set()
    out: list[SubmissionResult] = []
    capped: list[str] = []
    for result in results:
        items = []
        for item in result.items:
            score = scores.get((result.student_id, item.item_id)) if item.manual else None
            if score is not None:
                used.add((result.student_id, item.item_id))
                if score.points > item.max_points:  # the rubric lowered the item's points since
                    capped.append(
                        f"manual score {score.points:g} for {result.student_id} {item.item_id} is above the item's "
                        f"{item.max_points:g} points (did the rubric change?); {item.max_points:g} is used"
                    )
                    score = replace(score, points=item.max_points)
                if score.answer_sha256 is not None and score.answer_sha256 != answer_hash(item.verdict.read_as):
                    score = replace(score, answer_changed=True)  # kept, but flagged: the TA graded another answer
                item = replace(item, manual_score=score)
            items.append(item)
        out.append(replace(result, items=tuple(items)))
    notes = capped + [
        f"manual score for {student} {item} is not applied: " + ("no such manual item in the rubric" if student in {r.student_id for r in results} else "no graded answer file for this student")
        for (student, item) in sorted(set(scores) - used)
    ]
    return out, notes
