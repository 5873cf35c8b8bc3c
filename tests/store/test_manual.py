"""Manual grading: the sheet out, validation of every row, the merge, and scores surviving re-grades."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from grader.api import run_grading
from grader.cli import main
from grader.model import ManualScore
from grader.rubric import load_rubric
from grader.store.gradebook import Gradebook
from grader.store.manual import COLUMNS, SheetError, describe_change, export_sheet, import_sheet, parse_score
from tests.small_homework import COURSE_YAML

# --- a small homework with choice and text items (kinds that need no reference code) -------------


RUBRIC_YAML = """\
homework: hwt
title: "Test homework"
course: course.yaml
part: theory
file_prefix: HWT_
reference: reference.hw4
total: 10
bonus_total: 2
questions:
  - {id: q1, title: "Q1", points: 6}
  - {id: q2, title: "Q2", points: 4, bonus: 2}
items:
  - {id: q1.pick, title: "Pick one", kind: choice, points: 2, options: {a: [first], b: [second]}, key: {value: a}}
  - {id: q1.explain, title: "Explain", kind: text, points: 4}
  - {id: q2.pick, title: "Pick another", kind: choice, points: 1, options: {a: [], b: []}, key: {value: b}}
  - {id: q2.essay, title: "Essay", kind: text, points: 3}
  - {id: q2.extra, title: "Extra", kind: text, points: 2, bonus: true}
"""

ANSWERS = {
    "401000001": {"q1.pick": "a", "q1.explain": "=1+1 چون وزن‌ها مشترک هستند", "q2.pick": "b", "q2.essay": "an essay"},
    "401000002": {"q1.pick": "b", "q1.explain": "shared weights", "q2.pick": "b", "q2.essay": "another essay", "q2.extra": "proof"},
    "401000003": {"q1.pick": "a", "q2.pick": "a"},
}
MANIFEST = "student_id,part,submitted_at\n401000001,theory,1403-09-10 12:00\n401000002,theory,1403-09-20 12:00\n401000003,theory,2024-12-15T09:00:00+03:30\n"


def make_homework(tmp_path: Path) -> SimpleNamespace:
    (tmp_path / "course.yaml").write_text(COURSE_YAML, encoding="utf-8")
    (tmp_path / "rubric.yaml").write_text(RUBRIC_YAML, encoding="utf-8")
    subs = tmp_path / "subs"
    subs.mkdir()
    for student, answers in ANSWERS.items():
        (subs / f"HWT_{student}.yaml").write_text(json.dumps({"student_id": student, "answers": answers}, ensure_ascii=False), encoding="utf-8")
    (subs / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    return SimpleNamespace(rubric=tmp_path / "rubric.yaml", subs=subs, out=tmp_path / "out", db=tmp_path / "out" / "gradebook.sqlite")


def grade(hw: SimpleNamespace, **kwargs: object):  # type: ignore[no-untyped-def]
    return run_grading(hw.subs, rubric=load_rubric(hw.rubric), out_dir=hw.out, jobs=1, pdf=False, **kwargs)


@pytest.fixture
def hw(tmp_path: Path) -> SimpleNamespace:
    hw = make_homework(tmp_path)
    grade(hw)
    return hw


def sheet_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def write_sheet(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def filled(hw: SimpleNamespace, scores: dict[tuple[str, str], tuple[str, str]]) -> list[list[str]]:
    with Gradebook.open(hw.db) as book:
        rows = sheet_rows(export_sheet(book)[0])
    for row in rows[1:]:
        if (row[2], row[3]) in scores:
            row[7], row[8] = scores[(row[2], row[3])]
    return rows


# --- export ---------------------------------------------------------------------------------------


def test_the_sheet_has_a_row_per_student_and_manual_item(hw: SimpleNamespace) -> None:
    with Gradebook.open(hw.db) as book:
        text, run, count = export_sheet(book)
    assert text.startswith("\ufeff")  # Excel reads UTF-8 (Persian) only with the BOM
    rows = sheet_rows(text)
    assert rows[0] == COLUMNS
    assert count == len(rows) - 1 == 3 * 3
    by_key = {(r[2], r[3]): r for r in rows[1:]}
    first = by_key[("401000001", "q1.explain")]
    assert first[:6] == ["hwt", "theory", "401000001", "q1.explain", "Explain", "4"]
    assert first[6] == "'=1+1 چون وزن‌ها مشترک هستند"  # never a formula in a spreadsheet
    assert first[7:10] == ["", "", ""]
    assert first[10:13] == ["", "0", ""]  # no note, exported with no score stored (version 0)
    assert len(first[13]) == 16  # the hash of the answer shown
    assert by_key[("401000003", "q1.explain")][6] == "(no answer)"
    assert by_key[("401000002", "q2.extra")][5] == "2"
    assert {r[3] for r in rows[1:]} == {"q1.explain", "q2.essay", "q2.extra"}
    assert run.homework == "hwt"


def test_export_prefills_scores_already_graded(hw: SimpleNamespace, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path / "s.csv", filled(hw, {("401000002", "q2.essay"): ("2.5", "ok, but short")}))
    with Gradebook.open(hw.db) as book:
        import_sheet(sheet, book, grader="ta1")
        rows = sheet_rows(export_sheet(book)[0])
    row = next(r for r in rows if r[2:4] == ["401000002", "q2.essay"])
    assert row[7:13] == ["2.5", "ok, but short", "ta1", "", "1", "2.5"]


# --- import ---------------------------------------------------------------------------------------


def test_every_bad_row_is_reported_and_nothing_is_imported(hw: SimpleNamespace, tmp_path: Path) -> None:
    rows = filled(hw, {("401000001", "q1.explain"): ("3", "good")})  # row 2: a good row
    header, good = rows[0], rows[1]

    def row(student: str, item: str, score: str, homework: str = "hwt") -> list[str]:
        return [homework, "theory", student, item, "", "", "", score, "", ""]

    rows = [
        header,
        good,
        row("401000001", "q2.essay", "4"),  # 3: above max 3
        row("401000002", "q1.explain", "-1"),  # 4: below 0
        row("401000002", "q2.essay", "two"),  # 5: not a number
        row("401000003", "q2.essay", "nan"),  # 6: not a plain number
        row("999", "q1.explain", "1"),  # 7: unknown student
        row("401000002", "q9.nope", "1"),  # 8: unknown item
        row("401000002", "q1.pick", "1"),  # 9: an automatic item
        row("401000001", "q1.explain", "2"),  # 10: duplicate of row 2
        row("401000003", "q1.explain", "1", homework="hw9"),  # 11: another homework
        [""] * 10,  # a blank line: ignored
        row("401000003", "q2.extra", ""),  # 13: no score: fine
        row("401000003", "q1.explian", "1"),  # 14: a misspelled item: the likely one is named
    ]
    sheet = write_sheet(tmp_path / "bad.csv", rows)
    with Gradebook.open(hw.db) as book, pytest.raises(SheetError) as info:
        import_sheet(sheet, book)
    message = str(info.value)
    assert message.startswith(f"{sheet}: 10 bad rows; nothing was imported")
    for expected in (
        "row 3: score 4 is outside 0..3",
        "row 4: score -1 is outside 0..4",
        "row 5: score 'two' is not a number",
        "row 6: score 'nan' is not a number",
        "row 7: unknown student '999'",
        "row 8: unknown item 'q9.nope'\n",  # nothing close: no guess
        "row 14: unknown item 'q1.explian' (did you mean q1.explain?)",
        "row 9: q1.pick is graded automatically, not by a TA",
        "row 10: 401000001 q1.explain is also on row 2",
        "row 11: homework is 'hw9', but this import is for hwt",
    ):
        assert expected in message, expected
    assert "row 2:" not in message and "row 13" not in message
    with Gradebook.open(hw.db) as book:
        assert book.manual_scores("hwt", "theory") == {}


def test_missing_columns_and_empty_sheets(hw: SimpleNamespace, tmp_path: Path) -> None:
    with Gradebook.open(hw.db) as book:
        with pytest.raises(SheetError, match="missing column score"):
            import_sheet(write_sheet(tmp_path / "a.csv", [["student_id", "item_id"], ["401000001", "q1.explain"]]), book)
        (tmp_path / "b.csv").write_text("", encoding="utf-8")
        with pytest.raises(SheetError, match="the sheet is empty"):
            import_sheet(tmp_path / "b.csv", book)


@pytest.mark.parametrize(("text", "value"), [("2", 2.0), (" 1.5 ", 1.5), ("۱٫۵", 1.5), ("1,5", 1.5), (".5", 0.5), ("+3", 3.0), ("1e3", None), ("inf", None), ("", None), ("1.2.3", None)])
def test_score_numbers(text: str, value: float | None) -> None:
    assert parse_score(text) == value


def test_import_merges_and_shows_old_to_new(hw: SimpleNamespace, tmp_path: Path) -> None:
    first = write_sheet(tmp_path / "one.csv", filled(hw, {("401000001", "q1.explain"): ("3", "good"), ("401000002", "q2.essay"): ("۲٫۵", "")}))
    with Gradebook.open(hw.db) as book:
        plan, changes = import_sheet(first, book, grader="ta1")
    assert plan.blank == 7
    assert sorted(describe_change(c) for c in changes) == ["401000001 q1.explain: 3 (new)", "401000002 q2.essay: 2.5 (new)"]
    # the second sheet (semicolon-separated, as some Excel locales save it) changes one score,
    # repeats one and leaves the other blank: the blank one keeps its stored score
    rows = filled(hw, {("401000001", "q1.explain"): ("3.5", "very good"), ("401000002", "q2.essay"): ("2.5", "")})
    second = write_sheet(tmp_path / "two.csv", rows, delimiter=";")
    with Gradebook.open(hw.db) as book:
        _, changes = import_sheet(second, book, grader="ta2")
        assert [describe_change(c) for c in changes if c.changed] == ["401000001 q1.explain: 3 → 3.5 (comment changed)"]
        assert book.manual_scores("hwt", "theory")[("401000002", "q2.essay")] == ManualScore(2.5, "", "ta1")
        rows = filled(hw, {("401000001", "q1.explain"): ("", "")})
        _, changes = import_sheet(write_sheet(tmp_path / "three.csv", rows), book)
        assert book.manual_scores("hwt", "theory")[("401000001", "q1.explain")] == ManualScore(3.5, "very good", "ta2")
        history = [(h["old_points"], h["new_points"]) for h in book.score_history("hwt", "theory") if h["student_id"] == "401000001"]
    assert history == [(None, 3.0), (3.0, 3.5)]


def test_a_dry_run_import_stores_nothing(hw: SimpleNamespace, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path / "s.csv", filled(hw, {("401000001", "q1.explain"): ("3", "")}))
    with Gradebook.open(hw.db) as book:
        _, changes = import_sheet(sheet, book, dry_run=True)
        assert [describe_change(c) for c in changes] == ["401000001 q1.explain: 3 (new)"]
        assert book.manual_scores("hwt", "theory") == {}


# --- the scores in results, and never overwritten by a re-grade ------------------------------------


def test_regrade_merges_manual_scores_and_recomputes_the_bonus(hw: SimpleNamespace, tmp_path: Path) -> None:
    before = json.loads((hw.out / "results" / "401000001.json").read_text(encoding="utf-8"))
    assert before["totals"] == {**before["totals"], "auto": 3, "manual": 0, "adjustments": 0.6, "total": 3.6, "pending_manual": 7}
    sheet = write_sheet(tmp_path / "s.csv", filled(hw, {("401000001", "q1.explain"): ("4", "complete"), ("401000001", "q2.essay"): ("1", "")}))
    with Gradebook.open(hw.db) as book:
        import_sheet(sheet, book, grader="ta1")
        scores = book.manual_scores("hwt", "theory")
    outcome = grade(hw)
    data = json.loads((hw.out / "results" / "401000001.json").read_text(encoding="utf-8"))
    assert data["items"]["q1.explain"]["manual_score"] == {"points": 4, "comment": "complete", "grader": "ta1"}
    assert data["items"]["q1.explain"]["status"] == "correct"
    assert data["totals"]["manual"] == 5 and data["totals"]["total"] == pytest.approx(9.6)  # (3 + 5) × 1.2
    assert data["adjustments"][0]["points"] == pytest.approx(1.6)
    assert "q1.explain: pending 0 → correct 4" in "\n".join(outcome.diff.lines())
    grade(hw)  # a second re-grade: the gradebook's scores are untouched
    with Gradebook.open(hw.db) as book:
        assert book.manual_scores("hwt", "theory") == scores
        assert len(book.runs()) == 3
    grades = (hw.out / "grades.csv").read_text(encoding="utf-8")
    assert "401000001,2,4,1,1,0,6,2,3,5,0,0,1.6,0,9.6\n" in grades


# --- the CLI --------------------------------------------------------------------------------------


def test_cli_export_and_import(hw: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "ta1")  # the same TA as --grader below: re-importing their own sheet
    assert main(["manual", "export", "--out", str(hw.out)]) == 0
    sheet = hw.out / "manual-hwt-theory.csv"
    assert f"wrote {sheet}: 9 rows" in capsys.readouterr().out
    assert main(["manual", "export", "--out", str(hw.out)]) == 2  # never overwrite a sheet being filled in
    assert "exists (a TA may be filling it in)" in capsys.readouterr().err
    rows = sheet_rows(sheet.read_text(encoding="utf-8"))
    rows[1][7] = "9"  # above the maximum
    write_sheet(sheet, rows)
    assert main(["manual", "import", str(sheet), "--out", str(hw.out)]) == 2
    assert "row 2: score 9 is outside 0..4" in capsys.readouterr().err
    rows[1][7] = "2"
    write_sheet(sheet, rows)
    assert main(["manual", "import", str(sheet), "--db", str(hw.db), "--grader", "ta1"]) == 0
    out = capsys.readouterr().out
    assert "401000001 q1.explain: 2 (new)" in out and "1 score(s) changed" in out
    rows[1][7] = "3"
    write_sheet(sheet, rows)
    assert main(["manual", "import", str(sheet), "--out", str(hw.out)]) == 0
    assert "401000001 q1.explain: 2 → 3" in capsys.readouterr().out


def test_cli_needs_an_existing_gradebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["manual", "export", "--out", str(tmp_path / "nowhere")]) == 6
    assert "no gradebook here" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()
