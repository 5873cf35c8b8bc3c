"""`grade review`: the pages a student appended to a PDF answer sheet, shown as images.

The bundled filled sheet submissions/HW4_T_401234570.pdf has 9 sheet pages and one appended
page; it is graded with the other bundled submissions, then its page is asked for over HTTP."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("starlette")
pytest.importorskip("pypdfium2")
from starlette.testclient import TestClient  # noqa: E402

from grader.api import run_grading  # noqa: E402
from grader.review import pages as pages_mod  # noqa: E402
from grader.review.app import CSP, Settings, create_app  # noqa: E402
from grader.review.store import ReviewStore, open_store  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "test-token-0123456789"
PDF_STUDENT, YAML_STUDENT = "401234570", "401234567"


@pytest.fixture(scope="module")
def graded(hw4, tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    work = tmp_path_factory.mktemp("review-pages")
    subs = work / "submissions"
    shutil.copytree(ROOT / "submissions", subs)
    run_grading(subs, rubric=hw4, out_dir=work / "out", jobs=1, pdf=False)
    return SimpleNamespace(subs=subs, out=work / "out", db=work / "out" / "gradebook.sqlite")


@pytest.fixture
def store(graded: SimpleNamespace) -> Iterator[ReviewStore]:
    shutil.rmtree(graded.out / "review-pages", ignore_errors=True)
    store = open_store(graded.db, rubric_path=ROOT / "rubrics" / "hw4.yaml")
    yield store
    store.book.close()


def client(store: ReviewStore, *, token: bool = True) -> TestClient:
    c = TestClient(create_app(store, Settings(token=TOKEN, grader="Sara", log=lambda line: None)), follow_redirects=False)
    if token:
        assert c.get(f"/?token={TOKEN}").status_code == 303
    return c


def pdf_item(store: ReviewStore) -> tuple[str, int]:
    """A manual item the PDF student answered, and their position on its page."""
    for item in store.items:
        for at, answer in enumerate(store.answers(item.item_id), start=1):
            if answer.student_id == PDF_STUDENT:
                return item.item_id, at
    raise AssertionError("the bundled PDF answers no free-text item")


def test_the_appended_page_is_drawn_cached_and_served(store: ReviewStore) -> None:
    from PIL import Image

    found = store.appended_pages(PDF_STUDENT)
    assert found is not None and found.pdf is not None
    assert (found.first, found.count, found.total) == (10, 1, 1)  # 9 sheet pages, then the derivation
    r = client(store).get(f"/pages/{PDF_STUDENT}/1.png")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png" and r.headers["Content-Security-Policy"] == CSP
    image = Image.open(io.BytesIO(r.content))
    assert image.format == "PNG" and 800 <= max(image.size) <= pages_mod.MAX_SIDE
    darkest, lightest = image.convert("L").getextrema()
    assert darkest < 80 and lightest > 240  # drawn: black text on white, not one blank colour
    cached = pages_mod.cache_path(store.page_cache, found, 1)
    assert cached.parent.parent == store.book.path.parent / "review-pages" and cached.read_bytes() == r.content


def test_a_cached_page_is_not_drawn_again(store: ReviewStore, monkeypatch: pytest.MonkeyPatch) -> None:
    c = client(store)
    first = c.get(f"/pages/{PDF_STUDENT}/1.png").content

    def no_render(pdf: Path, page: int) -> bytes:
        raise AssertionError("drawn again")

    monkeypatch.setattr(pages_mod, "render", no_render)
    assert c.get(f"/pages/{PDF_STUDENT}/1.png").content == first


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/pages/{PDF_STUDENT}/2.png", 404),  # one appended page only
        (f"/pages/{PDF_STUDENT}/0.png", 404),
        (f"/pages/{YAML_STUDENT}/1.png", 404),  # not a PDF sheet
        ("/pages/999999999/1.png", 404),  # not in the run
        ("/pages/..%2F..%2Fetc%2Fpasswd/1.png", 404),  # an id, looked up; never a path
        (f"/pages/{PDF_STUDENT}/x.png", 404),
    ],
)
def test_pages_that_are_not_there(store: ReviewStore, path: str, status: int) -> None:
    r = client(store).get(path)
    assert r.status_code == status
    assert not (store.page_cache.exists() and any(store.page_cache.rglob("*.png")))


def test_the_token_is_required(store: ReviewStore) -> None:
    r = client(store, token=False).get(f"/pages/{PDF_STUDENT}/1.png")
    assert r.status_code == 403 and not r.content.startswith(pages_mod.PNG_MAGIC)


def test_the_item_page_shows_the_pdf_students_appended_page(store: ReviewStore) -> None:
    item, at = pdf_item(store)
    c = client(store)
    page = c.get(f"/item/{item}?at={at}").text
    assert f'<img src="/pages/{PDF_STUDENT}/1.png"' in page and "Appended page (1)" in page
    other = next(n for n, a in enumerate(store.answers(item), start=1) if a.student_id != PDF_STUDENT)
    assert "/pages/" not in c.get(f"/item/{item}?at={other}").text


def test_a_file_changed_since_the_run_shows_no_pages(store: ReviewStore, graded: SimpleNamespace) -> None:
    pdf = graded.subs / f"HW4_T_{PDF_STUDENT}.pdf"
    original = pdf.read_bytes()
    try:
        pdf.write_bytes(original + b"\n% changed\n")
        item, at = pdf_item(store)
        c = client(store)
        assert "changed since run" in c.get(f"/item/{item}?at={at}").text
        r = c.get(f"/pages/{PDF_STUDENT}/1.png")
        assert r.status_code == 422 and "changed since run" in r.text
    finally:
        pdf.write_bytes(original)


def test_drawing_is_bounded_in_time(store: ReviewStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages_mod, "RENDER_SECONDS", 0.001)
    r = client(store).get(f"/pages/{PDF_STUDENT}/1.png")
    assert r.status_code == 422 and "took longer than" in r.text
    assert not any(store.page_cache.rglob("*.png"))


def test_a_broken_pdf_is_one_sentence(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + b"\x00" * 2000)
    with pytest.raises(pages_mod.PageError, match="could not be drawn"):
        pages_mod.render(bad, 1)
