"""Done when: a sheet filled by a program other than the one that made it, with pages appended,
grades to the same verdicts as the equivalent YAML file, item by item, for the three samples."""

from __future__ import annotations

import pytest
import yaml

from grader.grading.item import grade_submission
from grader.readers.answer_file import load_submission
from grader.student.sheet.fill import answer_text
from tests.conftest import SUBMISSIONS
from tests.sheet.conftest import append_with_qpdf, derivation_pages, fill_with_pdftk

SAMPLES = sorted(p.name for p in SUBMISSIONS.glob("HW4_T_*.yaml"))


def test_there_are_three_samples():
    assert len(SAMPLES) == 3


@pytest.mark.parametrize("sample", SAMPLES)
def test_a_filled_sheet_grades_like_the_yaml_file(sample, blank_sheet, tmp_path, hw4, hw4_keys):
    yaml_path = SUBMISSIONS / sample
    document = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    student = str(document["student_id"])
    typed = {item: answer_text(value) for item, value in (document.get("answers") or {}).items() if value is not None}
    filled = fill_with_pdftk(blank_sheet(student), typed, tmp_path)  # pdftk-java: not pypdf, not WeasyPrint
    sheet = append_with_qpdf(filled, derivation_pages(2), tmp_path)  # qpdf: the derivations after the sheet
    pdf_path = tmp_path / f"HW4_T_{student}.pdf"
    pdf_path.write_bytes(sheet)
    from_yaml = grade_submission(load_submission(yaml_path, prefix="HW4_T_", item_ids=hw4.item_ids), rubric=hw4, keys=hw4_keys)
    from_pdf = grade_submission(load_submission(pdf_path, prefix="HW4_T_", item_ids=hw4.item_ids), rubric=hw4, keys=hw4_keys)
    assert [r.item_id for r in from_pdf.items] == [r.item_id for r in from_yaml.items]
    for pdf_item, yaml_item in zip(from_pdf.items, from_yaml.items, strict=True):
        assert pdf_item.verdict == yaml_item.verdict, pdf_item.item_id  # status, credit, read as, feedback, matched
    assert from_pdf.total == from_yaml.total
    assert from_pdf.pdf is not None and from_pdf.pdf.pages == from_pdf.pdf.sheet_pages + 2
    assert from_pdf.warnings == tuple(w for w in from_yaml.warnings if "unknown top-level" not in w)
