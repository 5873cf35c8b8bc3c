"""grader.csvio: the one reader of the TA's CSV files and the one CSV writer."""

from __future__ import annotations

import pytest

from grader.csvio import RowProblems, csv_document, read_csv_table
from grader.errors import PolicyError


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("student_id,score\n1,2\n", [(2, {"student_id": "1", "score": "2"})]),
        ("\ufeffStudent_ID , Score\r\n 1 , 2 \r\n", [(2, {"student_id": "1", "score": "2"})]),  # BOM, CRLF, case, spaces
        ("student_id,score\r1,2\r3,4\r", [(2, {"student_id": "1", "score": "2"}), (3, {"student_id": "3", "score": "4"})]),  # old Mac CR
        ("student_id,score\n\n , \n5,6\n", [(4, {"student_id": "5", "score": "6"})]),  # blank rows skipped, numbers kept
        ("student_id,score\n7\n", [(2, {"student_id": "7"})]),  # a short row: the missing cell reads as ""
    ],
)
def test_rows_and_their_spreadsheet_numbers(text: str, rows: list[tuple[int, dict[str, str]]]) -> None:
    table = read_csv_table(text, name="t.csv", required=("student_id",))
    assert [(r.number, dict(r.cells)) for r in table.rows] == rows
    assert table.rows[0].get("nothing") == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "t.csv: the roster is empty"),
        ("student_id\n1\n", "t.csv: missing column score: expected student_id, score (and any of name), got student_id"),
        ("id,points\n", "t.csv: missing columns student_id, score: expected student_id, score (and any of name), got id, points"),
    ],
)
def test_what_is_wrong_with_the_header_is_one_error(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        read_csv_table(text, name="t.csv", required=("student_id", "score"), optional=("name",), what="roster", error=PolicyError)
    assert str(caught.value) == message


def test_semicolons_are_read_when_the_header_says_so() -> None:
    text = "student_id;score\n1;2,5\n"
    assert read_csv_table(text, name="t", required=("score",), sniff_delimiter=True).rows[0].get("score") == "2,5"
    assert read_csv_table(text, name="t", required=(), sniff_delimiter=False).columns == ("student_id;score",)


def test_cells_beyond_the_header_are_kept_for_the_caller() -> None:
    row = read_csv_table("a,b\n1,2,3, \n", name="t", required=("a",)).rows[0]
    assert row.extra == ("3", " ")


def test_every_bad_row_in_one_error() -> None:
    table = read_csv_table("a\n1\n2\n3\n", name="t", required=("a",))
    problems = RowProblems()
    assert [problems.add(row, ["bad"] if row.get("a") != "2" else []) for row in table.rows] == [True, False, True]
    with pytest.raises(PolicyError) as caught:
        problems.raise_if_any(PolicyError, "t.csv", "; nothing was recorded")
    assert str(caught.value).splitlines() == ["t.csv: 2 bad rows; nothing was recorded", "  - row 2: bad", "  - row 4: bad"]
    RowProblems().raise_if_any(PolicyError, "t.csv")  # nothing recorded: nothing raised


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_the_writer_quotes_what_needs_it_and_reads_back(line_end: str) -> None:
    rows = [["student_id", "comment"], ["1", 'says "hi", twice\nand more'], ["2", ""]]
    text = csv_document(rows, line_end=line_end)
    assert text.startswith("student_id,comment" + line_end)
    table = read_csv_table(text, name="t", required=("comment",))
    assert [r.get("comment") for r in table.rows] == ['says "hi", twice\nand more', ""]
