"""Optimistic concurrency for TA scores: stale sheets, a second TA, the web's one-score write."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from grader.cli import main
from grader.store.gradebook import Gradebook, ScoreConflictError, migrate
from grader.store.manual import COLUMNS, ScoreError, export_sheet, import_sheet, set_score
from grader.store.migrations import LATEST, MIGRATIONS
from tests.store.test_manual import grade, make_homework, sheet_rows, write_sheet

COL = {c: i for i, c in enumerate(COLUMNS)}


@pytest.fixture
def hw(tmp_path: Path) -> SimpleNamespace:
    hw = make_homework(tmp_path)
    grade(hw)
    return hw


def export(hw: SimpleNamespace) -> list[list[str]]:
    with Gradebook.open(hw.db) as book:
        return sheet_rows(export_sheet(book)[0])


def edit(rows: list[list[str]], changes: dict[tuple[str, str], str], comment: dict[tuple[str, str], str] | None = None) -> list[list[str]]:
    out = [list(r) for r in rows]
    for row in out[1:]:
        key = (row[COL["student_id"]], row[COL["item_id"]])
        if key in changes:
            row[COL["score"]] = changes[key]
        if comment and key in comment:
            row[COL["comment"]] = comment[key]
    return out


def stored(hw: SimpleNamespace) -> dict[tuple[str, str], tuple[float, str, int]]:
    with Gradebook.open(hw.db) as book:
        return {k: (v.points, v.grader, v.version) for k, v in book.manual_scores("hwt", "theory").items()}


def imp(hw: SimpleNamespace, tmp_path: Path, name: str, rows: list[list[str]], grader: str, **kw: object):  # type: ignore[no-untyped-def]
    with Gradebook.open(hw.db) as book:
        return import_sheet(write_sheet(tmp_path / name, rows), book, grader=grader, **kw)


A = ("401000001", "q1.explain")
B = ("401000002", "q2.essay")


def test_issue_case_1_a_stale_sheet_never_reverts_another_tas_score(hw: SimpleNamespace, tmp_path: Path) -> None:
    imp(hw, tmp_path, "start.csv", edit(export(hw), {A: "1"}), "lead")
    base = export(hw)  # `grade manual export --force`; TA A and TA B each take a copy
    imp(hw, tmp_path, "a.csv", edit(base, {A: "2"}), "ta_a")
    # B edits only another student's row: A's row is as exported (1), so it is not B's change
    _, changes = imp(hw, tmp_path, "b.csv", edit(base, {B: "2.5"}), "ta_b")
    assert [(c.student_id, c.item_id) for c in changes] == [B]
    assert stored(hw)[A] == (2.0, "ta_a", 2) and stored(hw)[B] == (2.5, "ta_b", 1)
    with Gradebook.open(hw.db) as book:
        history = [(h["student_id"], h["grader"]) for h in book.score_history("hwt", "theory")]
    assert history == [(A[0], "lead"), (A[0], "ta_a"), (B[0], "ta_b")]  # the importing TA, never a pre-filled cell


def test_a_changed_row_whose_score_changed_since_export_is_a_conflict(hw: SimpleNamespace, tmp_path: Path) -> None:
    base = export(hw)
    imp(hw, tmp_path, "a.csv", edit(base, {A: "2", B: "1"}), "ta_a")
    stale = edit(base, {A: "3", ("401000003", "q2.essay"): "2"})  # B's copy: also grades A's row
    with pytest.raises(ScoreConflictError) as info:
        imp(hw, tmp_path, "b.csv", stale, "ta_b")
    message = str(info.value)
    assert "1 row changed in the gradebook since this sheet was exported; nothing was imported" in message
    assert "401000001 q1.explain: changed since you saw version 0: stored 2 by ta_a (version 1), yours 3" in message
    assert info.value.exit_code == 7
    assert ("401000003", "q2.essay") not in stored(hw)  # all or nothing
    # a blank cell keeps the stored score; the other row goes in
    imp(hw, tmp_path, "b2.csv", edit(stale, {A: ""}), "ta_b")
    assert stored(hw)[A] == (2.0, "ta_a", 1) and stored(hw)[("401000003", "q2.essay")] == (2.0, "ta_b", 1)
    # --overwrite replaces it, as the TA asked
    imp(hw, tmp_path, "b3.csv", stale, "ta_b", overwrite=True)
    assert stored(hw)[A] == (3.0, "ta_b", 2)


@pytest.mark.parametrize(
    ("theirs", "mine", "conflict"),
    [
        ("2", "2", False),  # both typed the same score: nothing to decide
        ("2", "3", True),
        (None, "3", False),  # nobody else touched it
    ],
)
def test_conflict_table(hw: SimpleNamespace, tmp_path: Path, theirs: str | None, mine: str, conflict: bool) -> None:
    base = export(hw)
    if theirs is not None:
        imp(hw, tmp_path, "x.csv", edit(base, {A: theirs}), "other")
    if conflict:
        with pytest.raises(ScoreConflictError):
            imp(hw, tmp_path, "m.csv", edit(base, {A: mine}), "me")
    else:
        imp(hw, tmp_path, "m.csv", edit(base, {A: mine}), "me")
        assert stored(hw)[A][0] == float(mine)


def test_a_ta_reimporting_their_own_sheet_is_not_a_conflict(hw: SimpleNamespace, tmp_path: Path) -> None:
    rows = export(hw)
    imp(hw, tmp_path, "s.csv", edit(rows, {A: "2"}), "ta_a")
    imp(hw, tmp_path, "s.csv", edit(rows, {A: "3"}), "ta_a")
    assert stored(hw)[A] == (3.0, "ta_a", 2)
    imp(hw, tmp_path, "o.csv", edit(export(hw), {A: "1"}), "ta_b")
    with pytest.raises(ScoreConflictError):  # but not once another TA changed it after
        imp(hw, tmp_path, "s.csv", edit(rows, {A: "3.5"}), "ta_a")


def test_only_a_changed_comment_is_a_change(hw: SimpleNamespace, tmp_path: Path) -> None:
    imp(hw, tmp_path, "s.csv", edit(export(hw), {A: "2"}, {A: "first"}), "ta_a")
    base = export(hw)
    imp(hw, tmp_path, "c.csv", edit(base, {}, {A: "second"}), "ta_b")
    with Gradebook.open(hw.db) as book:
        assert book.manual_scores("hwt", "theory")[A].comment == "second"
    with pytest.raises(ScoreConflictError):  # a stale copy that changes the comment again
        imp(hw, tmp_path, "d.csv", edit(base, {}, {A: "third"}), "ta_c")


def test_a_sheet_typed_by_hand_may_not_replace_a_stored_score(hw: SimpleNamespace, tmp_path: Path) -> None:
    imp(hw, tmp_path, "s.csv", edit(export(hw), {A: "2"}), "ta_a")
    hand = [["student_id", "item_id", "score"], [A[0], A[1], "3"], [B[0], B[1], "1"]]
    with pytest.raises(ScoreConflictError):
        imp(hw, tmp_path, "hand.csv", hand, "ta_b")
    imp(hw, tmp_path, "hand.csv", hand, "ta_b", overwrite=True)
    assert stored(hw)[A] == (3.0, "ta_b", 2) and stored(hw)[B] == (1.0, "ta_b", 1)


def test_set_score_is_the_same_guard_for_one_score(hw: SimpleNamespace) -> None:
    kw = {"homework": "hwt", "part": "theory", "student_id": A[0], "item_id": A[1]}
    with Gradebook.open(hw.db) as book:
        change = set_score(book, **kw, points=2, grader="web_a", expected_version=0)
        assert change.changed and change.old is None
        with pytest.raises(ScoreConflictError) as info:
            set_score(book, **kw, points=3, grader="web_b", expected_version=0)
        assert info.value.conflicts[0].current is not None and info.value.conflicts[0].current.points == 2
        set_score(book, **kw, points=3, grader="web_b", expected_version=1)
        assert book.manual_scores("hwt", "theory")[A].version == 2
        for bad in ({"points": 5}, {"points": float("nan")}, {"points": 1, "item_id": "q1.pick"}, {"points": 1, "student_id": "999"}):
            with pytest.raises(ScoreError):
                set_score(book, **{**kw, **bad}, grader="x", expected_version=2)  # type: ignore[arg-type]


def test_migration_3_numbers_existing_scores_by_their_history(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, target=2)
    conn.execute("INSERT INTO manual_scores VALUES ('hw', 'theory', 's1', 'q1', 2, '', 'ta', 'now')")
    conn.execute(
        "INSERT INTO manual_score_history (homework, part, student_id, item_id, old_points, new_points, old_comment, new_comment, grader, source, changed_at)"
        " VALUES ('hw', 'theory', 's1', 'q1', NULL, 1, NULL, '', 'ta', 'sheet', 'then'), ('hw', 'theory', 's1', 'q1', 1, 2, '', '', 'ta', 'sheet', 'now')"
    )
    assert migrate(conn) == LATEST >= 3
    assert conn.execute("SELECT version FROM manual_scores").fetchall() == [(2,)]
    assert conn.execute("SELECT version FROM manual_score_history ORDER BY id").fetchall() == [(1,), (2,)]
    assert [m.version for m in MIGRATIONS] == sorted({m.version for m in MIGRATIONS})


def test_cli_conflict_exit_code_and_grader(hw: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    base = export(hw)
    monkeypatch.setenv("USER", "ta_env")
    sheet = write_sheet(tmp_path / "a.csv", edit(base, {A: "2"}))
    assert main(["manual", "import", str(sheet), "--out", str(hw.out)]) == 0
    assert stored(hw)[A] == (2.0, "ta_env", 1)
    other = write_sheet(tmp_path / "b.csv", edit(base, {A: "1"}))
    assert main(["manual", "import", str(other), "--out", str(hw.out), "--grader", "ta_b"]) == 7
    err = capsys.readouterr().err
    assert "stored 2 by ta_env (version 1), yours 1" in err and "Traceback" not in err
    assert main(["manual", "import", str(other), "--out", str(hw.out), "--grader", "ta_b", "--dry-run"]) == 7
    assert main(["manual", "import", str(other), "--out", str(hw.out), "--grader", "ta_b", "--overwrite"]) == 0
    assert stored(hw)[A] == (1.0, "ta_b", 2)


# --- a score remembers the answer it graded (issue case 5) ----------------------------------------


def test_issue_case_5_a_changed_answer_keeps_the_score_but_flags_it(hw: SimpleNamespace, tmp_path: Path) -> None:
    import json

    imp(hw, tmp_path, "s.csv", edit(export(hw), {A: "3"}), "ta_a")
    outcome = grade(hw)
    assert "answer changed" not in "\n".join(outcome.diff.lines())
    path = hw.subs / f"HWT_{A[0]}.yaml"  # the student re-submits with another explanation
    data = json.loads(path.read_text(encoding="utf-8"))
    data["answers"]["q1.explain"] = "a different explanation"
    path.write_text(json.dumps(data), encoding="utf-8")
    outcome = grade(hw)
    lines = "\n".join(outcome.diff.lines())
    assert f"{A[0]} q1.explain: answer changed since graded (the TA score 3 is kept" in lines
    result = json.loads((hw.out / "results" / f"{A[0]}.json").read_text(encoding="utf-8"))
    assert result["items"]["q1.explain"]["manual_score"] == {"points": 3, "comment": "", "grader": "ta_a", "answer_changed": True}
    assert stored(hw)[A] == (3.0, "ta_a", 1)
    rows = export(hw)
    row = next(r for r in rows if (r[COL["student_id"]], r[COL["item_id"]]) == A)
    assert row[COL["note"]] == "answer changed since graded"
    other = next(r for r in rows if (r[COL["student_id"]], r[COL["item_id"]]) == B)
    assert other[COL["note"]] == ""
    # the TA re-reads it and confirms the score by clearing the note: the flag goes
    for r in rows:
        if (r[COL["student_id"]], r[COL["item_id"]]) == A:
            r[COL["note"]] = ""
    _, changes = imp(hw, tmp_path, "confirm.csv", rows, "ta_a")
    assert [(c.student_id, c.item_id) for c in changes] == [A]
    outcome = grade(hw)
    assert "answer changed" not in "\n".join(outcome.diff.lines())
    assert stored(hw)[A] == (3.0, "ta_a", 2)


def test_the_report_says_the_answer_changed_since_graded() -> None:
    from grader.model import ItemResult, ManualScore, Verdict
    from grader.outputs.report.view import build_item_view

    item = ItemResult("q1.explain", "q1", 4, False, True, Verdict.pending("new text"), ManualScore(3, "", "ta", 1, "x", answer_changed=True))
    assert build_item_view(item, None).ta_stale
    assert not build_item_view(ItemResult("q1.explain", "q1", 4, False, True, Verdict.pending("t"), ManualScore(3)), None).ta_stale
