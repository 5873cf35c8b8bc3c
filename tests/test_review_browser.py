"""`grade review` in a real browser: Debian's Chromium driven by Playwright against the real
server (`grade review` in a subprocess), grading by keyboard, then the gradebook checked.

Skipped, with the reason, only where Chromium is not installed (scripts/setup installs it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from grader.store.gradebook import Gradebook
from tests.test_review import hw  # noqa: F401 - the fixture: a graded small homework

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(os.environ.get("REVIEW_SCREENSHOTS", "")) if os.environ.get("REVIEW_SCREENSHOTS") else None

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (/usr/bin/chromium; scripts/setup installs it with apt)"),
    pytest.mark.slow,
]


@contextmanager
def review_server(out: Path) -> Iterator[str]:
    """`grade review --out OUT --port 0` in a subprocess; its URL with the token."""
    command = [sys.executable, "-c", "import sys; from grader.cli import main; sys.exit(main(sys.argv[1:]))", "review", "--out", str(out), "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = None
        assert process.stdout is not None
        for _ in range(10):
            line = process.stdout.readline()
            match = re.search(r"(http://127\.0\.0\.1:\d+/\?token=\S+)", line)
            if match:
                url = match.group(1)
                break
        assert url, "grade review printed no URL"
        yield url
    finally:
        process.terminate()
        try:
            _, err = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
        token = url.split("token=")[1] if url else "\0"
        assert token not in err  # the access log never prints the token
        assert "Traceback" not in err, err


@pytest.fixture
def server(hw: SimpleNamespace) -> Iterator[str]:  # noqa: F811
    with review_server(hw.out) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def signed_in(context: Any, server: str, name: str, errors: list[str]) -> Any:
    """A page of this browser context, past the token and the name page."""
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(server)
    page.fill("#name", name)
    with page.expect_navigation():
        page.click("text=Start grading")
    return page


def open_item(page: Any, base: str, path: str) -> None:
    page.goto(base + path)
    page.wait_for_load_state()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def press(page, key: str) -> None:  # type: ignore[no-untyped-def]
    """A key that submits a form or follows a link: wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press(key)
    page.wait_for_load_state()


def test_grading_by_keyboard_in_chromium(server: str, hw: SimpleNamespace) -> None:  # noqa: F811
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(server)
            assert "token" not in page.url  # the token moved into a cookie
            page.fill("#name", "Sara")
            with page.expect_navigation():
                page.click("text=Start grading")
            with page.expect_navigation():
                page.click('a[href="/item/q1.explain"]')
            page.wait_for_load_state()
            # two entries, made on the page
            for points, comment in (("4", "Names weight sharing and locality"), ("-2", "No example")):
                page.locator("details.new-entry").evaluate("d => { d.open = true; }")
                page.fill("#new-points", points)
                page.fill("#new-comment", comment)
                with page.expect_navigation():
                    page.click("#add-entry")
                page.wait_for_load_state()
            assert page.locator('button[data-key="2"]').count() == 1
            shot(page, "entries")
            # answer 1: press 1 (full), answer 2: press 1 then 2 (4 - 2), by keyboard only
            press(page, "1")
            assert "4 / 4" in page.inner_text("#score")
            press(page, "j")
            assert "at=2" in page.url
            press(page, "1")
            press(page, "2")
            assert page.locator(".entry.on").count() == 2
            assert "2 / 4" in page.inner_text("#score")
            shot(page, "item")
            # k goes back; n goes to the next ungraded (answer 3)
            press(page, "k")
            assert "at=1" in page.url
            press(page, "n")
            assert "at=3" in page.url
            # / focuses the search; digits typed there are text, not entries
            page.keyboard.press("/")
            page.keyboard.type("shared 1")
            assert page.input_value("#search") == "shared 1"
            assert "not graded yet" in page.inner_text("#score")
            page.keyboard.press("Escape")
            # a group of identical answers, graded at once
            page.goto(server.split("/?")[0] + "/item/q1.explain/groups")
            row = page.locator("table.groups tbody tr").filter(has=page.locator("td:nth-child(2)", has_text=re.compile(r"^0$"))).first
            size = int(row.locator("td.num a").inner_text())
            with page.expect_navigation():
                row.locator("td.num a").click()
            page.wait_for_load_state()
            press(page, "1")
            assert page.locator(".entry.on").count() == 1
            shot(page, "group")
            page.goto(server.split("/?")[0] + "/")
            shot(page, "index")
            assert "out of date" in page.inner_text(".stale")
            assert errors == []  # no CSP violation or script error
        finally:
            browser.close()
    with Gradebook.open(hw.db) as book:
        scores = {k: v for k, v in book.manual_scores("hwt", "theory").items() if k[1] == "q1.explain"}
    points = sorted(s.points for s in scores.values())
    assert len(scores) == 2 + size and all(s.grader == "Sara" for s in scores.values())
    assert points.count(2.0) == 1 and points.count(4.0) == 1 + size  # one 4-2, one 4, the group at 4
    assert any(s.comment == "Names weight sharing and locality (+4) · No example (-2)" for s in scores.values())


def make_entries(page: Any, *entries: tuple[str, str]) -> None:
    for points, comment in entries:
        page.locator("details.new-entry").evaluate("d => { d.open = true; }")
        page.fill("#new-points", points)
        page.fill("#new-comment", comment)
        with page.expect_navigation():
            page.click("#add-entry")
        page.wait_for_load_state()


def stored(hw: SimpleNamespace, student: str) -> Any:  # noqa: F811
    with Gradebook.open(hw.db) as book:
        return book.manual_scores("hwt", "theory").get((student, "q1.explain"))


def student_at(hw: SimpleNamespace, position: int) -> str:  # noqa: F811
    from grader.review.store import open_store

    store = open_store(hw.db)
    try:
        return store.answers("q1.explain")[position - 1].student_id
    finally:
        store.book.close()


def test_the_same_ta_in_two_tabs_gets_the_conflict(server: str, hw: SimpleNamespace, browser: Any) -> None:  # noqa: F811
    base = server.split("/?")[0]
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    first = signed_in(context, server, "Sara", errors)
    open_item(first, base, "/item/q1.explain?at=1")
    make_entries(first, ("4", "Complete"), ("2", "Half"))
    second = context.new_page()  # the same browser, the same TA: a second tab on the same answer
    second.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    open_item(second, base, "/item/q1.explain?at=1")
    press(first, "1")
    assert "4 / 4" in first.inner_text("#score")
    press(second, "2")  # this tab still shows "not graded yet", version 0
    assert "You changed 1 score" in second.inner_text("h1")
    assert "4" in second.inner_text("td.theirs") and "2" in second.inner_text("td.mine")
    shot(second, "conflict-two-tabs")
    student = student_at(hw, 1)
    assert (stored(hw, student).points, stored(hw, student).version) == (4.0, 1)  # the first tab's score stays
    # going back shows the stored score; from there the second tab's save goes through
    with second.expect_navigation():
        second.click("#keep-theirs")
    assert "4 / 4" in second.inner_text("#score")
    press(second, "2")  # 4 + 2 clamps to 4; the comment names both
    assert (stored(hw, student).comment, stored(hw, student).version) == ("Complete (+4) · Half (+2)", 2)
    press(second, "1")  # takes "Complete" off: 2 of 4
    assert (stored(hw, student).points, stored(hw, student).version) == (2.0, 3)
    assert [e for e in errors if "status of 409" not in e] == []  # the conflict page is a 409; nothing else failed
    context.close()


def test_two_tas_in_two_browsers_get_the_conflict_with_both_values(server: str, hw: SimpleNamespace, browser: Any) -> None:  # noqa: F811
    base = server.split("/?")[0]
    errors: list[str] = []
    sara_context, reza_context = browser.new_context(), browser.new_context()  # no shared cookies
    sara = signed_in(sara_context, server, "Sara", errors)
    open_item(sara, base, "/item/q1.explain?at=2")
    make_entries(sara, ("4", "Complete"), ("1", "Names weight sharing only"))
    reza = signed_in(reza_context, server, "Reza", errors)
    open_item(reza, base, "/item/q1.explain?at=2")
    assert "grading as Reza" in reza.inner_text("header") and "grading as Sara" in sara.inner_text("header")
    press(sara, "1")
    press(reza, "2")
    assert "Someone else changed 1 score" in reza.inner_text("h1")
    theirs, mine = reza.inner_text("td.theirs"), reza.inner_text("td.mine")
    assert "4" in theirs and "by Sara" in theirs and "Complete" in theirs
    assert "1" in mine and "by Reza" in mine and "Names weight sharing only" in mine
    shot(reza, "conflict-two-tas")
    student = student_at(hw, 2)
    assert (stored(hw, student).points, stored(hw, student).grader) == (4.0, "Sara")  # kept until resolved
    with reza.expect_navigation():
        reza.click("text=Save mine over theirs")
    assert (stored(hw, student).points, stored(hw, student).grader) == (1.0, "Reza")  # resolved on purpose
    assert [e for e in errors if "status of 409" not in e] == []
    sara_context.close()
    reza_context.close()


@pytest.fixture
def pdf_out(hw4, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """The bundled submissions (one a filled PDF sheet with an appended page), graded."""
    import shutil

    from grader.api import run_grading

    subs = tmp_path / "submissions"
    shutil.copytree(Path(__file__).resolve().parents[1] / "submissions", subs)
    run_grading(subs, rubric=hw4, out_dir=tmp_path / "out", jobs=1, pdf=False)
    return tmp_path / "out"


def test_the_appended_page_of_a_pdf_sheet_is_shown(pdf_out: Path, browser: Any) -> None:
    pytest.importorskip("pypdfium2")
    from grader.review.store import open_store

    store = open_store(pdf_out / "gradebook.sqlite")
    try:
        item, at = next(
            (i.item_id, n) for i in store.items for n, a in enumerate(store.answers(i.item_id), start=1) if a.student_id == "401234570"
        )
    finally:
        store.book.close()
    with review_server(pdf_out) as server:
        errors: list[str] = []
        page = signed_in(browser.new_context(viewport={"width": 1280, "height": 900}), server, "Sara", errors)
        open_item(page, server.split("/?")[0], f"/item/{item}?at={at}")
        image = page.locator("img.page")
        image.scroll_into_view_if_needed()
        page.wait_for_function("() => { const i = document.querySelector('img.page'); return i && i.complete && i.naturalWidth > 0; }")
        assert image.evaluate("i => i.naturalWidth") > 800
        assert "Appended page (1)" in page.inner_text(".appended")
        assert page.locator("details.context").evaluate("d => d.open") is False  # other answers folded
        page.keyboard.press("o")
        assert page.locator("details.context").evaluate("d => d.open") is True
        shot(page, "item-appended-page")
        assert errors == []  # the image is allowed by img-src 'self'; no CSP violation
