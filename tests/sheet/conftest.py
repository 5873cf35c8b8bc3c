"""Sheets for tests: written once per session (WeasyPrint, ~1 s each), filled per test."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape

import pytest


@pytest.fixture(scope="session")
def sheet_writer(hw4):
    import gc

    from grader.student.sheet.write import SheetWriter

    writer = SheetWriter(hw4)
    yield writer
    # freed now, not at interpreter exit, where WeasyPrint's FontConfiguration.__del__ fails
    writer.__dict__.clear()
    del writer
    gc.collect()


@pytest.fixture(scope="session")
def blank_sheet(sheet_writer):
    """`blank_sheet(student_id)`: that student's unfilled sheet (bytes), made once."""
    made: dict[str, bytes] = {}

    def get(student_id: str) -> bytes:
        if student_id not in made:
            made[student_id] = sheet_writer.pdf(student_id)
        return made[student_id]

    return get


def fill_with_pdftk(blank: bytes, values: dict[str, str], tmp_path: Path) -> bytes:
    """Fill with pdftk-java from an XFDF file: a writer independent of pypdf and WeasyPrint."""
    if shutil.which("pdftk") is None:
        pytest.skip("pdftk is not installed (scripts/setup installs pdftk-java)")
    fields = "".join(f'<field name="{escape(k)}"><value>{escape(v)}</value></field>' for k, v in values.items())
    xfdf = tmp_path / "answers.xfdf"
    xfdf.write_text(f'<?xml version="1.0" encoding="UTF-8"?><xfdf xmlns="http://ns.adobe.com/xfdf/" xml:space="preserve"><fields>{fields}</fields></xfdf>', encoding="utf-8")
    source, out = tmp_path / "blank.pdf", tmp_path / "pdftk.pdf"
    source.write_bytes(blank)
    subprocess.run(["pdftk", str(source), "fill_form", str(xfdf), "output", str(out)], check=True, capture_output=True, timeout=120)
    return out.read_bytes()


def append_with_qpdf(sheet: bytes, extra: bytes, tmp_path: Path) -> bytes:
    """The sheet followed by the pages of `extra` (a student's derivations), by qpdf --pages."""
    if shutil.which("qpdf") is None:
        pytest.skip("qpdf is not installed (scripts/setup installs it)")
    a, b, out = tmp_path / "sheet.pdf", tmp_path / "extra.pdf", tmp_path / "joined.pdf"
    a.write_bytes(sheet)
    b.write_bytes(extra)
    subprocess.run(["qpdf", str(a), "--pages", ".", str(b), "--", str(out)], check=True, capture_output=True, timeout=120)
    return out.read_bytes()


def append_with_pypdf(sheet: bytes, extra: bytes) -> bytes:
    import io

    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(sheet)))
    writer.append(pypdf.PdfReader(io.BytesIO(extra)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def derivation_pages(count: int = 2) -> bytes:
    """A plain PDF of `count` pages with no form, as a scanned or typed derivation would be."""
    import io

    import pypdf

    writer = pypdf.PdfWriter()
    for _ in range(count):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
