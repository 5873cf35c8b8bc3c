"""Student text is untrusted: it is escaped, and WeasyPrint may fetch nothing but our fonts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grader.errors import ReportError
from grader.outputs.report.render import get_renderer, render_to_file
from grader.outputs.report.view import build_student_view, build_summary_view
from grader.typeset.pdf import font_files, make_fetcher
from tests.outputs.report.fixtures import make_result


def test_templates_escape_student_text(rubric):
    hostile_name = '<b onmouseover="x">Eve</b>'
    view = build_student_view(make_result(name=hostile_name), rubric)
    html = get_renderer().student_html(view)
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b onmouseover=&#34;x&#34;&gt;Eve&lt;/b&gt;" in html
    for raw in ("<img", "<script", "<link", "file:///etc/passwd\"", hostile_name):
        assert raw not in html


def test_summary_escapes_answers_and_file_names(rubric):
    results = [make_result(str(400000000 + i), scale_answer="<script>x</script>") for i in range(2)]
    view = build_summary_view(results, rubric, unreadable=[("<img src=x>.yaml", "</td><iframe>")])
    html = get_renderer().summary_html(view)
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "&lt;img src=x&gt;.yaml" in html
    assert "<script" not in html and "<iframe" not in html and "<img src=x" not in html


def test_environment_autoescapes_everything():
    env = get_renderer().env
    assert env.from_string("{{ x }}").render(x="<i>") == "&lt;i&gt;"
    assert env.get_template("student.html").environment.autoescape  # select_autoescape for .html
    for template in ("student.html", "summary.html", "_macros.html", "_histogram.svg"):
        source = env.loader.get_source(env, template)[0]
        assert "|safe" not in source.replace(" ", "") and "autoescape false" not in source


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "file://localhost/etc/passwd",
        "http://example.com/font.ttf",
        "https://example.com/x.png",
        "ftp://example.com/x",
        "javascript:alert(1)",
        "relative/path.png",
    ],
)
def test_fetcher_refuses_everything_but_fonts_and_data(url):
    fetcher = make_fetcher()
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(url)


def test_fetcher_refuses_tricks_around_the_font_files():
    fetcher = make_fetcher()
    font = font_files()[0]
    for url in (
        font.as_uri() + "/../../../../../../etc/passwd",
        font.parent.as_uri() + "/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
        font.as_uri() + "?x=1",
        "file://evil.example.com" + font.as_posix(),
        font.parent.as_uri() + "/LICENSE_DEJAVU",  # a neighbour of an allowed file
    ):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)


def test_fetcher_serves_the_bundled_fonts_and_data_urls():
    fetcher = make_fetcher()
    for font in font_files():
        response = fetcher.fetch(font.as_uri())
        assert response.read()[:4] in (b"\x00\x01\x00\x00", b"true", b"OTTO")
        response.close()
    response = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert response.read() == b"hello"
    response.close()


def test_a_refused_fetch_fails_the_render(tmp_path):
    """Even markup that slipped into a template could not read files: the render stops."""
    renderer = get_renderer()
    for html in (
        '<p>x</p><img src="file:///etc/passwd">',
        '<head><link rel="attachment" href="file:///etc/passwd"></head><p>x</p>',
        '<p style="background: url(http://127.0.0.1:9/x.png)">x</p>',
    ):
        target = tmp_path / "out.pdf"
        with pytest.raises(ReportError, match=r"cannot render the test page .*out\.pdf"):
            render_to_file(lambda html=html: renderer.pdf(html), target, "the test page")
        assert not target.exists()
    assert not list(tmp_path.iterdir())  # no temp files left behind


def test_importing_the_package_does_not_import_heavy_libraries():
    code = (
        "import sys, grader.outputs.report, grader.outputs.report.view, grader.outputs.report.batch, grader.outputs.report.render;"
        "heavy = [m for m in ('weasyprint', 'jinja2', 'matplotlib') if m in sys.modules];"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[3])
