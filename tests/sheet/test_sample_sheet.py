"""The bundled filled sheet, submissions/HW4_T_401234570.pdf, grades as tests/sheet/make_sample.py says."""

from __future__ import annotations

import json

from tests.conftest import SUBMISSIONS
from tests.sheet.make_sample import LEFT_EMPTY, STUDENT, TYPED


def test_the_bundled_sheet_grades_as_made(hw4, hw4_keys):
    from grader.grading.item import grade_submission
    from grader.readers.answer_file import load_submission

    submission = load_submission(SUBMISSIONS / f"HW4_T_{STUDENT}.pdf", prefix="HW4_T_", item_ids=hw4.item_ids)
    assert submission.warnings == () and submission.declared_id == STUDENT
    result = grade_submission(submission, rubric=hw4, keys=hw4_keys)
    for item in hw4.items:
        status = result.item(item.id).verdict.status.value
        if item.id in TYPED:
            assert status == TYPED[item.id][1], item.id
        elif item.id in LEFT_EMPTY:
            assert status == "missing", item.id
        else:
            assert status == ("pending" if item.manual else "correct"), (item.id, result.item(item.id).verdict)
    assert result.pdf is not None and result.pdf.pages == result.pdf.sheet_pages + 1  # one derivation page appended


def test_grade_submissions_shows_the_sheet(tmp_path, capsys):
    from grader.cli import main

    out = tmp_path / "out"
    assert main([str(SUBMISSIONS), "--out", str(out), "--no-pdf", "--jobs", "1"]) == 0
    assert STUDENT in capsys.readouterr().out
    (results,) = out.rglob(f"results/{STUDENT}.json")
    data = json.loads(results.read_text(encoding="utf-8"))
    assert data["source"] == f"HW4_T_{STUDENT}.pdf" and data["pdf"]["appended_pages"] == 1
