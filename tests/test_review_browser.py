"""`grade review` in a real browser: Debian's Chromium driven by Playwright against the real
server (`grade review` in a subprocess), grading by keyboard, then the gradebook checked.

Skipped, with the reason, only where Chromium is not installed (scripts/setup installs it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from grader.gradebook import Gradebook
from tests.test_review import hw  # noqa: F401 - the fixture: a graded small homework

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(os.environ.get("REVIEW_SCREENSHOTS", "")) if os.environ.get("REVIEW_SCREENSHOTS") else None

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (/usr/bin/chromium; scripts/setup installs it with apt)"),
    pytest.mark.slow,
]


@pytest.fixture
def server(hw: SimpleNamespace) -> Iterator[str]:  # noqa: F811
    command = [sys.executable, "-c", "import sys; from grader.cli import main; sys.exit(main(sys.argv[1:]))", "review", "--out", str(hw.out), "--port", "0"]
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
