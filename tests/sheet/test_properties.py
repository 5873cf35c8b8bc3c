"""Properties of the PDF reader on arbitrary input (hypothesis).

- Any mutation of a small valid form PDF (bytes flipped, cut, inserted, repeated) gives a
  Submission or a SubmissionError, never another exception, and grading what was read never
  gives the engine's "internal error".
- Any text stored in a field (UTF-16 with BOM, as viewers and pypdf store non-Latin text) reads
  back exactly, or as an unanswered item when it is only whitespace.

HWGRADER_PROPERTY_EXAMPLES sets the budget, as in tests/test_properties.py.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.errors import SubmissionError
from grader.readers.answer_file import load_submission
from grader.rubric import load_rubric
from tests.adversarial.hostile_pdfs import GOOD_FIELD, form_pdf
from tests.conftest import HW4_RUBRIC

RUBRIC = load_rubric(HW4_RUBRIC)

SETTINGS = settings(max_examples=int(os.environ.get("HWGRADER_PROPERTY_EXAMPLES", "300")), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
BASE = form_pdf([GOOD_FIELD, b"<< /FT /Ch /T (q1.b.conv_bias_removal) /V (no_effect) /Opt [(no_effect) (degrades)] >>"])

EDITS = st.lists(
    st.tuples(st.sampled_from(["flip", "cut", "insert", "repeat"]), st.integers(0, len(BASE) - 1), st.binary(min_size=1, max_size=12)),
    min_size=1,
    max_size=6,
)


def _mutate(data: bytes, edits: list[tuple[str, int, bytes]]) -> bytes:
    for kind, at, blob in edits:
        at = at % max(1, len(data))
        if kind == "flip":
            data = data[:at] + bytes([data[at] ^ blob[0]]) + data[at + 1 :]
        elif kind == "cut":
            data = data[:at] + data[at + len(blob) * 8 :]
        elif kind == "insert":
            data = data[:at] + blob + data[at:]
        else:
            data = data[:at] + data[at : at + 40] * (1 + blob[0] % 50) + data[at:]
    return data


def _load(data: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "HW4_T_401234567.pdf"
        path.write_bytes(data)
        try:
            return load_submission(path, prefix="HW4_T_")
        except SubmissionError as exc:
            return exc


@SETTINGS
@given(EDITS)
def test_a_mutated_pdf_is_read_or_refused_never_a_crash(edits):
    from grader.grading.item import grade_answers

    outcome = _load(_mutate(BASE, edits))
    if isinstance(outcome, SubmissionError):
        assert str(outcome).startswith("HW4_T_401234567.pdf: ")
        assert "\n" not in str(outcome)
        return
    for result in grade_answers(outcome.answers, rubric=RUBRIC, keys=None, student_id="401234567"):
        assert "internal error" not in result.verdict.feedback


def _utf16(text: str) -> bytes:
    return b"<" + ("\ufeff" + text).encode("utf-16-be", "surrogatepass").hex().encode() + b">"


@SETTINGS
@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=200))
def test_any_field_text_reads_back_exactly(text):
    outcome = _load(form_pdf([b"<< /FT /Tx /T (q2.derivation) /V " + _utf16(text) + b" >>"]))
    assert not isinstance(outcome, SubmissionError), outcome
    assert outcome.answers["q2.derivation"] == (text if text.strip() else None)
