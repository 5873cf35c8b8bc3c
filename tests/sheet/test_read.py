"""Reading a filled answer sheet: the same answers, verdicts and carets as the YAML file.

Each writer below fills the sheet `grade sheet` makes; the answers read back must be exactly
the text typed, and grade to the listed verdicts.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from grader.errors import SubmissionError
from grader.readers.answer_file import load_submission
from grader.student.sheet.fill import fill_sheet
from tests.sheet.conftest import append_with_pypdf, append_with_qpdf, derivation_pages, fill_with_pdftk

STUDENT = "401234567"
NAME = f"HW4_T_{STUDENT}.pdf"

# what a student types, and the verdict it must get
TYPED = {
    "q1.c.unet_conv2_params": ("۷۳٬۸۵۶", "correct", "73856"),  # Persian digits and separator
    "q1.a.fc_units": ("$W \\cdot H \\cdot J$", "correct", "W·H·J"),  # LaTeX
    "q1.a.fc_weights": ("W^2 H^2 I J", "correct", "W^2·H^2·I·J"),
    "q5.b.kronecker_A": ("[[1, 0, 0],\n [0, 0, 0],\n [0, 0, 0]]", "correct", "[[1, 0, 0], [0, 0, 0], [0, 0, 0]]"),  # multi-line matrix
    "q1.b.conv_bias_removal": ("no_effect", "correct", "no_effect"),  # a choice (combo box)
    "q4.a.densenet_channels": ("1,04", "invalid", "1,04"),  # the same caret message as YAML
    "q2.derivation": ("گرادیان نسبت به W یک همبستگی است:\n∂L/∂W_j = Σ_i G_i X_{i+j}", "pending", "همبستگی"),  # Persian free text
}
VALUES = {item: typed for item, (typed, _, _) in TYPED.items()}


def _given(answers: dict) -> dict:
    """The answered fields (an empty field reads as None, like an empty item of the template)."""
    return {k: v for k, v in answers.items() if v is not None}


def _load(tmp_path: Path, data: bytes, hw4, name: str = NAME):
    path = tmp_path / name
    path.write_bytes(data)
    return load_submission(path, prefix=hw4.file_prefix, item_ids=hw4.item_ids)


def _grade(submission, hw4, hw4_keys):
    from grader.grading.item import grade_submission

    return grade_submission(submission, rubric=hw4, keys=hw4_keys)


@pytest.mark.parametrize("writer", ["pypdf-values", "pypdf-appearances", "pdftk-xfdf"])
def test_a_filled_sheet_reads_back_what_was_typed(writer, blank_sheet, tmp_path, hw4, hw4_keys):
    blank = blank_sheet(STUDENT)
    if writer == "pdftk-xfdf":
        filled = fill_with_pdftk(blank, VALUES, tmp_path)
    else:
        filled = fill_sheet(blank, VALUES, appearances=writer == "pypdf-appearances")
    submission = _load(tmp_path, filled, hw4)
    assert _given(submission.answers) == VALUES
    assert submission.student_id == STUDENT and submission.declared_id == STUDENT
    assert submission.warnings == ()
    result = _grade(submission, hw4, hw4_keys)
    for item_id, (_, status, fragment) in TYPED.items():
        verdict = result.item(item_id).verdict
        assert verdict.status.value == status, (item_id, verdict)
        assert fragment in (verdict.read_as or "") + verdict.feedback, (item_id, verdict)
    untouched = [r for r in result.items if r.item_id not in TYPED]
    assert untouched and all(r.verdict.status.value == "missing" and r.verdict.feedback == "no answer given" for r in untouched)


def test_the_caret_points_into_the_field_text(blank_sheet, tmp_path, hw4, hw4_keys):
    result = _grade(_load(tmp_path, fill_sheet(blank_sheet(STUDENT), {"q1.c.unet_conv2_params": "73,85,6"}), hw4), hw4, hw4_keys)
    assert "73,85,6\n~~~~~~^" in result.item("q1.c.unet_conv2_params").verdict.feedback


@pytest.mark.parametrize("append", ["pypdf", "qpdf"])
def test_appended_derivation_pages_keep_the_answers_and_are_counted(append, blank_sheet, tmp_path, hw4, hw4_keys):
    from grader.result_schema import result_json

    filled = fill_sheet(blank_sheet(STUDENT), VALUES)
    sheet_pages = len(__import__("pypdf").PdfReader(io.BytesIO(filled)).pages)
    extra = derivation_pages(3)
    joined = append_with_pypdf(filled, extra) if append == "pypdf" else append_with_qpdf(filled, extra, tmp_path)
    submission = _load(tmp_path, joined, hw4)
    assert _given(submission.answers) == VALUES
    data = result_json(_grade(submission, hw4, hw4_keys))
    assert data["pdf"] == {"pages": sheet_pages + 3, "sheet_pages": sheet_pages, "appended_pages": 3}
    assert data["items"]["q1.c.unet_conv2_params"]["status"] == "correct"


def _flattened(filled: bytes) -> bytes:
    """The sheet as 'Print to PDF' leaves it: the same pages, no form and no widgets."""
    import pypdf
    from pypdf.generic import NameObject

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(filled)))
    writer.remove_annotations(subtypes=None)
    del writer.root_object[NameObject("/AcroForm")]
    writer._info = None  # printing drops the document information too
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["flattened sheet", "no form at all"])
def test_a_pdf_without_answer_fields_is_kept_for_the_ta(kind, blank_sheet, tmp_path, hw4, hw4_keys):
    from grader.result_schema import result_json

    data = _flattened(fill_sheet(blank_sheet(STUDENT), VALUES)) if kind == "flattened sheet" else derivation_pages(2)
    submission = _load(tmp_path, data, hw4)
    assert _given(submission.answers) == {}
    assert any(w.startswith("no answer fields: ") and "Save, not Print" in w for w in submission.warnings)
    result = result_json(_grade(submission, hw4, hw4_keys))
    assert result["pdf"]["pages"] >= 2
    statuses = {item["status"] for item in result["items"].values()}
    assert statuses == {"missing"}
    assert all(item["feedback"].startswith("no answer fields") for item in result["items"].values())


def test_grade_check_says_what_happened_and_what_to_do(tmp_path, hw4, capsys):
    from grader.cli import main

    path = tmp_path / NAME
    path.write_bytes(derivation_pages(1))
    assert main(["check", str(path), "--rubric", str(hw4.path)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "no answer fields" in out and "grade sheet --student" in out and "Save, not Print" in out


def test_a_sheet_of_another_student_is_graded_under_the_file_name_with_a_warning(blank_sheet, tmp_path, hw4, hw4_keys):
    submission = _load(tmp_path, fill_sheet(blank_sheet(STUDENT), VALUES), hw4, name="HW4_T_401234568.pdf")
    assert submission.student_id == "401234568" and submission.declared_id == STUDENT
    (warning,) = submission.warnings
    assert "'401234567' but the file name says '401234568'" in warning and "Q2/Q3 numbers" in warning


def test_a_sheet_of_another_homework_is_refused(blank_sheet, tmp_path, hw4):
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(blank_sheet(STUDENT))))
    writer.add_metadata({"/HwgraderFilePrefix": "HW5_T_", "/HwgraderHomework": "hw5"})
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(SubmissionError, match=r"answer sheet of another homework \(its files are named HW5_T_<id>.pdf\)"):
        _load(tmp_path, out.getvalue(), hw4)


def test_the_sheet_records_who_it_is_for(blank_sheet):
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(blank_sheet(STUDENT)))
    info = reader.metadata
    assert info["/HwgraderStudentId"] == STUDENT and info["/HwgraderHomework"] == "hw4" and info["/HwgraderFilePrefix"] == "HW4_T_"
    assert int(info["/HwgraderSheetPages"]) == len(reader.pages)
    fields = reader.get_fields()
    assert fields["sheet.student_id"]["/V"] == STUDENT and fields["sheet.student_id"]["/Ff"] & 1  # read-only
    assert fields["sheet.homework"]["/V"] == "hw4" and fields["sheet.homework"]["/Ff"] & 1


def test_json_of_a_result_from_yaml_has_no_pdf_entry(hw4, hw4_keys):
    from grader.result_schema import result_json
    from tests.conftest import SUBMISSIONS

    submission = load_submission(SUBMISSIONS / "HW4_T_401234567.yaml", prefix=hw4.file_prefix, item_ids=hw4.item_ids)
    assert "pdf" not in json.loads(json.dumps(result_json(_grade(submission, hw4, hw4_keys))))


def test_our_field_walk_reads_what_pypdf_get_fields_reads(blank_sheet, tmp_path, hw4):
    """The reader walks /AcroForm itself (3x faster than `get_fields`, which also reads every
    widget's page); on a filled sheet both give the same value for every item."""
    import pypdf

    from grader.readers.pdf_sheet import field_value, form_fields

    filled = fill_with_pdftk(blank_sheet(STUDENT), VALUES, tmp_path)
    reader = pypdf.PdfReader(io.BytesIO(filled))
    theirs = {name: field_value(f) for name, f in reader.get_fields().items() if name in hw4.item_ids}
    ours = {name: field_value(f) for name, f in form_fields(reader, NAME).items() if name in hw4.item_ids}
    assert ours == theirs and set(ours) == set(hw4.item_ids)
    assert _given(ours) == VALUES
