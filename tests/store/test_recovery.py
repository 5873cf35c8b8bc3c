"""The gradebook as the system of record: the guard, backups, restore/rebuild, write order, and
failures at the gradebook (disk full, locked, damaged, read-only output) as one sentence each."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from grader.cli import main
from grader.store import recovery
from grader.store.gradebook import Gradebook
from grader.store.journal import journal_path
from tests.store.test_manual import make_homework, sheet_rows, write_sheet
from tests.store.test_manual_concurrency import COL, A, B


@pytest.fixture
def hw(tmp_path: Path) -> SimpleNamespace:
    return make_homework(tmp_path)


def run(hw: SimpleNamespace, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    code = main(["run", str(hw.subs), "--rubric", str(hw.rubric), "--out", str(hw.out), "--no-pdf", "-j", "1", *extra])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def score(hw: SimpleNamespace, capsys: pytest.CaptureFixture[str], values: dict[tuple[str, str], str], grader: str = "ta1") -> None:
    assert main(["manual", "export", "--out", str(hw.out), "--force"]) == 0
    sheet = hw.out / "manual-hwt-theory.csv"
    rows = sheet_rows(sheet.read_text(encoding="utf-8"))
    for row in rows[1:]:
        key = (row[COL["student_id"]], row[COL["item_id"]])
        if key in values:
            row[COL["score"]] = values[key]
    write_sheet(sheet, rows)
    assert main(["manual", "import", str(sheet), "--out", str(hw.out), "--grader", grader]) == 0
    capsys.readouterr()


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def stored(hw: SimpleNamespace) -> dict[tuple[str, str], float]:
    with Gradebook.open(hw.db) as book:
        return {k: v.points for k, v in book.manual_scores("hwt", "theory").items()}


def corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for page in range(1, len(data) // 4096):  # every page but the header page: b-tree pages become garbage
        data[page * 4096 : page * 4096 + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda db: db.write_bytes(b""), "is empty"),  # `: > out/gradebook.sqlite`
        (lambda db: db.unlink(), "is missing"),
        (lambda db: db.write_bytes(b"not a database at all" * 100), "is damaged: file is not a database"),
        (corrupt, "is damaged"),
    ],
    ids=["emptied", "deleted", "garbage", "corrupted page"],
)
def test_issue_case_2_a_lost_gradebook_is_never_recreated_over_earlier_results(hw, capsys, damage, says) -> None:  # type: ignore[no-untyped-def]
    assert run(hw, capsys)[0] == 0
    score(hw, capsys, {A: "3", B: "2"})
    assert run(hw, capsys)[0] == 0
    damage(hw.db)
    before = tree(hw.out)
    code, out, err = run(hw, capsys)
    assert code == 6
    assert says in err and "holds results of earlier runs" in err and "grade gradebook restore" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert tree(hw.out) == before  # nothing written, nothing created
    # the recovery command brings every TA score back; the next run has them
    assert main(["gradebook", "restore", "--out", str(hw.out)]) == 0
    assert "recovered from backup" in capsys.readouterr().out
    assert stored(hw) == {A: 3.0, B: 2.0}
    code, out, _ = run(hw, capsys)
    assert code == 0 and "pending" not in out.split("changes since")[-1].split("\n")[0]
    assert '"manual_score": {\n        "points": 3' in (hw.out / "results" / f"{A[0]}.json").read_text(encoding="utf-8")


def test_restore_replays_scores_imported_after_the_newest_backup(hw, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(hw, capsys)[0] == 0
    score(hw, capsys, {A: "1"})  # backup taken before this import: it holds no score
    score(hw, capsys, {A: "2", B: "1"}, grader="ta1")
    hw.db.write_bytes(b"")
    assert main(["gradebook", "restore", "--out", str(hw.out)]) == 0
    assert stored(hw) == {A: 2.0, B: 1.0}
    with Gradebook.open(hw.db) as book:
        assert book.manual_scores("hwt", "theory")[A].version == 2


def test_rebuild_without_any_backup_from_the_score_history(hw, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(hw, capsys)[0] == 0
    score(hw, capsys, {A: "3"})
    score(hw, capsys, {A: "2.5", B: "1"})
    for b in recovery.backups(hw.db):
        b.unlink()
    hw.db.unlink()
    assert main(["gradebook", "restore", "--out", str(hw.out)]) == 6
    assert "no usable backup" in capsys.readouterr().err
    assert main(["gradebook", "rebuild", "--out", str(hw.out)]) == 0
    assert stored(hw) == {A: 2.5, B: 1.0}
    code, out, _ = run(hw, capsys)  # the rebuilt gradebook is accepted; the diff is against results/
    assert code == 0
    assert main(["gradebook", "check", "--out", str(hw.out)]) == 0
    assert "usable, 1 run(s), 2 manual score(s)" in capsys.readouterr().out


def test_rebuild_takes_scores_from_results_when_there_is_no_history(hw, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(hw, capsys)[0] == 0
    score(hw, capsys, {A: "3"})
    assert run(hw, capsys)[0] == 0
    journal_path(hw.db).unlink()
    hw.db.unlink()
    assert main(["gradebook", "rebuild", "--out", str(hw.out)]) == 0
    assert stored(hw) == {A: 3.0}


def test_backups_rotate(hw, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(recovery, "KEEP", 3)
    monkeypatch.setattr(recovery.backup, "__kwdefaults__", {"keep": 3})
    for _ in range(5):
        assert run(hw, capsys)[0] == 0
    found = recovery.backups(hw.db)
    assert len(found) == 3
    for b in found:
        assert recovery.problem(b) is None


def test_a_failure_after_the_gradebook_leaves_files_behind_and_the_next_run_repairs_them(hw, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert run(hw, capsys)[0] == 0
    score(hw, capsys, {A: "4"})
    import grader.api as api

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", str(hw.out / "results" / "x.json"))

    monkeypatch.setattr(api, "write_results", fail)
    code, _, err = run(hw, capsys)
    assert code == 8 and "No space left on device" in err and len(err.strip().splitlines()) == 1
    with Gradebook.open(hw.db) as book:
        latest = book.latest_run("hwt", "theory")
        assert latest is not None and latest.id == 2  # the gradebook is ahead: it holds the run
    assert '"manual_score"' not in (hw.out / "results" / f"{A[0]}.json").read_text(encoding="utf-8")  # files behind
    monkeypatch.undo()
    code, out, _ = run(hw, capsys)
    assert code == 0 and "were behind the gradebook (run 1; its latest run is 2" in out
    assert '"manual_score"' in (hw.out / "results" / f"{A[0]}.json").read_text(encoding="utf-8")


def test_disk_full_at_the_gradebook_write_is_one_sentence_and_writes_no_files(hw, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert run(hw, capsys)[0] == 0
    before = tree(hw.out / "results")
    original = Gradebook._setup

    def tiny(self: Gradebook) -> None:  # the disk fills up: SQLite may not grow the file
        original(self)
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        self.conn.execute(f"PRAGMA max_page_count = {pages}")

    monkeypatch.setattr(Gradebook, "_setup", tiny)
    for path in hw.subs.glob("HWT_*.yaml"):  # new answers: new results the gradebook must store
        data = json.loads(path.read_text(encoding="utf-8"))
        data["answers"]["q2.essay"] = "a much longer essay " * 2000
        path.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run(hw, capsys)
    assert code == 8, err
    assert "database or disk is full" in err and "cannot rollback" not in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert tree(hw.out / "results") == before  # the files never get ahead of the gradebook
    monkeypatch.undo()
    with Gradebook.open(hw.db) as book:
        assert len(book.runs()) == 1


def test_a_locked_gradebook_names_the_other_process_after_a_bounded_wait(hw, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert run(hw, capsys)[0] == 0
    import grader.store.gradebook as gradebook

    monkeypatch.setattr(gradebook, "LOCK_WAIT", 0.3)
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import sqlite3, time; c = sqlite3.connect({str(hw.db)!r}, isolation_level=None); "
         "c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        code, _, err = run(hw, capsys)
        assert time.monotonic() - started < 20
    finally:
        holder.kill()
        holder.wait()
    assert code == 9, err
    assert f"is locked by process {holder.pid}" in err and "waited 0.3 s" in err and len(err.strip().splitlines()) == 1


def test_a_read_only_output_folder_is_found_before_grading(hw, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import grader.api as api

    def no_grading(*args: object, **kwargs: object) -> None:
        raise AssertionError("graded before checking the output folder")

    monkeypatch.setattr(api, "grade_batch", no_grading)
    blocker = hw.out.parent / "a-file"
    blocker.write_text("x", encoding="utf-8")
    code = main(["run", str(hw.subs), "--rubric", str(hw.rubric), "--out", str(blocker / "out"), "--no-pdf", "-j", "1"])
    err = capsys.readouterr().err
    assert code == 8 and "cannot write the output folder" in err and "nothing was graded" in err
    if os.geteuid() != 0:  # root writes into a read-only folder anyway
        hw.out.mkdir()
        hw.out.chmod(0o555)
        try:
            assert main(["run", str(hw.subs), "--rubric", str(hw.rubric), "--out", str(hw.out), "--no-pdf"]) == 8
        finally:
            hw.out.chmod(0o755)


def test_a_damaged_gradebook_in_a_manual_command_is_one_sentence(hw, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(hw, capsys)[0] == 0
    corrupt(hw.db)
    assert main(["manual", "export", "--out", str(hw.out), "--force"]) == 6
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and "gradebook" in err


def test_sqlite_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    db = tmp_path / "gradebook.sqlite"
    with Gradebook.open(db) as book:
        book.record_event("test", "one")
    copy = recovery.backup(db)
    assert copy is not None and copy.parent.name == ".gradebook-backups"
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT detail FROM gradebook_events").fetchall() == [("one",)]
    conn.close()
    assert recovery.backup(tmp_path / "none.sqlite") is None


def test_the_history_file_never_holds_a_change_that_was_not_stored(hw, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert run(hw, capsys)[0] == 0
    score(hw, capsys, {A: "1"})
    lines = journal_path(hw.db).read_text(encoding="utf-8").splitlines()
    original = Gradebook.put_manual_score
    calls: list[int] = []

    def full_disk(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) > 1:  # the second row's write finds the disk full
            raise sqlite3.OperationalError("database or disk is full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Gradebook, "put_manual_score", full_disk)
    assert main(["manual", "export", "--out", str(hw.out), "--force"]) == 0
    sheet = hw.out / "manual-hwt-theory.csv"
    rows = sheet_rows(sheet.read_text(encoding="utf-8"))
    for row in rows[1:]:
        if (row[COL["student_id"]], row[COL["item_id"]]) in (A, B):
            row[COL["score"]] = "2"
    write_sheet(sheet, rows)
    code = main(["manual", "import", str(sheet), "--out", str(hw.out), "--grader", "ta1"])
    err = capsys.readouterr().err
    monkeypatch.undo()
    assert code == 8 and "database or disk is full" in err and len(err.strip().splitlines()) == 1
    assert journal_path(hw.db).read_text(encoding="utf-8").splitlines() == lines  # nothing the TA was told failed
    assert stored(hw) == {A: 1.0}  # the transaction rolled back: the first row is not stored either


def test_imported_late_days_are_recovered_too(hw, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert run(hw, capsys)[0] == 0
    assert run(hw, capsys)[0] == 0  # the newest backup: before this run
    ledger = tmp_path / "late.csv"
    ledger.write_text("student_id,homework,part,late_days\n401000001,hw1,theory,3\n", encoding="utf-8")
    assert main(["ledger", "import", str(ledger), "--out", str(hw.out)]) == 0
    capsys.readouterr()

    def days() -> int:
        with Gradebook.open(hw.db) as book:
            return sum(e.days for e in book.ledger().get("401000001", []) if e.homework == "hw1")

    hw.db.write_bytes(b"")
    assert main(["gradebook", "restore", "--out", str(hw.out)]) == 0
    assert days() == 3
    for b in recovery.backups(hw.db):
        b.unlink()
    hw.db.unlink()
    assert main(["gradebook", "rebuild", "--out", str(hw.out)]) == 0
    assert days() == 3
