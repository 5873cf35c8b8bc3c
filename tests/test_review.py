"""`grade review` over HTTP (Starlette's test client): every route, the token and CSRF guards,
two TAs' conflicting saves, rubric entries re-scoring everyone who has them, groups of identical
answers, student markup shown as text, and scores reaching the next `grade` run."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from grader.review.app import CSP, Settings, create_app  # noqa: E402
from grader.review.normalize import answer_key  # noqa: E402
from grader.review.store import ReviewError, ReviewStore, compose, open_store  # noqa: E402
from grader.rubric import Item, ManualEntry  # noqa: E402
from grader.store.gradebook import Gradebook  # noqa: E402
from tests.store.test_manual import grade, make_homework  # noqa: E402

TOKEN = "test-token-0123456789"
EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)> {{ 7*7 }} {% raw %}'


@pytest.fixture
def hw(tmp_path: Path) -> SimpleNamespace:
    hw = make_homework(tmp_path)
    # three more students: two identical answers up to spacing and letter variants, one with markup
    extra = {
        "401000004": {"q1.pick": "a", "q1.explain": "وزن‌ها  مشترك هستند ۲", "q2.essay": EVIL},
        "401000005": {"q1.pick": "a", "q1.explain": "وزنها مشترک هستند 2"},
        "401000006": {"q1.pick": "b", "q1.explain": "shared weights"},
    }
    for student, answers in extra.items():
        (hw.subs / f"HWT_{student}.yaml").write_text(json.dumps({"student_id": student, "answers": answers}, ensure_ascii=False), encoding="utf-8")
    manifest = (hw.subs / "manifest.csv").read_text(encoding="utf-8")
    manifest += "".join(f"{s},theory,1403-09-10 12:00\n" for s in extra)
    (hw.subs / "manifest.csv").write_text(manifest, encoding="utf-8")
    grade(hw)
    return hw


@pytest.fixture
def store(hw: SimpleNamespace) -> Iterator[ReviewStore]:
    store = open_store(hw.db, rubric_path=hw.rubric)
    yield store
    store.book.close()


def client_for(store: ReviewStore, name: str | None, logs: list[str] | None = None, grader: str | None = None) -> TestClient:
    settings = Settings(token=TOKEN, grader=grader, out_dir=None, log=(logs.append if logs is not None else (lambda line: None)))
    client = TestClient(create_app(store, settings), follow_redirects=False)
    r = client.get(f"/?token={TOKEN}")
    assert r.status_code == 303 and "token" not in r.headers["location"]
    if name is not None:
        assert client.post("/name", data={"csrf": settings.csrf, "name": name}).status_code == 303
    client.csrf = settings.csrf  # type: ignore[attr-defined]
    return client


@pytest.fixture
def ta(store: ReviewStore) -> TestClient:
    return client_for(store, "Sara")


def answer_of(store: ReviewStore, item: str, student: str) -> str:
    return next(a.text for a in store.answers(item) if a.student_id == student)


def post(client: TestClient, path: str, **data: object) -> object:
    return client.post(path, data={"csrf": client.csrf, **data})  # type: ignore[attr-defined]


def add_entry(client: TestClient, item: str, points: str, comment: str) -> int:
    r = post(client, f"/item/{item}/entries", points=points, comment=comment, back=f"/item/{item}")
    assert r.status_code == 303, r.text
    return max(int(m) for m in re.findall(r'name="entry" value="(\d+)"', client.get(f"/item/{item}").text))


def version(store: ReviewStore, student: str, item: str) -> int:
    score = store.book.manual_scores(store.homework, store.part).get((student, item))
    return 0 if score is None else score.version


def apply(client: TestClient, item: str, entry: int, *targets: tuple[str, int], seen: str | None = None) -> object:
    data = {"csrf": client.csrf, "entry": str(entry), "t": [f"{s}:{v}" for s, v in targets], "back": f"/item/{item}"}  # type: ignore[attr-defined]
    if seen is not None:
        data["seen"] = seen
    return client.post(f"/item/{item}/apply", data=data)


# --- the guards ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/name", "/item/q1.explain", "/item/q1.explain/groups", "/entries.yaml", "/static/review.js", "/static/review.css", f"/?token={TOKEN}x"],
)
def test_every_route_needs_the_token(store: ReviewStore, path: str) -> None:
    client = TestClient(create_app(store, Settings(token=TOKEN, log=lambda line: None)), follow_redirects=False)
    r = client.get(path)
    assert r.status_code == 403 and "access token" in r.text
    client.cookies.set("hwg_0000000000", TOKEN)  # a cookie of another server's name does not count
    assert client.get(path).status_code == 403


@pytest.mark.parametrize(
    "path, data",
    [
        ("/name", {"name": "Mallory"}),
        ("/prefs", {"ids": "1", "back": "/"}),
        ("/item/q1.explain/entries", {"points": "1", "comment": "x"}),
        ("/item/q1.explain/apply", {"entry": "1", "t": "401000001:0"}),
        ("/item/q1.explain/adjust", {"points": "1", "t": "401000001:0"}),
        ("/item/q1.explain/overwrite", {"student": "401000001", "version": "0"}),
        ("/entries/1", {"points": "1", "comment": "x", "confirm": "1"}),
        ("/regrade", {}),
    ],
)
@pytest.mark.parametrize("csrf", [None, "wrong"])
def test_every_write_needs_the_csrf_token(store: ReviewStore, ta: TestClient, path: str, data: dict[str, str], csrf: str | None) -> None:
    before = store.book.conn.execute("SELECT (SELECT COUNT(*) FROM manual_score_history) + (SELECT COUNT(*) FROM review_entries)").fetchone()[0]
    r = ta.post(path, data=data if csrf is None else {**data, "csrf": csrf})
    assert r.status_code == 403 and "CSRF" in r.text
    after = store.book.conn.execute("SELECT (SELECT COUNT(*) FROM manual_score_history) + (SELECT COUNT(*) FROM review_entries)").fetchone()[0]
    assert after == before


def test_a_write_from_another_origin_is_refused(ta: TestClient) -> None:
    r = ta.post("/item/q1.explain/entries", data={"csrf": ta.csrf, "points": "1", "comment": "x"}, headers={"origin": "http://evil.example"})  # type: ignore[attr-defined]
    assert r.status_code == 403 and "another site" in r.text


def test_headers_and_the_access_log(store: ReviewStore) -> None:
    logs: list[str] = []
    client = client_for(store, "Sara", logs)
    r = client.get("/item/q1.explain?q=shared")
    assert r.headers["content-security-policy"] == CSP and "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "same-origin"
    add_entry(client, "q1.explain", "1", "secret-comment")
    text = "\n".join(logs)
    assert "GET /item/q1.explain 200" in text and "POST /item/q1.explain/entries 303" in text
    for secret in (TOKEN, "shared", "secret-comment", "وزن", "q="):
        assert secret not in text


def test_no_inline_script_or_style_in_any_page(store: ReviewStore, ta: TestClient) -> None:
    entry = add_entry(ta, "q1.explain", "2", "good")
    pages = ["/", "/item/q1.explain", "/item/q1.explain/groups", "/item/q2.essay", "/name"]
    group = re.search(r'\?group=([0-9a-f]+)', ta.get("/item/q1.explain/groups").text)
    assert group is not None
    pages.append(f"/item/q1.explain?group={group.group(1)}")
    for path in pages:
        html = ta.get(path).text
        assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/review.js" defer>'], path
        assert " style=" not in html and "<style" not in html and " onclick" not in html, path
    assert entry


# --- pages ---------------------------------------------------------------------------------------


def test_index_lists_the_manual_items_with_progress(store: ReviewStore, ta: TestClient) -> None:
    html = ta.get("/").text
    for item in ("q1.explain", "q2.essay", "q2.extra"):
        assert f'href="/item/{item}"' in html
    assert "q1.pick" not in html  # automatic items are not here
    assert "0 / 5" in html  # q1.explain: five answers (one student left it out)
    entry = add_entry(ta, "q1.explain", "4", "complete")
    apply(ta, "q1.explain", entry, ("401000002", 0))
    html = ta.get("/").text
    assert "1 / 5" in html and "Sara 1" in html
    assert "<b>1</b> student" in html and "out of date" in html


def test_a_browser_without_a_name_is_asked_once(store: ReviewStore) -> None:
    client = client_for(store, None)
    assert client.get("/").headers["location"] == "/name"
    assert client.get("/item/q1.explain").headers["location"] == "/name"
    assert post(client, "/name", name="\x00\x01").status_code == 400
    assert post(client, "/name", name="  Reza  ").status_code == 303
    assert "grading as <b>Reza</b>" in client.get("/").text
    fixed = client_for(store, None, grader="Head TA")  # --grader: nobody is asked
    assert "grading as <b>Head TA</b>" in fixed.get("/").text


def test_item_page_shows_question_answer_context_and_is_anonymous(store: ReviewStore, ta: TestClient) -> None:
    html = ta.get("/item/q1.explain?at=1").text
    assert "Explain" in html and "q1" in html and "Q1" in html
    assert 'id="search"' in html and "<kbd>j</kbd> next" in html and "<kbd>n</kbd> next ungraded" in html
    assert "401000" not in html.split("<main>")[1].split('name="t"')[0]  # ids hidden above the forms
    label = re.search(r"<h2>Student (#\d+)", html)
    assert label is not None
    assert "other answers to q1" in html and "q1.pick" in html
    post(ta, "/prefs", ids="1", back="/")
    shown = ta.get("/item/q1.explain?at=1").text
    assert re.search(r"<h2>Student 40100000\d", shown)


def test_persian_answers_are_right_to_left(store: ReviewStore, ta: TestClient) -> None:
    answers = store.answers("q1.explain")
    at = next(n for n, a in enumerate(answers, start=1) if a.student_id == "401000001")
    html = ta.get(f"/item/q1.explain?at={at}").text
    assert re.search(r'<pre class="answer" dir="rtl"', html)
    at_en = next(n for n, a in enumerate(answers, start=1) if a.student_id == "401000002")
    assert re.search(r'<pre class="answer" dir="ltr"', ta.get(f"/item/q1.explain?at={at_en}").text)


def test_markup_in_an_answer_is_shown_as_text(store: ReviewStore, ta: TestClient) -> None:
    answers = store.answers("q2.essay")
    at = next(n for n, a in enumerate(answers, start=1) if a.student_id == "401000004")
    html = ta.get(f"/item/q2.essay?at={at}").text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; {{ 7*7 }} {% raw %}" in html
    # and in the groups list, the export and a comment that quotes it
    assert "<script>alert" not in ta.get("/item/q2.essay/groups").text
    add_entry(ta, "q2.essay", "1", EVIL)
    html = ta.get(f"/item/q2.essay?at={at}").text
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert EVIL in ta.get("/entries.yaml").text  # YAML is text/plain-like, downloaded, not rendered


def test_navigation_and_next_ungraded(store: ReviewStore, ta: TestClient) -> None:
    first = ta.get("/item/q1.explain").text
    assert "answer 1 of 5" in first and 'data-nav="next"' in first and 'data-nav="prev"' not in first
    entry = add_entry(ta, "q1.explain", "1", "ok")
    answers = store.answers("q1.explain")
    apply(ta, "q1.explain", entry, (answers[0].student_id, 0))
    apply(ta, "q1.explain", entry, (answers[1].student_id, 0))
    html = ta.get("/item/q1.explain").text  # no position: the first ungraded
    assert "answer 3 of 5" in html
    assert re.search(r'href="/item/q1.explain\?at=4" data-nav="ungraded"', html)
    last = ta.get("/item/q1.explain?at=5").text
    assert 'data-nav="next"' not in last and re.search(r'\?at=3" data-nav="ungraded"', last)


def test_search(store: ReviewStore, ta: TestClient) -> None:
    html = ta.get("/item/q1.explain?q=SHARED").text
    assert "answer 1 of 2" in html and "2 matches" in html
    assert "answer 1 of 3" in ta.get("/item/q1.explain?q=مشترک").text  # ك/ک both match
    assert "No answers match" in ta.get("/item/q1.explain?q=nothing-like-this").text


def test_unknown_item_and_entry_are_one_sentence(ta: TestClient) -> None:
    r = ta.get("/item/q9.none")
    assert r.status_code == 400 and "no manual item &#39;q9.none&#39;" in r.text
    assert ta.get("/item/q1.pick").status_code == 400  # automatic items are not graded here
    r = post(ta, "/entries/999", points="1", comment="x")
    assert r.status_code == 400 and "no rubric entry 999" in r.text
    r = post(ta, "/item/q1.explain/entries", points="abc", comment="x")
    assert r.status_code == 400 and "expected a number" in r.text
    r = post(ta, "/item/q1.explain/entries", points="5", comment="x")
    assert r.status_code == 400 and "within ±4" in r.text


# --- grading -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entries, adjustment, expected",
    [
        ([2.0], 0.0, 2.0),
        ([2.0, 3.0], 0.0, 4.0),  # clamped to the item's 4
        ([-1.0], 0.0, 0.0),  # never below 0
        ([4.0, -1.5], 0.0, 2.5),
        ([4.0, 1.0], -1.0, 3.0),  # clamp first, then the adjustment
        ([], 1.5, 1.5),
        ([-2.0], 1.0, 1.0),
        ([3.0], 2.0, 4.0),
    ],
)
def test_compose(entries: list[float], adjustment: float, expected: float) -> None:
    from grader.review.store import Entry

    chosen = [Entry(n, "q", p, f"c{n}", "workspace", "") for n, p in enumerate(entries)]
    score = compose(chosen, adjustment, "late insight" if adjustment else "", 4.0, "Sara")
    assert score.points == expected
    assert all(f"c{n}" in score.comment for n in range(len(entries)))


def test_applying_an_entry_stores_a_manual_score_with_history(store: ReviewStore, ta: TestClient) -> None:
    entry = add_entry(ta, "q1.explain", "3", "Names weight sharing")
    minus = add_entry(ta, "q1.explain", "-1", "No word on locality")
    assert apply(ta, "q1.explain", entry, ("401000002", 0)).status_code == 303
    assert apply(ta, "q1.explain", minus, ("401000002", 1)).status_code == 303
    score = store.book.manual_scores("hwt", "theory")[("401000002", "q1.explain")]
    assert (score.points, score.grader, score.version) == (2.0, "Sara", 2)
    assert score.comment == "Names weight sharing (+3) · No word on locality (-1)"
    history = [(h["new_points"], h["grader"], h["source"]) for h in store.book.score_history("hwt", "theory")]
    assert history == [(3.0, "Sara", "review"), (2.0, "Sara", "review")]
    # pressing the entry again takes it off
    apply(ta, "q1.explain", minus, ("401000002", 2))
    assert store.book.manual_scores("hwt", "theory")[("401000002", "q1.explain")].points == 3.0


def test_adjustment_with_no_entries_stores_a_zero(store: ReviewStore, ta: TestClient) -> None:
    r = post(ta, "/item/q1.explain/adjust", t="401000002:0", points="", note="blank page", back="/")
    assert r.status_code == 303
    score = store.book.manual_scores("hwt", "theory")[("401000002", "q1.explain")]
    assert (score.points, score.comment) == (0.0, "blank page")
    r = post(ta, "/item/q1.explain/adjust", t="401000002:1", points="9", back="/")
    assert r.status_code == 400 and "within ±4" in r.text


def test_two_tas_on_the_same_answer_conflict(store: ReviewStore) -> None:
    sara, reza = client_for(store, "Sara"), client_for(store, "Reza")
    good = add_entry(sara, "q1.explain", "4", "Complete")
    half = add_entry(sara, "q1.explain", "2", "Half")
    # both opened the page at version 0; Sara saves first
    assert apply(sara, "q1.explain", good, ("401000002", 0)).status_code == 303
    r = apply(reza, "q1.explain", half, ("401000002", 0), seen="")  # Reza's page showed no entries
    assert r.status_code == 409
    assert "Someone else changed 1 score" in r.text and "<b>4</b> by Sara" in r.text and "<b>2</b> by Reza" in r.text
    stored = store.book.manual_scores("hwt", "theory")[("401000002", "q1.explain")]
    assert (stored.points, stored.grader) == (4.0, "Sara")  # nothing overwritten
    # Reza chooses to overwrite, with the version the conflict page carries
    form = dict(re.findall(r'name="(student|version|points|note)" value="([^"]*)"', r.text))
    entries = re.findall(r'name="e" value="(\d+)"', r.text)
    r2 = reza.post("/item/q1.explain/overwrite", data={"csrf": reza.csrf, **form, "e": entries, "back": "/"})  # type: ignore[attr-defined]
    assert r2.status_code == 303
    stored = store.book.manual_scores("hwt", "theory")[("401000002", "q1.explain")]
    assert (stored.points, stored.grader, stored.version) == (2.0, "Reza", 2)
    assert [e for e in store.grades("q1.explain")["401000002"].applied] == [half]


def test_the_same_ta_in_two_tabs_gets_the_conflict_view(store: ReviewStore, ta: TestClient) -> None:
    """A save carries the version its page was loaded with: a stale tab of the same TA conflicts."""
    good = add_entry(ta, "q1.explain", "4", "Complete")
    half = add_entry(ta, "q1.explain", "2", "Half")
    at = next(n for n, a in enumerate(store.answers("q1.explain"), start=1) if a.student_id == "401000002")
    tab_a, tab_b = ta.get(f"/item/q1.explain?at={at}").text, ta.get(f"/item/q1.explain?at={at}").text

    def form_of(page: str, entry: int) -> dict[str, object]:
        form = re.search(rf'<form method="post" action="/item/q1.explain/apply".*?name="entry" value="{entry}".*?</form>', page, re.S)
        assert form is not None
        return {"csrf": ta.csrf, "entry": str(entry), "back": "/", **dict(re.findall(r'name="(t|seen)" value="([^"]*)"', form.group(0)))}  # type: ignore[attr-defined]

    assert form_of(tab_b, half)["t"] == "401000002:0"
    assert ta.post("/item/q1.explain/apply", data=form_of(tab_a, good)).status_code == 303
    r = ta.post("/item/q1.explain/apply", data=form_of(tab_b, half))  # tab B still shows version 0
    assert r.status_code == 409
    assert "You changed 1 score" in r.text and "another tab" in r.text
    assert "<b>4</b> by Sara" in r.text and "<b>2</b> by Sara" in r.text
    stored = store.book.manual_scores("hwt", "theory")[("401000002", "q1.explain")]
    assert (stored.points, stored.version) == (4.0, 1)
    # a page loaded after the save carries the new version and saves
    fresh = ta.get(f"/item/q1.explain?at={at}").text
    assert form_of(fresh, half)["t"] == "401000002:1"
    assert ta.post("/item/q1.explain/apply", data=form_of(fresh, half)).status_code == 303
    assert store.book.manual_scores("hwt", "theory")[("401000002", "q1.explain")].points == 4.0  # clamped: 4 + 2 of 4


def test_a_sheet_import_and_the_workspace_share_the_version_check(store: ReviewStore, ta: TestClient, hw: SimpleNamespace) -> None:
    from grader.store.manual import set_score

    entry = add_entry(ta, "q1.explain", "4", "Complete")
    with Gradebook.open(hw.db) as other:  # another TA's import, same gradebook
        set_score(other, homework="hwt", part="theory", student_id="401000002", item_id="q1.explain", points=1, comment="from the sheet", grader="Ali", expected_version=0)
    r = apply(ta, "q1.explain", entry, ("401000002", 0))
    assert r.status_code == 409 and "from the sheet" in r.text
    # the page now says the score was set outside the workspace
    answers = store.answers("q1.explain")
    at = next(n for n, a in enumerate(answers, start=1) if a.student_id == "401000002")
    assert "set outside the workspace" in ta.get(f"/item/q1.explain?at={at}").text


def test_groups_of_identical_answers_are_graded_at_once(store: ReviewStore, ta: TestClient) -> None:
    assert answer_key("وزن‌ها  مشترك هستند ۲") == answer_key("وزنها مشترک هستند 2")
    groups = store.groups("q1.explain")
    sizes = sorted(len(g) for g in groups)
    assert sizes == [1, 2, 2]  # "shared weights" ×2, the Persian pair ×2
    html = ta.get("/item/q1.explain/groups").text
    key = re.search(r'\?group=([0-9a-f]+)">2<', html)
    assert key is not None
    page = ta.get(f"/item/q1.explain?group={key.group(1)}")
    assert "2 identical answers" in page.text
    targets = re.findall(r'name="t" value="([^"]+)"', page.text)
    assert len(set(targets)) == 2
    entry = add_entry(ta, "q1.explain", "2", "Group entry")
    r = ta.post("/item/q1.explain/apply", data={"csrf": ta.csrf, "entry": str(entry), "t": sorted(set(targets)), "back": "/"})  # type: ignore[attr-defined]
    assert r.status_code == 303
    members = [t.split(":")[0] for t in set(targets)]
    scores = store.book.manual_scores("hwt", "theory")
    assert all(scores[(m, "q1.explain")].points == 2.0 for m in members)
    assert "(2 graded)" in ta.get(f"/item/q1.explain?group={key.group(1)}").text
    assert ta.get("/item/q1.explain?group=0000000000000000").status_code == 404


def test_a_group_with_one_conflict_saves_nothing(store: ReviewStore) -> None:
    sara, reza = client_for(store, "Sara"), client_for(store, "Reza")
    entry = add_entry(sara, "q1.explain", "2", "Group entry")
    other = add_entry(sara, "q1.explain", "1", "Other entry")
    apply(reza, "q1.explain", other, ("401000002", 0))
    r = apply(sara, "q1.explain", entry, ("401000002", 0), ("401000006", 0))
    assert r.status_code == 409
    assert ("401000006", "q1.explain") not in store.book.manual_scores("hwt", "theory")


def test_editing_an_entry_rescores_everyone_who_has_it(store: ReviewStore, ta: TestClient, hw: SimpleNamespace) -> None:
    from grader.store.manual import set_score

    entry = add_entry(ta, "q1.explain", "2", "Partly right")
    other = add_entry(ta, "q1.explain", "1", "Mentions locality")
    students = [a.student_id for a in store.answers("q1.explain")]
    for s in students[:4]:
        apply(ta, "q1.explain", entry, (s, version(store, s, "q1.explain")))
    apply(ta, "q1.explain", other, (students[0], version(store, students[0], "q1.explain")))
    # one of them was set by a sheet afterwards: an entry edit must not touch it
    set_score(store.book, homework="hwt", part="theory", student_id=students[3], item_id="q1.explain", points=0.5, grader="Ali", expected_version=1)
    r = post(ta, f"/entries/{entry}", points="3", comment="Mostly right", back="/item/q1.explain")
    assert r.status_code == 200
    assert "changes 3 scores" in r.text and "1 score(s) set outside the workspace" in r.text
    assert store.book.manual_scores("hwt", "theory")[(students[1], "q1.explain")].points == 2.0  # only a preview
    r = post(ta, f"/entries/{entry}", points="3", comment="Mostly right", confirm="1", back="/item/q1.explain")
    assert r.status_code == 303
    scores = store.book.manual_scores("hwt", "theory")
    assert scores[(students[0], "q1.explain")].points == 4.0  # 3 + 1
    assert scores[(students[0], "q1.explain")].comment == "Mostly right (+3) · Mentions locality (+1)"
    assert [scores[(s, "q1.explain")].points for s in students[1:3]] == [3.0, 3.0]
    assert scores[(students[3], "q1.explain")].points == 0.5  # the sheet's score stands
    sources = [h["source"] for h in store.book.score_history("hwt", "theory")]
    assert sources.count(f"review: entry {entry} edited") == 3
    # delete: preview, then everyone loses it
    r = post(ta, f"/entries/{entry}", delete="1", back="/")
    assert "changes 3 scores" in r.text
    post(ta, f"/entries/{entry}", delete="1", confirm="1", back="/")
    scores = store.book.manual_scores("hwt", "theory")
    assert scores[(students[0], "q1.explain")].points == 1.0 and scores[(students[1], "q1.explain")].points == 0.0
    assert entry not in {e.id for e in store.entries("q1.explain")}


def test_rubric_entries_from_the_yaml_and_the_export(hw: SimpleNamespace) -> None:
    text = hw.rubric.read_text(encoding="utf-8").replace(
        '  - {id: q1.explain, title: "Explain", kind: text, points: 4}',
        '  - id: q1.explain\n    title: "Explain"\n    kind: text\n    points: 4\n    notes: "Look for weight sharing."\n'
        '    manual_rubric:\n      - {points: 4, comment: "Complete"}\n      - {points: -1, comment: "No example"}',
    )
    hw.rubric.write_text(text, encoding="utf-8")
    store = open_store(hw.db, rubric_path=hw.rubric)
    try:
        assert [(e.points, e.comment, e.origin) for e in store.entries("q1.explain")] == [(4.0, "Complete", "rubric"), (-1.0, "No example", "rubric")]
        again = open_store(hw.db, rubric_path=hw.rubric)  # opening again adds nothing
        assert len(again.entries("q1.explain")) == 2
        again.book.close()
        client = client_for(store, "Sara")
        html = client.get("/item/q1.explain").text
        assert "Notes for TAs:</b> Look for weight sharing." in html and 'data-key="1"' in html and 'data-key="2"' in html
        add_entry(client, "q2.essay", "1.5", "Argues both sides")
        import yaml

        exported = yaml.safe_load(client.get("/entries.yaml").text)
        assert exported == {
            "q1.explain": {"manual_rubric": [{"points": 4, "comment": "Complete"}, {"points": -1, "comment": "No example"}]},
            "q2.essay": {"manual_rubric": [{"points": 1.5, "comment": "Argues both sides"}]},
        }
        # and the exported lists validate as rubric entries
        for item_id, value in exported.items():
            item = Item(id=item_id, title="t", kind="text", points=4, manual_rubric=[ManualEntry(**e) for e in value["manual_rubric"]])
            from grader.rubric import check_manual_rubric

            assert check_manual_rubric(item) == []
    finally:
        store.book.close()


@pytest.mark.parametrize(
    "entries, problem",
    [
        ([{"points": 5, "comment": "x"}], "within ±4"),
        ([{"points": 0, "comment": "x"}], "non-zero"),
        ([{"points": 1, "comment": " "}], "empty"),
        ([{"points": 1, "comment": "a"}, {"points": 2, "comment": "a"}], "the same comment as manual_rubric[0]"),
    ],
)
def test_manual_rubric_is_validated(entries: list[dict[str, object]], problem: str) -> None:
    from grader.rubric import check_manual_rubric

    item = Item(id="q1.x", title="t", kind="text", points=4, manual_rubric=[ManualEntry(**e) for e in entries])  # type: ignore[arg-type]
    problems = check_manual_rubric(item)
    assert len(problems) == 1 and problem in problems[0]
    auto = Item(id="q1.y", title="t", kind="choice", points=1, options={"a": []}, manual_rubric=[ManualEntry(points=1, comment="x")])
    assert "only text items" in check_manual_rubric(auto)[0]


def test_the_kit_drops_manual_rubric(hw4, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from grader.student.kit import kit_rubric

    data, _ = kit_rubric(hw4, reference_module="kit_reference")
    assert not any("manual_rubric" in raw or "notes" in raw for raw in data["items"])  # students never see the TAs' entries


def test_scores_reach_the_next_grade_run(store: ReviewStore, ta: TestClient, hw: SimpleNamespace) -> None:
    entry = add_entry(ta, "q1.explain", "3", "Names weight sharing")
    apply(ta, "q1.explain", entry, ("401000002", 0))
    assert store.stale_reports() == ["401000002"]
    grade(hw)
    store.refresh()
    assert store.stale_reports() == []
    result = json.loads((hw.out / "results" / "401000002.json").read_text(encoding="utf-8"))
    item = result["items"]["q1.explain"]
    assert item["points"] == 3 and item["manual_score"] == {"points": 3, "comment": "Names weight sharing (+3)", "grader": "Sara"}
    assert "up to date" in ta.get("/").text


def test_regrade_from_the_page(store: ReviewStore, hw: SimpleNamespace) -> None:
    settings = Settings(token=TOKEN, grader="Sara", out_dir=hw.out, log=lambda line: None)
    client = TestClient(create_app(store, settings), follow_redirects=False)
    client.get(f"/?token={TOKEN}")
    entry = store.add_entry("q1.explain", 2, "ok", by="Sara")
    store.toggle_entry("q1.explain", entry.id, {"401000002": 0}, grader="Sara")
    html = client.get("/").text
    assert "Re-grade now" in html and f"run {hw.subs} --out {hw.out}" in html
    r = client.post("/regrade", data={"csrf": settings.csrf})
    assert r.status_code == 303
    import time

    deadline = time.time() + 120
    while "Re-grade running" in client.get("/").text and time.time() < deadline:
        time.sleep(0.5)
    html = client.get("/").text
    assert "finished with exit code 0" in html and "up to date" in html, html


def test_review_error_is_one_sentence(store: ReviewStore) -> None:
    with pytest.raises(ReviewError, match="no manual item 'q1.pick'"):
        store.item("q1.pick")


def test_cli_without_a_gradebook_is_one_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from grader.cli import main

    assert main(["review", "--out", str(tmp_path / "nothing")]) == 6
    err = capsys.readouterr().err
    assert err.startswith("grade: error:") and "no gradebook here" in err and "Traceback" not in err


def test_cli_busy_port_is_one_sentence(hw: SimpleNamespace, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    from grader.cli import main

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    try:
        assert main(["review", "--out", str(hw.out), "--port", str(sock.getsockname()[1])]) == 2
    finally:
        sock.close()
    assert "cannot listen on 127.0.0.1" in capsys.readouterr().err


def test_hw4_text_items_come_with_entries(hw4) -> None:  # type: ignore[no-untyped-def]
    """Every free-text item of HW4 has rubric entries before the submissions arrive, and full
    marks are reachable with its positive entries."""
    for item in hw4.items:
        if item.manual:
            positive = sum(e.points for e in item.manual_rubric if e.points > 0)
            assert item.manual_rubric and positive >= item.points, item.id
        else:
            assert not item.manual_rubric
