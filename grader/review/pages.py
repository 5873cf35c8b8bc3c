"""The pages a student appended to a PDF answer sheet (their derivations), as PNG images for the
item page.

The file is found from the student id alone: the run's `submissions` row names it (`source`, a
bare file name in the run's folder) with its SHA-256, and the results say how many of its pages
the sheet has. A file that is gone, changed since the run, or not a bare name there shows no
images but one sentence why. Nothing of a request reaches the file system but that id, looked up.

A page is rendered by PDFium (pypdfium2) in a child process bounded in wall time
(`grader.timeout.run_bounded_process`: PDFium is native code that a signal handler cannot stop)
and, by the child itself, in CPU time and memory; one page per process, at most `MAX_SIDE`
pixels on its longer side, without forms or their JavaScript (PDFium runs none unless asked).
The PNG is cached under the gradebook's folder as `review-pages/<file sha256>/<page>.png`, so a
page is rendered once per version of the file.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grader.errors import GraderError

if TYPE_CHECKING:  # the child process that draws a page imports nothing of the gradebook
    from grader.store.gradebook import Gradebook, RunInfo

MAX_PAGES = 12  # appended pages shown per student (a 40-page scan shows its first 12, and says so)
MAX_SIDE = 1400  # pixels on a page image's longer side
MAX_SCALE = 2.0  # never more than 144 dpi, however small the page
RENDER_SECONDS = 15.0  # wall time of one page's child process
CPU_SECONDS = 10  # the child's CPU time (kernel-enforced)
MEMORY_BYTES = 1 << 30  # the child's address space
MAX_PNG_BYTES = 8_000_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class AppendedPages:
    """A student's appended pages: `count` of them shown, from page `first` (1-based) of the PDF."""

    student_id: str
    file_sha256: str
    first: int
    count: int
    total: int  # appended pages in the file (more than `count` when capped)
    pdf: Path | None  # None: the file cannot be shown (`problem` says why)
    problem: str | None = None


def appended_pages(book: Gradebook, run: RunInfo, student_id: str) -> AppendedPages | None:
    """The appended pages of this student's PDF answer sheet in `run`; None when the student's
    file is not a PDF sheet with pages after the sheet."""
    row = book.conn.execute(
        "SELECT s.source, s.file_sha256, d.text FROM submissions s JOIN result_docs d ON d.id = s.result_id WHERE s.run_id = ? AND s.student_id = ?",
        (run.id, student_id),
    ).fetchone()
    if row is None:
        return None
    pdf = json.loads(row["text"]).get("pdf") or {}
    pages, sheet_pages = pdf.get("pages"), pdf.get("sheet_pages")
    if not (isinstance(pages, int) and isinstance(sheet_pages, int) and 0 < sheet_pages < pages):
        return None
    total = pages - sheet_pages
    shown = AppendedPages(student_id, str(row["file_sha256"] or ""), sheet_pages + 1, min(total, MAX_PAGES), total, None)
    source = str(row["source"])
    folder = Path(run.folder)
    path = folder / source
    if Path(source).name != source or source in ("", ".", "..") or not source.lower().endswith(".pdf"):
        return _problem(shown, f"the run names the file {source[:80]!r}, not a PDF in {folder}")
    if not path.is_file():
        return _problem(shown, f"{path} is not here (the graded folder moved?)")
    from grader.student.sheet import MAX_PDF_BYTES

    size = path.stat().st_size
    if size > MAX_PDF_BYTES:
        return _problem(shown, f"{path} is {size} bytes, more than the {MAX_PDF_BYTES} a sheet may have")
    if not shown.file_sha256 or hashlib.sha256(path.read_bytes()).hexdigest() != shown.file_sha256:
        return _problem(shown, f"{path} changed since run {run.id} graded it; re-grade to see its pages")
    return AppendedPages(shown.student_id, shown.file_sha256, shown.first, shown.count, shown.total, path)


def _problem(pages: AppendedPages, why: str) -> AppendedPages:
    return AppendedPages(pages.student_id, pages.file_sha256, pages.first, pages.count, pages.total, None, why)


def cache_path(cache_dir: Path, pages: AppendedPages, n: int) -> Path:
    """Where the n-th appended page (1-based) is cached: named by the file's hash, never by input."""
    return cache_dir / pages.file_sha256 / f"{pages.first + n - 1}.png"


def page_png(pages: AppendedPages, n: int, cache_dir: Path) -> bytes:
    """The PNG of the n-th appended page (1 ≤ n ≤ pages.count), rendered once and cached.
    PageError when it cannot be (the file, the time or the memory bound)."""
    from grader.fsio import atomic_write

    if pages.pdf is None:
        raise PageError(pages.problem or "no pages to show")
    if not 1 <= n <= pages.count:
        raise PageError(f"expected an appended page 1 to {pages.count}, got {n}")
    cached = cache_path(cache_dir, pages, n)
    if cached.is_file():
        return cached.read_bytes()
    png = render(pages.pdf, pages.first + n - 1)
    cached.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(cached, png)
    return png


def render(pdf: Path, page: int) -> bytes:
    """Page `page` (1-based) of `pdf` as PNG bytes, in a bounded child process."""
    from grader.errors import TimeLimitExceeded
    from grader.timeout import run_bounded_process

    argv = [sys.executable, "-I", "-m", "grader.review.pages", str(pdf), str(page)]
    try:
        done = run_bounded_process(argv, RENDER_SECONDS, f"page {page} of {pdf.name}")
    except TimeLimitExceeded as exc:
        raise PageError(str(exc)) from None
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", errors="replace").strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
        raise PageError(f"page {page} of {pdf.name} could not be drawn: {why[0][:200]}")
    if not done.stdout.startswith(PNG_MAGIC) or len(done.stdout) > MAX_PNG_BYTES:
        raise PageError(f"page {page} of {pdf.name} could not be drawn: no PNG of at most {MAX_PNG_BYTES} bytes came back")
    return done.stdout


class PageError(GraderError):
    """A page that cannot be shown (one sentence, shown in place of the image)."""

    exit_code = 2


def _child(pdf: str, page: int) -> int:
    """In the child: limit itself, draw one page with PDFium, write the PNG to stdout."""
    import io
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)  # no init_forms(): no form fields drawn, no JavaScript
    try:
        if not 1 <= page <= len(document):
            print(f"the PDF has {len(document)} pages, not {page}", file=sys.stderr)
            return 2
        sheet = document[page - 1]
        width, height = sheet.get_size()
        if not (width > 0 and height > 0):
            print("the page has no size", file=sys.stderr)
            return 2
        scale = min(MAX_SCALE, MAX_SIDE / max(width, height))
        image = sheet.render(scale=scale).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=False)
    finally:
        document.close()
    sys.stdout.buffer.write(buffer.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], int(sys.argv[2])))
