"""CSV in and out: the TA's files (sheets, manifests, rosters, ledgers) read as UTF-8 tables with
every bad row reported at once, and the CSV files the grader writes (`csv_document`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import GraderError

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_INVISIBLE = dict.fromkeys([0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF])


def normalize_id(text: str) -> str:
    """A student id as a TA's file gives it: Persian/Arabic digits read as ASCII, invisible
    direction marks (which Persian spreadsheets add) dropped, spaces stripped."""
    return text.translate(_DIGITS).translate(_INVISIBLE).strip()


def csv_text(text: str) -> str:
    """Text for the csv module: any line ending (CRLF, LF, or the old Mac CR alone that some
    spreadsheets still write) becomes LF, and the BOM goes."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def read_utf8(path: Path, *, what: str, error: type[GraderError] = GraderError) -> str:
    """The file's text; `error` naming the file and `what` it is when it cannot be read."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read the {what}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")  # spreadsheets save CSV with a BOM
    except UnicodeDecodeError as exc:
        raise error(f"{path}: the {what} is not UTF-8 (bad byte at offset {exc.start}); save it as CSV UTF-8") from None


@dataclass(frozen=True)
class CsvRow:
    """One data row of a TA's CSV file: its spreadsheet row number (the header is row 1), its
    cells by lower-case column name (stripped), and any cells beyond the header's columns."""

    number: int
    cells: Mapping[str, str]
    extra: tuple[str, ...] = ()

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass(frozen=True)
class CsvTable:
    name: str  # the file, as messages name it
    columns: tuple[str, ...]  # lower case, stripped, in the file's order
    rows: tuple[CsvRow, ...]  # blank rows left out


def read_csv_table(
    text: str,
    *,
    name: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
    what: str = "file",
    error: type[GraderError] = GraderError,
    sniff_delimiter: bool = False,
) -> CsvTable:
    """The one reader of the TA's CSV files (sheets, manifests, rosters, ledgers).

    Any line ending and a BOM are accepted (`csv_text`); column names compare in lower case;
    `required` columns missing is one `error` naming them, the columns expected (`optional` ones
    too) and the header found; a file with no header is "the <what> is empty"; rows with no text
    are skipped. `sniff_delimiter`: Excel in some locales saves `;`-separated CSV, decided
    by the header line (which has no quotes)."""
    text = csv_text(text)
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count) if sniff_delimiter and first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = tuple(h.strip().lower() for h in next(reader, []))
        raw_rows = list(reader)
    except csv.Error as exc:
        raise error(f"{name}: line {reader.line_num}: not readable as CSV ({exc})") from None
    if not any(header):
        raise error(f"{name}: the {what} is empty")
    missing = [c for c in required if c not in header]
    if missing:
        also = f" (and any of {', '.join(optional)})" if optional else ""
        raise error(
            f"{name}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}: expected {', '.join(required)}{also}, "
            f"got {', '.join(h for h in header if h)}"
        )
    rows = []
    for number, raw in enumerate(raw_rows, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        cells = {column: cell.strip() for column, cell in zip(header, raw, strict=False) if column}
        rows.append(CsvRow(number, cells, tuple(raw[len(header):])))
    return CsvTable(name, header, tuple(rows))


class RowProblems:
    """Collects what is wrong with each row, so that every bad row is reported at once."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, row: CsvRow, bad: Sequence[str]) -> bool:
        """Record `bad` for `row`; True when there was something to record."""
        if bad:
            self.lines.append(f"row {row.number}: " + "; ".join(bad))
        return bool(bad)

    def raise_if_any(self, error: type[GraderError], head: str, tail: str = "") -> None:
        """`<head>: N bad rows<tail>` and a line per row (`config.problem_list`)."""
        if self.lines:
            from grader.config import plural, problem_list

            raise error(problem_list(f"{head}: {plural(len(self.lines), 'bad row')}{tail}", self.lines))


def csv_document(rows: Iterable[Sequence[Any]], *, line_end: str = "\n") -> str:
    """Rows as CSV text: the one writer of every CSV file the grader makes (`\r\n` for sheets a
    spreadsheet opens, `\n` elsewhere)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=line_end).writerows(rows)
    return buffer.getvalue()


def read_roster(path: Path) -> list[str]:
    """Student ids, one per line, or a CSV with a `student_id` column; `#` lines are comments."""
    from grader.errors import SubmissionError

    text = read_utf8(path, what="roster", error=SubmissionError)
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if lines and "student_id" in [c.strip().lower() for c in lines[0].split(",")]:
        table = read_csv_table("\n".join(lines), name=str(path), required=("student_id",), what="roster", error=SubmissionError)
        ids = [row.get("student_id") for row in table.rows]
    else:
        ids = [line.split(",")[0].strip() for line in lines]
    ids = [i for i in ids if i]
    if not ids:
        raise SubmissionError(f"{path}: the roster lists no student ids")
    return ids
