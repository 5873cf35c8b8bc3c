"""`grade sheet`: the sheet's fields, titles, instance numbers, and the command itself."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
import pytest

from grader.rubric import Kind

STUDENT = "401234567"


def _fields(data: bytes) -> dict:
    return pypdf.PdfReader(io.BytesIO(data)).get_fields()


def test_every_item_has_one_field_named_by_its_id(blank_sheet, hw4):
    fields = _fields(blank_sheet(STUDENT))
    for item in hw4.items:
        field = fields[item.id]
        if item.kind is Kind.CHOICE:
            assert field["/FT"] == "/Ch" and [o[0] for o in field["/Opt"]] == ["", *sorted(item.options)], item.id  # listed_options
        else:
            assert field["/FT"] == "/Tx", item.id
            multiline = bool(int(field.get("/Ff", 0)) & (1 << 12))
            assert multiline == (item.kind in (Kind.TEXT, Kind.MATRIX, Kind.TENSOR)), item.id
        assert not field.get("/V"), item.id  # blank
    assert set(fields) - set(hw4.item_ids) == {"sheet.student_id", "sheet.homework"}


def test_the_5x5x4_tensor_field_is_large(blank_sheet):
    reader = pypdf.PdfReader(io.BytesIO(blank_sheet(STUDENT)))
    rects = {str(a.get_object()["/T"]): a.get_object()["/Rect"] for page in reader.pages for a in page.get("/Annots") or []}
    x0, y0, x1, y1 = (float(v) for v in rects["q3.a.dL_dP1"])
    assert abs(x1 - x0) > 450 and abs(y1 - y0) > 150  # points: the text width, ~14 lines of 10 pt
    _, a0, _, a1 = (float(v) for v in rects["q1.c.unet_conv2_params"])
    assert abs(a1 - a0) < 30  # a one-line field


def _page_text(data: bytes, page: int) -> str:
    return " ".join(pypdf.PdfReader(io.BytesIO(data)).pages[page].extract_text().split())


def test_the_first_page_shows_the_instance_of_grade_template(blank_sheet, hw4):
    from grader.keys.keybook import KeyBook

    text = _page_text(blank_sheet(STUDENT), 0)
    assert f"answer sheet of {STUDENT}" in text and "then Save" in text and "append pages with your derivations" in text
    instances = KeyBook(hw4).instances_for(STUDENT)
    assert " ".join(map(str, instances["q2"]["X"])) in text  # X[i] of Q2, in order
    for row in instances["q3"]["W1"]:  # W1[k][t]: each row k after its index
        assert " ".join(map(str, row)) in text
    g = instances["q3"]["G"]
    assert f"G = {int(g) if float(g).is_integer() else g}" in text and "G = dL/dz" in text
    assert "X[i=4][j][k]: rows j, columns k" in text


def test_items_show_titles_hints_and_points_like_the_template(blank_sheet, hw4):
    from grader.student.template import item_hint

    text = " ".join(_page_text(blank_sheet(STUDENT), p) for p in range(1, len(pypdf.PdfReader(io.BytesIO(blank_sheet(STUDENT))).pages)))
    item = hw4.item("q1.c.unet_conv2_params")
    assert item.id in text and item.title in text and " ".join(item_hint(item, sheet=True).split()) in text


def test_the_sheet_renders_persian_right_to_left(sheet_writer):
    html = sheet_writer.html(None)
    assert re.search(r'<div class="fa[^"]*" dir="rtl" lang="fa">گرادیان کانولوشن یک‌بعدی</div>', html)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        ([], 2, "give either --student ID or --roster FILE"),
        (["--student", "a/b"], 2, "expected 1-64 letters"),
    ],
)
def test_grade_sheet_refuses_bad_arguments(args, code, message, capsys):
    from grader.cli import main

    assert main(["sheet", *args]) == code
    assert message in capsys.readouterr().err


def test_grade_sheet_for_a_student_and_for_a_roster(tmp_path, capsys, hw4, monkeypatch):
    from grader.cli import main
    from grader.readers.answer_file import load_submission

    monkeypatch.chdir(tmp_path)
    assert main(["sheet", "--student", STUDENT, "--rubric", str(hw4.path)]) == 0
    assert (tmp_path / f"HW4_T_{STUDENT}.pdf").is_file()
    assert main(["sheet", "--student", STUDENT, "--rubric", str(hw4.path)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert main(["sheet", "--student", STUDENT, "--out", "mine", "--rubric", str(hw4.path)]) == 0  # --out is the folder
    assert (tmp_path / "mine" / f"HW4_T_{STUDENT}.pdf").is_file()
    assert main(["sheet", "--student", STUDENT, "--out", "mine", "-o", "x.pdf", "--rubric", str(hw4.path)]) == 2
    assert "not both" in capsys.readouterr().err
    roster = tmp_path / "roster.txt"
    roster.write_text("401234568\n401234569\n", encoding="utf-8")
    assert main(["sheet", "--roster", str(roster), "--out", "sheets", "--rubric", str(hw4.path), "-j", "1"]) == 0
    for student in ("401234568", "401234569"):
        path = Path("sheets") / f"HW4_T_{student}.pdf"
        submission = load_submission(path, prefix="HW4_T_", item_ids=hw4.item_ids)
        assert submission.declared_id == student and submission.warnings == ()
        assert all(v is None for v in submission.answers.values()) and set(submission.answers) == set(hw4.item_ids)
