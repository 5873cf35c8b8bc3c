"""Rendered PDFs: Persian text, escaped hostile text, embedded bundled fonts, no attachments,
the class summary, skip-if-unchanged batches, the process pool and failures."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

import grader.outputs.report.batch as batch
from grader.errors import ReportError
from grader.outputs.report import render_reports, render_student_report, render_summary
from grader.outputs.report.render import Renderer, get_renderer
from grader.typeset.pdf import font_files
from tests.outputs.report.fixtures import FA_Q1, FA_STRIDE, HOSTILE, make_result, make_rubric

ZWNJ = "\u200c"


def squash(text: str) -> str:
    """Compare text without what extraction cannot keep: ZWNJ, line breaks, and the side of a
    bracket. (Pango mirrors "(" in right-to-left runs by drawing the ")" glyph, and a PDF font
    maps each glyph to one character, so extracted brackets may come out swapped although the
    page shows them correctly.)"""
    return re.sub(r"\s+", "", text.replace(ZWNJ, "")).translate(str.maketrans(")]", "(["))


def pdf_text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture(scope="module")
def student_pdf(tmp_path_factory) -> tuple[Path, bytes, PdfReader]:
    path = tmp_path_factory.mktemp("student") / "401234567.pdf"
    render_student_report(make_result(), make_rubric(), path, course="Deep Learning", graded_at="2024-12-20 10:00")
    data = path.read_bytes()
    return path, data, PdfReader(io.BytesIO(data))


def test_student_report_content(student_pdf):
    _, _, reader = student_pdf
    text = pdf_text(reader)
    for expected in ("401234567", "Sara Ahmadi", "2024-12-05 21:14", "2024-12-20 10:00", "Deep Learning",
                     "Early submission bonus", "16 Azar", "pending", "could not read", "missing",
                     "unknown item 'q9.z'", "TA score: 1.5 / 2"):
        assert expected in text, expected
    squashed = squash(text)
    assert squash("7 / 18 (+10 bonus)") in squashed
    assert squash("3 of 100 entries differ; first at [0,1,2]…") in squashed
    assert "0.102062" not in text  # show_expected: false
    assert "[[0, 1, 2, 3" in text and "[90, 91" not in text  # the tensor is cut short
    assert len(reader.pages) <= 3


def unbracketed(text: str) -> str:
    """`squash` without round brackets. pypdf's extraction attaches a neutral "(" that opens a
    left-to-right fragment inside Persian text to the right-to-left run before it, and so moves
    it to that run's start, unless the fragment happens to begin a line (the page shows it in
    place). Where such a bracket ends up in extracted text says nothing about the page."""
    return squash(text).replace("(", "")


def test_persian_titles_are_extractable(student_pdf):
    _, _, reader = student_pdf
    squashed = squash(pdf_text(reader))
    for title in (FA_Q1, "تمرین چهارم", "گرادیان ناپدید شونده"):
        assert squash(title) in squashed, title
    # A Persian title with a Latin fragment is one run with bidi isolates: Pango draws it in
    # visual order and pypdf extracts the Persian pieces around the fragment in drawing order, so
    # each piece (and the fragment) must come out whole; their order is checked on the HTML
    # (tests/outputs/report/test_view.py) and by eye, not by extraction.
    words = unbracketed(pdf_text(reader))
    for part in re.split(r"\(|\)", FA_STRIDE):
        assert unbracketed(part) in words, part
    for part in ("استدلال درست است ولی اشتراک وزن‌ها", "(weight sharing)", "را توضیح ندادید"):
        assert unbracketed(part) in words, part


def test_persian_text_reaches_the_page_in_logical_order_with_isolated_fragments():
    from grader.outputs.report.view import build_student_view

    html = get_renderer().student_html(build_student_view(make_result(), make_rubric(), graded_at="now"))
    nbsp = "\u00a0"
    assert f"تعداد پارامترهای لایه دوم \u2066(stride{nbsp}={nbsp}2)\u2069 را حساب کنید" in html
    assert f"اشتراک وزن‌ها \u2066(weight{nbsp}sharing)\u2069 را توضیح ندادید." in html


def test_hostile_answer_is_text_not_markup(student_pdf):
    _, data, reader = student_pdf
    assert squash(HOSTILE) in squash(pdf_text(reader))
    # nothing was attached or embedded from the hostile <link rel="attachment">
    assert reader.attachments == {}
    assert b"/EmbeddedFile" not in data and b"/FileAttachment" not in data and b"/Launch" not in data
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            assert annot.get_object().get("/Subtype") != "/FileAttachment"


def test_bundled_fonts_are_embedded(student_pdf):
    _, _, reader = student_pdf
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
            names.add(str(font["/BaseFont"]).split("+", 1)[-1])
    # our own family names: the fonts came from the @font-face files, not from the system
    assert {"Report-Sans", "Report-Sans-Bold", "Report-Mono"} <= names


def test_renderer_loaded_the_bundled_font_files():
    renderer = Renderer()
    requested = set(renderer.fetcher.requested)
    assert {f.as_uri() for f in font_files()} <= requested
    assert all(url.startswith(("file:", "data:")) for url in requested)


def test_summary_pdf(tmp_path, rubric):
    results = [make_result(str(400000000 + i), scale_answer=a) for i, a in enumerate(["unchanged", "unchanged", "changes?"])]
    path = tmp_path / "summary.pdf"
    render_summary(results, rubric, path, unreadable=[("HW4_T_999.yaml", "not valid YAML: <script>")],
                   course="Deep Learning", graded_at="2024-12-20")
    reader = PdfReader(path)
    text = pdf_text(reader)
    for expected in ("class summary", "Score distribution", "HW4_T_999.yaml", "not valid YAML: <script>",
                     "unchanged ×2", "changes? ×1", "3 graded, 1 could not be read"):
        assert expected in text, expected
    assert squash(FA_Q1) in squash(text)
    # the histogram is vector graphics with its axis labels in the page's text
    assert "total points" in text and "submissions" in text and not reader.pages[0].images


def _mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.pdf")}


def test_batch_skips_unchanged_reports(tmp_path, rubric):
    results = [make_result("401000001"), make_result("401000002")]
    stats = render_reports(results, rubric, tmp_path, graded_at="monday")
    assert (stats.rendered, stats.skipped) == (2, 0)
    index = json.loads((tmp_path / batch.INDEX_NAME).read_text())
    assert set(index["reports"]) == {"401000001.pdf", "401000002.pdf"}
    before = _mtimes(tmp_path)

    # a new graded-at time alone changes nothing
    stats = render_reports(results, rubric, tmp_path, graded_at="tuesday")
    assert (stats.rendered, stats.skipped) == (0, 2)
    assert _mtimes(tmp_path) == before
    assert str(stats).startswith("0 reports rendered, 2 unchanged (")

    # one student's answer changed: only that report is rendered
    results[1] = make_result("401000002", params_answer="73856")
    stats = render_reports(results, rubric, tmp_path, graded_at="tuesday")
    assert (stats.rendered, stats.skipped) == (1, 1)
    assert _mtimes(tmp_path)["401000001.pdf"] == before["401000001.pdf"]

    # a deleted PDF is rendered again; force renders everything
    (tmp_path / "401000001.pdf").unlink()
    assert render_reports(results, rubric, tmp_path).rendered == 1
    assert render_reports(results, rubric, tmp_path, force=True).rendered == 2
    # a damaged index means "render everything", not a crash
    (tmp_path / batch.INDEX_NAME).write_text("{not json")
    assert render_reports(results, rubric, tmp_path).rendered == 2
    assert sorted(os.listdir(tmp_path)) == [batch.INDEX_NAME, "401000001.pdf", "401000002.pdf"]  # no temp files


def test_batch_builds_views_only_for_changed_inputs(tmp_path, rubric, monkeypatch):
    import dataclasses

    results = [make_result("401000001"), make_result("401000002")]
    render_reports(results, rubric, tmp_path, graded_at="monday")
    built: list[str] = []
    real_build = batch.build_student_view

    def counting_build(result, *args, **kwargs):
        built.append(result.student_id)
        return real_build(result, *args, **kwargs)

    monkeypatch.setattr(batch, "build_student_view", counting_build)
    before = _mtimes(tmp_path)

    # unchanged results: no view is even built
    assert render_reports(results, rubric, tmp_path).skipped == 2 and built == []

    # a changed input that the page does not show (the file's time): the view is built, found
    # equal, and the PDF left alone; the index learns the new inputs
    results[0] = dataclasses.replace(results[0], modified_at="2024-12-06T10:00:00+00:00")
    stats = render_reports(results, rubric, tmp_path)
    assert (stats.rendered, stats.skipped, built) == (0, 2, ["401000001"])
    assert render_reports(results, rubric, tmp_path).skipped == 2 and built == ["401000001"]

    # a TA score changes the page: built and rendered; a new course name changes every page
    results[1] = dataclasses.replace(
        results[1], items=tuple(dataclasses.replace(i, manual_score=None) if i.item_id == "q6.c.relu_vs_sigmoid" else i for i in results[1].items)
    )
    assert render_reports(results, rubric, tmp_path).rendered == 1 and built[-1] == "401000002"
    assert render_reports(results, rubric, tmp_path, course="Deep Learning").rendered == 2
    assert _mtimes(tmp_path) != before

    # an index from the previous version (view hashes only) still spares unchanged reports
    index = json.loads((tmp_path / batch.INDEX_NAME).read_text())
    old_index = {"version": 1, "reports": {name: e["view"] for name, e in index["reports"].items()}}
    (tmp_path / batch.INDEX_NAME).write_text(json.dumps(old_index))
    stats = render_reports(results, rubric, tmp_path, course="Deep Learning")
    assert (stats.rendered, stats.skipped) == (0, 2)


def test_batch_in_a_process_pool(tmp_path, rubric):
    results = [make_result(f"40200000{i}") for i in range(4)]
    stats = render_reports(results, rubric, tmp_path, jobs=2)
    assert (stats.rendered, stats.skipped) == (4, 0)
    for result in results:
        text = PdfReader(tmp_path / f"{result.student_id}.pdf").pages[0].extract_text()
        assert result.student_id in text
    assert render_reports(results, rubric, tmp_path, jobs=2).skipped == 4


def test_failures_name_the_student_and_file_and_spare_the_others(tmp_path, rubric, monkeypatch):
    real = Renderer.student_pdf

    def flaky(self, view):
        if view.student_id == "401000002":
            raise RuntimeError("layout exploded")
        return real(self, view)

    get_renderer()  # make sure the instance exists before patching its class
    monkeypatch.setattr(Renderer, "student_pdf", flaky)
    results = [make_result("401000001"), make_result("401000002")]
    with pytest.raises(ReportError) as caught:
        render_reports(results, rubric, tmp_path)
    message = str(caught.value)
    assert "1 of 2 reports failed" in message
    assert "student 401000002" in message and str(tmp_path / "401000002.pdf") in message
    assert "RuntimeError: layout exploded" in message
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == ["401000001.pdf"]
    index = json.loads((tmp_path / batch.INDEX_NAME).read_text())["reports"]
    assert list(index) == ["401000001.pdf"]

    with pytest.raises(ReportError, match=r"student 401000002 \(.*x\.pdf\)"):
        render_student_report(results[1], rubric, tmp_path / "x.pdf")


def test_duplicate_student_ids_are_refused(tmp_path, rubric):
    with pytest.raises(ReportError, match="two results for student 401000001"):
        render_reports([make_result("401000001"), make_result("401000001")], rubric, tmp_path)


@pytest.mark.parametrize(("n", "sizes"), [(0, []), (1, [1]), (6, [6]), (7, [4, 3]), (9, [4, 4, 1]), (1001, [4] * 250 + [1])])
def test_render_tasks_one_for_a_few_pdfs_else_small_chunks(n, sizes):
    chunks = batch._chunks(n)
    assert [len(c) for c in chunks] == sizes
    assert [i for c in chunks for i in c] == list(range(n))


def test_pdf_streams_are_compressed_at_level_6(student_pdf):
    import zlib

    import pydyf

    from grader.typeset.pdf import _Zlib, use_faster_pdf_compression

    assert use_faster_pdf_compression() and isinstance(pydyf.zlib, _Zlib)  # the renderer applied it
    data = b"BT /F1 7.6 Tf (correct \\267 1 / 1) Tj ET\n" * 200
    c = pydyf.zlib.compressobj(level=9)
    assert c.compress(data) + c.flush() == zlib.compress(data, 6)
    assert pydyf.zlib.decompress(zlib.compress(data)) == data  # everything else is zlib's
    # and the reports it writes are sound PDFs whose streams decompress
    _, _, reader = student_pdf
    assert all(page.get_contents().get_data() for page in reader.pages)


def test_in_process_batches_freeze_the_heap_only_while_they_render(tmp_path, rubric, monkeypatch):
    import gc

    seen: list[int] = []
    real = batch.render_to_file

    def spy(*args, **kwargs):
        seen.append(gc.get_freeze_count())
        return real(*args, **kwargs)

    monkeypatch.setattr(batch, "render_to_file", spy)
    before = gc.get_freeze_count()
    render_reports([make_result("401000001"), make_result("401000002")], rubric, tmp_path)
    assert len(seen) == 2 and min(seen) > before  # what lived before the batch was frozen
    assert gc.get_freeze_count() == before  # and is collectable again afterwards


class _KillsTheWorker:
    """Unpickling this (in a report worker) ends that process at once, as a crash would."""

    def __reduce__(self):
        import os

        return (os._exit, (3,))

    def __str__(self) -> str:
        return "killer"


def test_a_dead_worker_fails_its_reports_leaves_no_temp_and_the_pool_recovers(tmp_path, rubric, monkeypatch):
    import dataclasses

    real_build = batch.build_student_view

    def build(result, *args, **kwargs):
        view = real_build(result, *args, **kwargs)
        return dataclasses.replace(view, name=_KillsTheWorker()) if result.student_id == "401000002" else view

    results = [make_result("401000001"), make_result("401000002")]
    with batch.ReportPool(2) as pool:
        monkeypatch.setattr(batch, "build_student_view", build)
        with pytest.raises(ReportError) as caught:
            pool.render_reports(results, rubric, tmp_path)
        assert "2 of 2 reports failed" in str(caught.value) and "the report worker died" in str(caught.value)
        assert sorted(p.name for p in tmp_path.iterdir()) == [batch.INDEX_NAME]  # no PDF, no temp file
        assert json.loads((tmp_path / batch.INDEX_NAME).read_text())["reports"] == {}
        monkeypatch.setattr(batch, "build_student_view", real_build)
        assert pool.render_reports(results, rubric, tmp_path).rendered == 2  # a fresh pool takes over
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == ["401000001.pdf", "401000002.pdf"]
