"""HTML and PDF: the Jinja2 environment, the bundled fonts, a locked-down URL fetcher, WeasyPrint.

Heavy imports (jinja2, weasyprint) happen inside functions only. A `Renderer` loads templates,
the stylesheet and the fonts once and renders many documents; batch workers keep one each.
"""

from __future__ import annotations

import functools
import hashlib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from grader.errors import ReportError
from grader.fsio import atomic_write
from grader.outputs.report.view import StudentView, SummaryView
from grader.typeset.pdf import FONT_FACES, font_face_css, html_class, make_fetcher, ua_stylesheet, use_faster_pdf_compression
from grader.typeset.text import fmt_points, isolated

RENDER_VERSION = "2"  # bump when the rendering changes in a way the templates do not show
TEMPLATE_PACKAGE = "grader.outputs.report"
TEMPLATE_DIR = "templates"
STYLESHEET = "report.css"


def _template_files() -> list[tuple[str, bytes]]:
    root = resources.files(TEMPLATE_PACKAGE) / TEMPLATE_DIR
    return sorted((entry.name, entry.read_bytes()) for entry in root.iterdir() if entry.is_file())


@cache
def fingerprint() -> str:
    """What, besides a view's content, decides a PDF: templates, stylesheet, fonts, versions."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256(RENDER_VERSION.encode())
    for name, data in _template_files():
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    digest.update(b"ua.css\0" + hashlib.sha256(ua_stylesheet().encode()).digest())  # grader/typeset's, shared with the sheet
    for face in FONT_FACES:
        digest.update(f"{face.family}/{face.weight}/{face.file}".encode())
    try:
        digest.update(version("weasyprint").encode())
    except PackageNotFoundError:  # pragma: no cover
        pass
    return digest.hexdigest()


def make_environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader(TEMPLATE_PACKAGE, TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(("html", "xml"), default_for_string=True, default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pts"] = fmt_points
    env.filters["signed"] = lambda value: fmt_points(value, signed=True)
    env.filters["isolated"] = isolated
    env.filters["isolated_inline"] = lambda t: isolated(t, inline=True)
    env.filters["pct"] = lambda value: "—" if value is None else f"{value:.0f}%"
    return env


class Renderer:
    """Templates, stylesheet and fonts loaded once; `student_pdf`/`summary_pdf` render bytes."""

    def __init__(self) -> None:
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        self._weasyprint = weasyprint
        use_faster_pdf_compression()
        self._html = html_class(weasyprint, ua_stylesheet())
        self.env = make_environment()
        self.fetcher = make_fetcher()
        self.font_config = FontConfiguration()
        fonts = getattr(self.font_config, "_folder", None)  # WeasyPrint's weasyprint-* copy of the fonts
        if fonts is not None:  # removed at exit (a pool's workers use the pool's folder instead)
            import atexit
            import shutil

            atexit.register(shutil.rmtree, fonts, True)
        css_text = (resources.files(TEMPLATE_PACKAGE) / TEMPLATE_DIR / STYLESHEET).read_text(encoding="utf-8")
        self.css = weasyprint.CSS(
            string=font_face_css() + css_text, font_config=self.font_config, url_fetcher=self.fetcher
        )
        self._student = self.env.get_template("student.html")
        self._summary = self.env.get_template("summary.html")

    def student_html(self, view: StudentView) -> str:
        html: str = self._student.render(r=view)
        return html

    def summary_html(self, view: SummaryView) -> str:
        from grader.outputs.report.charts import histogram

        html: str = self._summary.render(s=view, h=histogram(view.totals, view.total_max, view.bonus_total_max))
        return html

    def pdf(self, html: str) -> bytes:
        document = self._html(string=html, url_fetcher=self.fetcher)
        data = document.write_pdf(stylesheets=[self.css], font_config=self.font_config)
        assert isinstance(data, bytes)
        return data

    def student_pdf(self, view: StudentView) -> bytes:
        return self.pdf(self.student_html(view))

    def summary_pdf(self, view: SummaryView) -> bytes:
        return self.pdf(self.summary_html(view))


@functools.cache
def get_renderer() -> Renderer:
    """This process's renderer, created on first use (templates, fonts, stylesheet: once)."""
    return Renderer()


def render_bytes(render: Any, path: Path, what: str) -> bytes:
    """Run `render()` (-> PDF bytes); any failure is a `ReportError` naming `what` and `path`.

    WeasyPrint's fatal fetch error derives from BaseException, hence the wide net.
    """
    try:
        data = render()
    except ReportError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - see docstring
        raise ReportError(f"cannot render {what} ({path}): {type(exc).__name__}: {exc}") from exc
    assert isinstance(data, bytes)
    return data


def render_to_file(render: Any, path: Path, what: str) -> None:
    """`render_bytes`, then write the PDF atomically; any failure is a `ReportError`."""
    data = render_bytes(render, path, what)
    try:
        atomic_write(path, data)  # never a half PDF
    except OSError as exc:
        raise ReportError(f"cannot write {what} ({path}): {exc.strerror or exc}") from exc
