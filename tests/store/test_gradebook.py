"""The gradebook: a run's round trip, manual scores, the ledger, migrations, atomicity, the diff."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from grader.model import Adjustment, AdjustmentKind, ItemResult, LedgerEntry, ManualScore, Status, SubmissionResult, Verdict
from grader.result_schema import result_json
from grader.store import gradebook as gb
from grader.store.diff import diff_runs, snapshot_from_json, snapshot_of
from grader.store.gradebook import Gradebook, GradebookError, migrate
from grader.store.manual import merge_manual
from grader.store.migrations import LATEST

ITEMS = [
    SimpleNamespace(id="q1.a", question="q1", title="Choice", kind="choice", points=2.0, bonus=False, manual=False),
    SimpleNamespace(id="q1.b", question="q1", title="Explain", kind="text", points=3.0, bonus=False, manual=True),
]
RUBRIC = SimpleNamespace(items=ITEMS)


def result(student: str, *, correct: bool = True, manual: ManualScore | None = None, adjustments: tuple[Adjustment, ...] = ()) -> SubmissionResult:
    return SubmissionResult(
        student_id=student,
        homework="hw4",
        source=f"HW4_T_{student}.yaml",
        items=(
            ItemResult("q1.a", "q1", 2.0, False, False, Verdict.correct("a") if correct else Verdict.wrong("b")),
            ItemResult("q1.b", "q1", 3.0, False, True, Verdict.pending("because"), manual_score=manual),
        ),
        adjustments=adjustments,
        submitted_at="2024-12-10T10:00:00+03:30",
        file_sha256="ab" * 32,
    )


def info(**extra: object) -> dict[str, object]:
    return {
        "homework": "hw4",
        "part": "theory",
        "started_at": "2024-12-20T10:00:00+00:00",
        "rubric_path": "rubrics/hw4.yaml",
        "rubric_sha256": "r" * 64,
        "reference_sha256": "f" * 64,
        "folder": "submissions",
        "grader_version": "0.1.0",
        "n_graded": 2,
        "n_unreadable": 0,
        **extra,
    }


@pytest.fixture
def book(tmp_path: Path):  # type: ignore[no-untyped-def]
    with Gradebook.open(tmp_path / "out" / "gradebook.sqlite") as b:
        yield b


def test_a_new_gradebook_is_at_the_latest_version(book: Gradebook) -> None:
    assert book.version == LATEST
    tables = {r[0] for r in book.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"runs", "run_items", "submissions", "result_docs", "result_items", "adjustments", "manual_scores", "late_days", "manual_score_history"} <= tables


def test_run_round_trip(book: Gradebook) -> None:
    late = Adjustment(AdjustmentKind.LATE_DAYS, 0.0, "2 late days used, 13 left this term", late_days_used=2)
    results = [result("1"), result("2", correct=False, adjustments=(late,))]
    ledger = [LedgerEntry("1", "hw4", "theory", 0, "2024-12-10T06:30:00+00:00"), LedgerEntry("2", "hw4", "theory", 2, "2024-12-15T06:30:00+00:00")]
    run_id = book.record_run(info(), rubric=RUBRIC, results=results, ledger=ledger)
    run = book.latest_run("hw4", "theory")
    assert run is not None and run.id == run_id
    assert (run.rubric_sha256, run.reference_sha256, run.n_graded) == ("r" * 64, "f" * 64, 2)
    stored = book.run_results(run_id)
    assert stored == {r.student_id: json.loads(json.dumps(result_json(r))) for r in results}
    assert [i.item_id for i in book.run_items(run_id)] == ["q1.a", "q1.b"]
    assert book.run_items(run_id)[1].manual is True
    assert book.item_answers(run_id)[("2", "q1.a")] == ("wrong", "b", "")
    row = book.conn.execute("SELECT kind, points, reason, late_days_used FROM adjustments WHERE student_id = '2'").fetchone()
    assert tuple(row) == ("late_days", 0.0, "2 late days used, 13 left this term", 2)
    assert book.ledger()["2"] == [LedgerEntry("2", "hw4", "theory", 2, "2024-12-15T06:30:00+00:00", "run")]
    file_hash = book.conn.execute("SELECT file_sha256 FROM submissions WHERE student_id = '1'").fetchone()[0]
    assert file_hash == "ab" * 32


def test_the_ledger_follows_the_latest_run(book: Gradebook) -> None:
    book.import_ledger([LedgerEntry("1", "hw1", "theory", 3, None, "import"), LedgerEntry("3", "hw4", "theory", 4, None, "import")])
    book.record_run(info(), rubric=RUBRIC, results=[result("1"), result("2")], ledger=[LedgerEntry("1", "hw4", "theory", 1), LedgerEntry("2", "hw4", "theory", 2)])
    book.record_run(info(), rubric=RUBRIC, results=[result("1")], ledger=[LedgerEntry("1", "hw4", "theory", 0)])
    ledger = book.ledger()
    assert [(e.homework, e.days, e.source) for e in ledger["1"]] == [("hw1", 3, "import"), ("hw4", 0, "run")]
    assert "2" not in ledger  # no longer graded: its run entry is gone
    assert [(e.homework, e.days, e.source) for e in ledger["3"]] == [("hw4", 4, "import")]  # imported, not graded here


def test_manual_scores_and_their_history(book: Gradebook) -> None:
    first = book.set_manual_scores("hw4", "theory", [("1", "q1.b", ManualScore(2.0, "ok", "ta1"))], source="sheet a.csv")
    assert [(c.old, c.changed) for c in first] == [(None, True)]
    again = book.set_manual_scores("hw4", "theory", [("1", "q1.b", ManualScore(2.0, "ok", "ta1")), ("2", "q1.b", ManualScore(1.5))], source="sheet b.csv")
    assert [c.changed for c in again] == [False, True]
    third = book.set_manual_scores("hw4", "theory", [("1", "q1.b", ManualScore(2.5, "better", "ta2"))], source="sheet c.csv")
    assert third[0].old == ManualScore(2.0, "ok", "ta1")
    assert book.manual_scores("hw4", "theory") == {("1", "q1.b"): ManualScore(2.5, "better", "ta2"), ("2", "q1.b"): ManualScore(1.5, "", "")}
    assert book.manual_scores("hw4", "practical") == {}
    history = [(h["student_id"], h["old_points"], h["new_points"], h["source"]) for h in book.score_history("hw4", "theory")]
    assert history == [("1", None, 2.0, "sheet a.csv"), ("2", None, 1.5, "sheet b.csv"), ("1", 2.0, 2.5, "sheet c.csv")]


def test_a_failure_mid_run_leaves_no_half_run(book: Gradebook, monkeypatch: pytest.MonkeyPatch) -> None:
    book.record_run(info(), rubric=RUBRIC, results=[result("1")], ledger=[LedgerEntry("1", "hw4", "theory", 1)])
    import grader.result_schema

    calls = {"n": 0}
    real = grader.result_schema.result_json

    def failing(r: SubmissionResult) -> dict[str, object]:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # a kill between two students
        return real(r)

    monkeypatch.setattr(grader.result_schema, "result_json", failing)
    with pytest.raises(KeyboardInterrupt):
        book.record_run(info(), rubric=RUBRIC, results=[result("1"), result("2")], ledger=[LedgerEntry("1", "hw4", "theory", 5)])
    counts = [book.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("runs", "run_items", "submissions", "result_docs", "result_items")]
    assert counts == [1, 2, 1, 1, 2]
    assert book.ledger()["1"][0].days == 1


def test_migrating_a_version_1_gradebook(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=1) == 1
    conn.execute("INSERT INTO manual_scores VALUES ('hw4', 'theory', '1', 'q1.b', 2.5, 'fine', 'ta1', '2024-12-20T10:00:00+00:00')")
    conn.execute("INSERT INTO late_days VALUES ('1', 'hw1', 'theory', 3, NULL, 'import', NULL, '2024-12-20T10:00:00+00:00')")
    conn.close()
    with Gradebook.open(path) as book:
        assert book.version == LATEST >= 3
        assert book.manual_scores("hw4", "theory") == {("1", "q1.b"): ManualScore(2.5, "fine", "ta1")}
        assert book.manual_scores("hw4", "theory")[("1", "q1.b")].version == 1  # one (migrated) history row
        assert [(h["new_points"], h["source"]) for h in book.score_history("hw4", "theory")] == [(2.5, "migrated")]
        assert book.ledger()["1"][0].days == 3
    with Gradebook.open(path) as book:  # opening again changes nothing
        assert len(book.score_history("hw4", "theory")) == 1


def _count(book: Gradebook, table: str) -> int:
    return int(book.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


@pytest.mark.parametrize(
    ("second_run", "new_docs"),
    [
        (("1", "2"), 0),  # a re-grade that changes nothing stores no result again
        (("1", "2", "3"), 1),  # a new student: one more
        (("1",), 0),  # a student gone: nothing new, and the old run keeps theirs
    ],
)
def test_each_distinct_result_is_stored_once(book: Gradebook, second_run: tuple[str, ...], new_docs: int) -> None:
    first = book.record_run(info(), rubric=RUBRIC, results=[result("1"), result("2", correct=False)])
    docs, items = _count(book, "result_docs"), _count(book, "result_items")
    results = [result(s, correct=s != "2") for s in second_run]
    second = book.record_run(info(), rubric=RUBRIC, results=results)
    assert (_count(book, "result_docs"), _count(book, "result_items")) == (docs + new_docs, items + 2 * new_docs)
    assert book.run_results(second) == {r.student_id: json.loads(json.dumps(result_json(r))) for r in results}
    assert set(book.run_results(first)) == {"1", "2"}  # every run still reads its own results
    assert book.item_answers(first)[("2", "q1.a")] == ("wrong", "b", "")
    assert set(book.item_answers(second)) == {(s, i) for s in second_run for i in ("q1.a", "q1.b")}


def test_a_changed_result_is_stored_beside_the_old_one(book: Gradebook) -> None:
    first = book.record_run(info(), rubric=RUBRIC, results=[result("1")])
    second = book.record_run(info(), rubric=RUBRIC, results=[result("1", correct=False)])
    assert _count(book, "result_docs") == 2
    assert book.item_answers(first)[("1", "q1.a")][0] == "correct"
    assert book.item_answers(second)[("1", "q1.a")][0] == "wrong"


def test_migrating_a_version_3_gradebook_keeps_every_run(tmp_path: Path) -> None:
    """Version 3 stored each run's JSON and item rows in full: migration 5 keeps one copy."""
    path = tmp_path / "v3.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=3) == 3
    texts = {1: {"1": '{"student_id": "1", "v": 1}', "2": '{"student_id": "2", "v": 1}'}, 2: {"1": '{"student_id": "1", "v": 1}', "2": '{"student_id": "2", "v": 2}'}}
    for run_id, by_student in texts.items():
        conn.execute(
            "INSERT INTO runs VALUES (?, 'hw4', 'theory', 't0', 't1', 'rubrics/hw4.yaml', ?, ?, NULL, NULL, 'submissions', '0.1.0', 2, 0)",
            (run_id, "r" * 64, "f" * 64),
        )
        for student, text in by_student.items():
            conn.execute("INSERT INTO submissions VALUES (?, ?, ?, NULL, NULL, 1.0, 0.0, 1.0, 0, ?)", (run_id, student, f"HW4_T_{student}.yaml", text))
            status = "correct" if '"v": 1' in text else "wrong"
            conn.execute("INSERT INTO item_results VALUES (?, ?, 'q1.a', ?, 1.0, 2.0, 'a', '')", (run_id, student, status))
    conn.close()
    with Gradebook.open(path) as book:
        assert book.version == LATEST >= 5
        assert book.run_result_texts(1) == texts[1] and book.run_result_texts(2) == texts[2]
        assert book.item_answers(1)[("2", "q1.a")] == ("correct", "a", "") and book.item_answers(2)[("2", "q1.a")] == ("wrong", "a", "")
        assert (_count(book, "result_docs"), _count(book, "result_items")) == (3, 3)  # 4 stored results, 3 distinct
        columns = {r[1] for r in book.conn.execute("PRAGMA table_info(submissions)")}
        assert "result_json" not in columns and "result_id" in columns
        kinds = dict(book.conn.execute("SELECT name, type FROM sqlite_master WHERE name = 'item_results'").fetchall())
        assert kinds == {"item_results": "view"}  # the per-run rows, read through the one copy
        assert book.conn.execute("SELECT count(*) FROM item_results").fetchone()[0] == 4


def test_a_newer_gradebook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    with pytest.raises(GradebookError, match=f"schema version {LATEST + 1}, but this grader knows only up to {LATEST}"):
        Gradebook.open(path)


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "gradebook.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(GradebookError, match="not a usable gradebook"):
        Gradebook.open(path)


def test_a_snapshot_never_writes(tmp_path: Path) -> None:
    missing = tmp_path / "none" / "gradebook.sqlite"
    with Gradebook.snapshot(missing) as book:
        assert book.latest_run() is None and book.version == LATEST
    assert not missing.parent.exists()
    path = tmp_path / "gradebook.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=1)
    conn.close()
    before = path.read_bytes()
    with Gradebook.snapshot(path) as book:
        book.record_run(info(), rubric=RUBRIC, results=[result("1")])  # lands in memory only
        assert book.latest_run() is not None
    assert path.read_bytes() == before


def test_merge_manual_puts_scores_on_manual_items_only() -> None:
    scores = {("1", "q1.b"): ManualScore(2.0, "ok"), ("1", "q1.a"): ManualScore(1.0), ("9", "q1.b"): ManualScore(3.0)}
    (merged,), notes = merge_manual([result("1")], scores)
    assert merged.item("q1.b").manual_score == ManualScore(2.0, "ok")
    assert merged.item("q1.b").status is Status.PARTIAL and merged.total == 4.0
    assert merged.item("q1.a").manual_score is None
    (capped,), (note, *_) = merge_manual([result("1")], {("1", "q1.b"): ManualScore(4.0)})
    assert capped.item("q1.b").points == 3.0 and "above the item's 3 points" in note
    assert notes == [
        "manual score for 1 q1.a is not applied: no such manual item in the rubric",
        "manual score for 9 q1.b is not applied: no graded answer file for this student",
    ]


def test_the_diff_names_student_item_and_totals() -> None:
    bonus = Adjustment(AdjustmentKind.EARLY_BONUS, 0.4, "early")
    old = {s: snapshot_of(r) for s, r in {"1": result("1", correct=False), "2": result("2"), "3": result("3")}.items()}
    new_results = {
        "1": result("1", manual=ManualScore(3.0), adjustments=(replace(bonus, points=1.0),)),
        "2": result("2"),
        "4": result("4"),
    }
    diff = diff_runs(old, {s: snapshot_of(r) for s, r in new_results.items()}, previous="run 1")
    assert diff.unchanged == 1
    assert diff.lines() == [
        "changes since run 1:",
        "  1 q1.a: wrong 0 → correct 2",
        "  1 q1.b: pending 0 → correct 3",
        "  1 early_bonus: – → 1",
        "  1 total: 0 → 6",
        "  3: no longer graded (was 2)",
        "  4: new, total 2",
        "3 student(s) changed, 1 unchanged",
    ]
    assert diff_runs(old, old, previous="run 1").lines() == ["no changes since run 1"]
    assert diff_runs(None, old, previous=None).lines() == ["first run: nothing to compare with"]


def test_snapshots_from_json_and_from_results_agree() -> None:
    r = result("1", manual=ManualScore(1.5), adjustments=(Adjustment(AdjustmentKind.LATE_PENALTY, -0.5, "late"),))
    assert snapshot_from_json(json.loads(json.dumps(result_json(r)))) == snapshot_of(r)
    assert gb.default_db(Path("out")) == Path("out/gradebook.sqlite")


def test_cli_ledger_import_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from grader.cli import main

    sheet = tmp_path / "late.csv"
    sheet.write_text("student_id,homework,part,late_days\n401000001,hw1,theory,4\n401000001,hw2,practical,3\n401000002,hw1,theory,0\n", encoding="utf-8")
    assert main(["ledger", "import", str(sheet), "--out", str(tmp_path / "out")]) == 0
    assert "recorded 3 ledger row(s)" in capsys.readouterr().out
    assert main(["ledger", "show", "--db", str(tmp_path / "out" / "gradebook.sqlite")]) == 0
    assert capsys.readouterr().out == "401000001: 7 day(s) — hw1 theory: 4 (imported), hw2 practical: 3 (imported)\n"
    sheet.write_text("student_id,homework,part,late_days\n401000001,hw1,lab,x\n", encoding="utf-8")
    assert main(["ledger", "import", str(sheet), "--out", str(tmp_path / "out")]) == 3
    assert "row 2: part must be theory or practical" in capsys.readouterr().err
