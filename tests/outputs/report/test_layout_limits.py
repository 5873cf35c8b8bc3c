"""Student text cannot break the page: long tokens wrap, combining-mark runs stay in their line."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest

from grader.outputs.report.render import get_renderer
from grader.outputs.report.view import build_student_view
from grader.typeset.text import MAX_MARKS, clean
from tests.outputs.report.fixtures import make_result

ZALGO = "Z" + "\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308" * 8


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (ZALGO, "Z\u0301\u0302\u0303"),
        ("شَدّة", "شَدّة"),  # Persian harakat (one or two per letter) are kept
        ("e\u0301", "e\u0301"),
        ("a" + "\u064e" * 40 + "b", "a" + "\u064e" * MAX_MARKS + "b"),
    ],
)
def test_combining_mark_runs_are_cut(text: str, kept: str) -> None:
    assert clean(text) == kept


def test_a_300_character_token_in_a_warning_wraps_inside_the_page(rubric) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    token = "y" * 300
    result = replace(make_result(), warnings=(f"unknown top-level keys ignored: {token}",))
    pdf = get_renderer().student_pdf(build_student_view(result, rubric))
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    runs = [len(m) for m in re.findall(r"y{20,}", text)]
    assert sum(runs) >= 250  # the token is shown (up to the warnings' own limit) ...
    assert max(runs) < 150  # ... broken over lines that fit the page (about 110 characters)
