"""The report's fast paths give exactly what the plain implementations give."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import statistics
import unicodedata

from grader.outputs.report.view import _fa, build_student_view, build_summary_view, content_hash
from grader.typeset.text import _BIDI_CONTROLS, _MARK_RUN, bidi_text, clean
from tests.outputs.report.fixtures import FA_STRIDE, HOSTILE, make_result


def reference_clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    text = text.translate(_BIDI_CONTROLS)
    text = "".join(c for c in text if c == "\n" or unicodedata.category(c) != "Cc")
    return _MARK_RUN.sub(r"\1", text)  # runs of combining marks: tests/outputs/report/test_layout_limits.py


def reference_hash(view, salt: str = "") -> str:
    data = dataclasses.asdict(view)
    data.pop("graded_at", None)
    payload = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256((salt + "\n" + type(view).__name__ + "\n" + payload).encode("utf-8")).hexdigest()


def test_clean_drops_exactly_what_the_category_check_drops():
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert clean(every) == reference_clean(every)
    for text in ("a\r\nb\rc\td", "\x00\x1f\x7f\x9f\u202e\u2066x\u200cy\n", HOSTILE, FA_STRIDE):
        assert clean(text) == reference_clean(text)


def test_content_hash_is_unchanged(rubric):
    views = [
        build_student_view(make_result(), rubric, course="DL", graded_at="now"),
        build_student_view(make_result("401000002", params_answer="73856", name=None), rubric),
        build_summary_view([make_result(), make_result("401000003")], rubric, unreadable=[("x.yaml", "bad")]),
    ]
    for view in views:
        for salt in ("", "templates v1"):
            assert content_hash(view, salt) == reference_hash(view, salt)


def test_cached_persian_titles_equal_fresh_ones():
    assert _fa(FA_STRIDE) == bidi_text(clean(FA_STRIDE), rtl=True)
    assert _fa(FA_STRIDE) is _fa(FA_STRIDE)
    assert _fa("") is None and _fa(None) is None


def test_short_user_agent_stylesheet_renders_the_same_pages(rubric, tmp_path):
    """The reports' user-agent sheet (templates/ua.css) gives the same pages as WeasyPrint's."""
    import shutil
    import subprocess

    import pytest
    import weasyprint
    from pypdf import PdfReader

    from grader.outputs.report.render import Renderer

    short = Renderer()
    assert short._html is not weasyprint.HTML
    full = Renderer()
    full._html = weasyprint.HTML
    results = [make_result(), make_result("401000002", params_answer="73856")]
    summary = build_summary_view(results, rubric, unreadable=[("x.yaml", "bad <b>")], course="DL", graded_at="now")
    documents = {
        "student": lambda r: r.student_pdf(build_student_view(results[0], rubric, course="DL", graded_at="now")),
        "summary": lambda r: r.summary_pdf(summary),
    }
    for name, render in documents.items():
        pdfs = {}
        for tag, renderer in (("full", full), ("short", short)):
            pdfs[tag] = tmp_path / f"{name}-{tag}.pdf"
            pdfs[tag].write_bytes(render(renderer))
        texts = {tag: [page.extract_text() for page in PdfReader(path).pages] for tag, path in pdfs.items()}
        assert texts["full"] == texts["short"], name
        if shutil.which("pdftoppm") is None:
            continue
        images = {}
        for tag, path in pdfs.items():
            subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(tmp_path / f"{name}-{tag}")], check=True)
            images[tag] = [p.read_bytes() for p in sorted(tmp_path.glob(f"{name}-{tag}-*.png"))]
        assert images["full"] == images["short"], f"{name}: the pages differ"
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not installed: compared the text only")


def test_summary_question_means_equal_the_plain_sums(rubric):
    results = [make_result(str(401000000 + i), params_answer=a) for i, a in enumerate(["73728", "73856", "x", "73856"])]
    summary = build_summary_view(results, rubric)
    for q in summary.questions:
        regular = [sum(r.points for r in s.items if r.question == q.id and not r.bonus) for s in results]
        bonus = [sum(r.points for r in s.items if r.question == q.id and r.bonus) for s in results]
        assert q.mean == round(statistics.fmean(regular), 4)
        assert q.bonus_mean == (round(statistics.fmean(bonus), 4) if q.bonus_max else None)


def _mutations(value, path=()):
    """(path, changed copy) for every leaf of a result, one at a time."""
    import dataclasses
    from enum import Enum

    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            for p, new in _mutations(getattr(value, f.name), (*path, f.name)):
                yield p, dataclasses.replace(value, **{f.name: new})
    elif isinstance(value, tuple):
        for i, v in enumerate(value):
            for p, new in _mutations(v, (*path, i)):
                yield p, (*value[:i], new, *value[i + 1:])
        if value:
            yield (*path, "dropped"), value[:-1]
    elif isinstance(value, Enum):
        yield path, next(m for m in type(value) if m is not value)
    elif isinstance(value, bool):
        yield path, not value
    elif isinstance(value, (int, float)):
        yield path, value + 0.37
    elif isinstance(value, str):
        yield path, value + "x"
    elif isinstance(value, dict):
        yield path, {**value, "x": "y"}


def test_report_inputs_key_changes_whenever_the_page_does(rubric):
    """The key from a given results JSON digest and the one the function makes itself: for every
    field of a result changed alone, a changed page means a changed key. A new field that reaches
    the page but not the results JSON (grader.result_schema) fails here."""
    from grader.outputs.report.batch import inputs_hash
    from grader.result_schema import result_doc

    base = make_result()
    context = "ctx"

    def page(result):
        return content_hash(build_student_view(result, rubric, course="DL", graded_at="now"))

    def keys(result):
        return inputs_hash(result, context, result_doc(result).digest), inputs_hash(result, context)

    base_page, (base_cheap, base_full) = page(base), keys(base)
    checked = 0
    for path, changed in _mutations(base):
        cheap, full = keys(changed)
        if page(changed) != base_page:
            checked += 1
            assert cheap != base_cheap, f"changing {path} changes the page but not the report key"
            assert full != base_full, path
    assert checked > 40  # the walk reached the items, verdicts, manual scores and adjustments
