"""The TA's files read right or refused with row numbers: sheets (issue cases 3, 4), the
submissions folder (case 6, 10), the manifest (case 7), and the terminal (case 11)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from grader.cli import main
from grader.errors import PolicyError
from grader.policy.course import parse_moment, zone
from grader.readers.answer_file import find_answer_files
from grader.store.gradebook import Gradebook
from grader.store.manual import SheetError, import_sheet, parse_score
from grader.terminal import printable
from tests.store.test_manual import RUBRIC_YAML, grade, make_homework
from tests.store.test_manual_concurrency import COL, A, export, stored


@pytest.fixture
def hw(tmp_path: Path) -> SimpleNamespace:
    hw = make_homework(tmp_path)
    grade(hw)
    return hw


def sheet_text(rows: list[list[str]], newline: str = "\r\n") -> str:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows(rows)
    return "\ufeff" + buffer.getvalue()


def import_text(hw: SimpleNamespace, tmp_path: Path, text: str) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text(text, encoding="utf-8")
    with Gradebook.open(hw.db) as book:
        import_sheet(path, book, grader="ta")


def row_for(rows: list[list[str]], key: tuple[str, str]) -> int:
    return next(i for i, r in enumerate(rows) if (r[COL["student_id"]], r[COL["item_id"]]) == key)


# --- sheets ---------------------------------------------------------------------------------------


def test_issue_case_3_an_unquoted_decimal_comma_is_a_bad_row_not_a_1(hw: SimpleNamespace, tmp_path: Path) -> None:
    rows = export(hw)
    i = row_for(rows, A)
    text = sheet_text(rows).splitlines(keepends=True)
    cells = text[i].rstrip("\r\n").split(",")  # the TA typed 1,5 into the score cell of a CSV editor
    cells[COL["score"]] = "1,5"
    text[i] = ",".join(cells) + "\r\n"
    with pytest.raises(SheetError) as info:
        import_text(hw, tmp_path, "".join(text))
    assert f"row {i + 1}: 15 cells, but the header has 14 (an unquoted comma?" in str(info.value)
    assert A not in stored(hw)


def test_a_row_with_more_cells_than_the_header_is_refused(hw: SimpleNamespace, tmp_path: Path) -> None:
    rows = export(hw)
    i = row_for(rows, A)
    rows[i][COL["score"]] = "2"
    rows[i] += ["surprise"]
    with pytest.raises(SheetError, match=rf"row {i + 1}: 15 cells, but the header has 14"):
        import_text(hw, tmp_path, sheet_text(rows))
    rows[i][-1] = ""  # trailing empty cells (some spreadsheets add them) are fine
    import_text(hw, tmp_path, sheet_text(rows))
    assert stored(hw)[A][0] == 2.0


def test_issue_case_4_a_sheet_exported_under_another_maximum_is_refused(hw: SimpleNamespace, tmp_path: Path) -> None:
    rows = export(hw)
    (hw.rubric).write_text(RUBRIC_YAML.replace("kind: text, points: 4}", "kind: text, points: 5}").replace("points: 6}", "points: 7}").replace("total: 10", "total: 11"), encoding="utf-8")
    grade(hw)  # the rubric raised q1.explain from 4 to 5 points; the old sheet says 4
    i = row_for(rows, A)
    rows[i][COL["score"]] = "4"  # full marks, out of 4
    with pytest.raises(SheetError) as info:
        import_text(hw, tmp_path, sheet_text(rows))
    assert f"row {i + 1}: max_points is 4 in the sheet, but the rubric now gives 5" in str(info.value)


@pytest.mark.parametrize("newline", ["\r", "\n", "\r\n"], ids=["CR only", "LF", "CRLF"])
def test_any_line_ending_reads_the_same(hw: SimpleNamespace, tmp_path: Path, newline: str) -> None:
    rows = export(hw)
    rows[row_for(rows, A)][COL["score"]] = "2.5"
    import_text(hw, tmp_path, sheet_text(rows, newline))
    assert stored(hw)[A][0] == 2.5


@pytest.mark.parametrize(("text", "value"), [("-0", 0.0), ("-0.0", 0.0), ("0", 0.0)])
def test_minus_zero_is_zero(text: str, value: float) -> None:
    parsed = parse_score(text)
    assert parsed == value and str(parsed) == "0.0"


# --- the submissions folder: every entry accounted for --------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "reason"),
    [
        ("HW4_T_401234567.yaml.txt", "file", "ends in '.txt' after '.yaml' (renamed by a browser or editor?); rename it to 'HW4_T_401234567.yaml'"),
        ("HW4_T_401234567.yaml ", "file", "the name ends with a space; rename it to 'HW4_T_401234567.yaml'"),
        ("HW4_T_401234567.yaml~", "file", "ends in '~' after '.yaml'"),
        ("HW4_T_401234567.yaml.pdf", "file", "ends in '.pdf' after '.yaml'"),
        ("HW4_T_401234568.yaml", "dir", "a folder named like an answer file"),
        ("extra", "dir", "a folder; answer files are read only directly in the submissions folder"),
        (".HW4_T_401234569.yaml", "file", "a hidden file"),
        (".DS_Store", "file", "a hidden file"),
        ("readme.txt", "file", "not an answer file: expected HW4_T_<student_id>.yaml"),
        ("other.yaml", "file", "not an answer file name"),
    ],
)
def test_issue_case_6_every_file_is_graded_or_skipped_with_a_reason(tmp_path: Path, name: str, kind: str, reason: str) -> None:
    (tmp_path / "HW4_T_401234500.yaml").write_text("student_id: '401234500'\nanswers: {}\n", encoding="utf-8")
    (tmp_path / "manifest.csv").write_text("student_id,part,submitted_at\n", encoding="utf-8")  # read by the run: not listed
    if kind == "dir":
        (tmp_path / name).mkdir()
    else:
        (tmp_path / name).write_text("x", encoding="utf-8")
    files, skipped = find_answer_files(tmp_path, "HW4_T_")
    assert [f.name for f in files] == ["HW4_T_401234500.yaml"]
    assert [s[0] for s in skipped] == [name]
    assert reason in skipped[0][1]


def test_roster_students_without_a_file_and_stale_results(hw: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster = tmp_path / "roster.txt"
    roster.write_text("401000001\n401000002\n401000003\n401000009\n", encoding="utf-8")
    (hw.subs / "HWT_401000003.yaml").write_text("{{{ not yaml", encoding="utf-8")  # became unreadable
    (hw.out / "reports").mkdir(exist_ok=True)
    (hw.out / "reports" / "401000003.pdf").write_bytes(b"%PDF-old")
    code = main(["run", str(hw.subs), "--rubric", str(hw.rubric), "--out", str(hw.out), "--no-pdf", "-j", "1", "--roster", str(roster)])
    out = capsys.readouterr().out
    assert code == 0
    errors = json.loads((hw.out / "errors.json").read_text(encoding="utf-8"))
    assert errors["no_file"] == ["401000009"]
    assert "no answer file for 1 student(s) of the roster: 401000009" in out
    assert sorted(p.name for p in (hw.out / "results").glob("*.json")) == ["401000001.json", "401000002.json"]
    assert not (hw.out / "reports" / "401000003.pdf").exists()
    stale = next((hw.out / "stale").iterdir())
    assert (stale / "results" / "401000003.json").is_file() and (stale / "reports" / "401000003.pdf").read_bytes() == b"%PDF-old"
    assert "no longer graded (401000003)" in out


# --- the manifest ---------------------------------------------------------------------------------


def manifest_run(hw: SimpleNamespace, capsys: pytest.CaptureFixture[str], text: str) -> tuple[int, str, str]:
    (hw.subs / "manifest.csv").write_text(text, encoding="utf-8")
    code = main(["run", str(hw.subs), "--rubric", str(hw.rubric), "--out", str(hw.out), "--no-pdf", "-j", "1"])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_issue_case_7_persian_digit_ids_match_and_unmatched_rows_are_reported(hw: SimpleNamespace, capsys: pytest.CaptureFixture[str]) -> None:
    text = "student_id,part,submitted_at\n۴۰۱۰۰۰۰۰۱,theory,1403-09-10 12:00\n\u200f401000002,theory,1403-09-20 12:00\n401000003,theory,1403-09-10 12:00\n499999999,theory,1403-09-10 12:00\n"
    code, out, err = manifest_run(hw, capsys, text)
    assert code == 0, err
    result = json.loads((hw.out / "results" / "401000001.json").read_text(encoding="utf-8"))
    assert not any("modification time" in w for w in result["warnings"])  # the manifest's time, not the file's
    assert result["submitted_at"].startswith("2024-11-30T12:00")
    assert "has submission times for 1 student(s) with no graded answer file: 499999999" in out


@pytest.mark.parametrize(
    ("stamp", "says"),
    [
        ("1303-09-23 12:00", "outside"),
        ("0224-12-13 12:00", "outside"),
        ("2099-01-01T00:00:00+00:00", "outside"),
        ("2024-12-01T10:00:00+03:99", "the UTC offset +03:99"),
        ("2024-12-01T10:00:00+15:00", "the UTC offset +15:00"),
    ],
)
def test_implausible_times_and_bad_offsets_are_refused(hw: SimpleNamespace, capsys: pytest.CaptureFixture[str], stamp: str, says: str) -> None:
    code, _, err = manifest_run(hw, capsys, f"student_id,part,submitted_at\n401000001,theory,{stamp}\n")
    assert code == PolicyError.exit_code and "row 2:" in err and says in err


def test_a_manifest_with_cr_line_endings_reads(hw: SimpleNamespace, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = manifest_run(hw, capsys, "student_id,part,submitted_at\r401000001,theory,1403-09-10 12:00\r")
    assert code == 0, err
    result = json.loads((hw.out / "results" / "401000001.json").read_text(encoding="utf-8"))
    assert result["submitted_at"].startswith("2024-11-30T12:00")


def test_offsets_in_range_still_parse() -> None:
    moment = parse_moment("2024-12-01T10:00:00+03:30", zone("Asia/Tehran"))
    assert moment.astimezone(timezone.utc) == datetime(2024, 12, 1, 6, 30, tzinfo=timezone.utc)


# --- the terminal ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain", "plain"),
        ("a\x1b]0;pwned\x07b", "a\\x1b]0;pwned\\x07b"),
        ("erase\x1b[2K\rline", "erase\\x1b[2K\\x0dline"),
        ("c1\x9bcsi", "c1\\x9bcsi"),
        ("bidi\u202eevil", "bidi\\u202eevil"),
        ("two\nlines", "two\nlines"),
        ("فارسی ok", "فارسی ok"),
    ],
)
def test_printable(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert "\n" not in printable(text, one_line=True)


def test_issue_case_11_file_names_and_keys_reach_the_terminal_escaped(hw: SimpleNamespace, capsys: pytest.CaptureFixture[str]) -> None:
    (hw.subs / "HWT_x\x1b]0;owned\x07.yaml.txt").write_text("x", encoding="utf-8")
    (hw.subs / "HWT_401000004.yaml").write_text(
        json.dumps({"student_id": "401000004", "answers": {"q1.pick": "a", "q9\x1b[2J": "x"}, "evil\x1b[1A": 1}), encoding="utf-8"
    )
    code = main(["run", str(hw.subs), "--rubric", str(hw.rubric), "--out", str(hw.out), "--no-pdf", "-j", "1"])
    cap = capsys.readouterr()
    assert code == 0, cap.err
    assert "\x1b" not in cap.out and "\x07" not in cap.out and "\x1b" not in cap.err
    assert "\\x1b]0;owned" in cap.out


def test_issue_case_10_export_without_a_gradebook_says_where_it_reads(hw: SimpleNamespace, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    hw.db.unlink()
    assert main(["export", "--out", str(hw.out)]) == 0
    cap = capsys.readouterr()
    assert "note: no gradebook at" in cap.err and "exported from" in cap.err
    assert cap.out.startswith("student_id,total")
