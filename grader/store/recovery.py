"""Keeping the gradebook recoverable: the guard before a run, rotating backups, restore, rebuild.

* `guard`: a run refuses (GradebookError, exit 6, nothing written) when the gradebook is
  missing, empty or unreadable but the output folder holds results of earlier runs: recreating
  it silently would re-grade without the TA scores, whose last copy it was.
* `backup`: before a run or an import writes, the gradebook is copied with SQLite's backup API
  (a consistent copy even while another process reads it) to `<out>/.gradebook-backups/`; the
  newest `KEEP` are kept.
* `restore`: put the newest good backup (or a given one) in place, then replay the manual-score
  changes the journal (`grader.store.journal`) holds beyond it. `rebuild`: a new gradebook from the
  journal alone (or, without one, from the manual scores in `results/*.json`). Both move the
  damaged file aside (`gradebook.sqlite.damaged-<time>`), never delete it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from grader import fsio
from grader.model import ManualScore
from grader.store import journal
from grader.store.gradebook import Gradebook, GradebookError, utc_now

BACKUP_DIR = ".gradebook-backups"
KEEP = 5  # disk use is KEEP x the gradebook (bench/backup.py measures it)


def backup_dir(db: Path) -> Path:
    return Path(db).parent / BACKUP_DIR


def backups(db: Path) -> list[Path]:
    """The backups of `db`, newest first."""
    folder = backup_dir(db)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{Path(db).stem}-*.sqlite"), reverse=True)


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")


def problem(db: Path) -> str | None:
    """Why `db` is not a usable gradebook ('missing', 'empty', 'damaged: …'), or None."""
    db = Path(db)
    if not db.exists():
        return "missing"
    try:
        if db.stat().st_size == 0:
            return "empty"
        conn = sqlite3.connect(db.resolve().as_uri() + "?mode=ro", uri=True)
    except (OSError, sqlite3.Error) as exc:
        return f"unreadable: {exc}"
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            return f"damaged: {check}"
        if int(conn.execute("PRAGMA user_version").fetchone()[0]) == 0:
            return "empty"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        counts = [conn.execute(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()[0] for t in ("runs", "manual_scores", "gradebook_events") if t in tables]
        if not any(counts):
            return "empty"
    except sqlite3.Error as exc:
        return f"damaged: {exc}"
    finally:
        conn.close()
    return None


def earlier_results(out_dir: Path) -> bool:
    """Whether `out_dir` holds files of earlier runs (results, grades.csv, run.json)."""
    out_dir = Path(out_dir)
    results = out_dir / "results"
    return (results.is_dir() and any(results.glob("*.json"))) or (out_dir / "run.json").exists() or (out_dir / "grades.csv").exists()


def guard(db: Path, out_dir: Path) -> None:
    """Refuse a run into `out_dir` whose gradebook `db` was lost; see the module docstring."""
    if not earlier_results(out_dir):
        return
    why = problem(db)
    if why is None:
        return
    n = len(backups(db))
    raise GradebookError(
        f"{db} is {why}, but {out_dir} holds results of earlier runs, and the TA scores live in the gradebook; nothing was "
        f"written: run `grade gradebook restore --db {db}` ({n} backup{'s' if n != 1 else ''}) or `grade gradebook rebuild "
        f"--db {db}`, or grade into a new --out folder"
    )


def backup(db: Path, *, keep: int = KEEP) -> Path | None:
    """Copy `db` into the backup folder (atomically) and drop the oldest beyond `keep`; None when
    there is nothing worth keeping (no file, or not a usable gradebook). A gradebook not written
    since the newest backup is not copied again (a re-grade that changed nothing costs nothing)."""
    db = Path(db)
    if problem(db) is not None:
        return None
    newest = backups(db)[:1]
    if newest and newest[0].stat().st_mtime_ns > db.stat().st_mtime_ns:
        return newest[0]  # nothing was written since the newest backup: it is this gradebook
    folder = backup_dir(db)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{db.stem}-{_stamp()}.sqlite"
    _copy_database(db, target)
    for old in backups(db)[keep:]:
        old.unlink(missing_ok=True)
    return target


@dataclass(frozen=True)
class Recovered:
    db: Path
    source: str  # "backup <file>" or "the journal" or "results/*.json"
    runs: int
    scores: int
    replayed: int  # journal entries applied on top of the source
    moved_aside: Path | None


def _copy_database(source: Path, target: Path) -> None:
    """Copy a gradebook with SQLite's backup API into a temp file beside `target`, then rename it
    into place: a copy stopped half-way (backup or restore) never leaves a partial gradebook."""
    src = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        tmp = fsio.staged_path(target)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)
            finally:
                dst.close()
            fsio.commit_staged(tmp, target)
        except BaseException:
            fsio.discard_staged(tmp)
            raise
    finally:
        src.close()


def _move_aside(db: Path) -> Path | None:
    if not db.exists():
        return None
    aside = db.with_name(f"{db.name}.damaged-{_stamp()}")
    os.replace(db, aside)
    for suffix in ("-wal", "-shm", "-journal"):
        side = db.with_name(db.name + suffix)
        if side.exists():
            os.replace(side, aside.with_name(aside.name + suffix))
    return aside


def replay(book: Gradebook, *, only_newer: bool) -> int:
    """Apply the journal's manual-score changes to `book`: every one (`only_newer` False, a
    rebuild) or those whose version is above the stored score's (a restored backup)."""
    applied = 0
    with book.transaction() as db:
        for e in journal.read(book.path or Path()):
            key = (e["homework"], e["part"], e["student_id"], e["item_id"])
            row = db.execute("SELECT version FROM manual_scores WHERE homework = ? AND part = ? AND student_id = ? AND item_id = ?", key).fetchone()
            if only_newer and row is not None and int(row[0]) >= int(e["version"]):
                continue
            book.put_manual_score(key, ManualScore(float(e["points"]), str(e.get("comment") or ""), str(e.get("grader") or ""),
                                                   int(e["version"]), e.get("answer_sha256")), source=f"replayed: {e.get('source') or ''}",
                                  at=str(e.get("at") or utc_now()))
            applied += 1
    return applied


def replay_ledger(book: Gradebook, *, after: str | None) -> int:
    """Apply the journal's ledger imports (all of them, or those made after `after`, an ISO time)."""
    from grader.model import LedgerEntry

    entries = [e for e in journal.read_ledger(book.path or Path()) if after is None or str(e.get("at") or "") >= after]
    with book.transaction():
        for e in entries:
            entry = LedgerEntry(str(e["student_id"]), str(e["homework"]), str(e["part"]), int(e["days"]), e.get("submitted_at"), "import")
            book.put_ledger([entry], at=str(e.get("at") or utc_now()))
    return len(entries)


def _backup_time(path: Path) -> str | None:
    """The UTC time in a backup's name, as ISO (comparable with the journal's times)."""
    try:
        stamp = datetime.strptime(path.stem.rsplit("-", 1)[-1], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return stamp.isoformat(timespec="seconds")


def _counts(book: Gradebook) -> tuple[int, int]:
    runs = int(book.conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0])
    scores = int(book.conn.execute("SELECT COUNT(*) FROM manual_scores").fetchone()[0])
    return runs, scores


def restore(db: Path, *, source: Path | None = None) -> Recovered:
    """Replace `db` by a backup (the newest that is a usable gradebook, or `source`), then replay
    the journal's later changes. GradebookError when there is no usable backup."""
    db = Path(db)
    candidates = [Path(source)] if source is not None else backups(db)
    chosen = next((c for c in candidates if problem(c) is None), None)
    if chosen is None:
        what = str(source) if source is not None else f"no usable backup in {backup_dir(db)}"
        raise GradebookError(f"{db}: cannot restore: {what if source is None else what + ' is not a usable gradebook'}; try `grade gradebook rebuild`")
    aside = _move_aside(db)
    _copy_database(chosen, db)
    with Gradebook.open(db) as book:
        replayed = replay(book, only_newer=True)
        when = _backup_time(chosen)
        replayed += replay_ledger(book, after=when) if when is not None else 0
        book.record_event("restore", f"from {chosen.name}; {replayed} journal change(s) replayed")
        runs, scores = _counts(book)
    return Recovered(db, f"backup {chosen}", runs, scores, replayed, aside)


def rebuild(db: Path) -> Recovered:
    """A new gradebook holding every manual score: the journal replayed in full, plus scores
    found only in results/*.json beside it (`<dir>/results/`, and `<dir>/<homework>/results/` of
    the term layout; older files without a journal). Runs are not rebuilt: the next `grade` run
    records one and diffs against results/."""
    db = Path(db)
    aside = _move_aside(db)
    with Gradebook.open(db) as book:
        replayed = replay(book, only_newer=False) + replay_ledger(book, after=None)
        from_results = 0
        known = {(r[0], r[1], r[2], r[3]) for r in book.conn.execute("SELECT homework, part, student_id, item_id FROM manual_scores")}
        with book.transaction():
            folders = [db.parent, *sorted(p for p in db.parent.iterdir() if p.is_dir() and (p / "results").is_dir())]
            for homework, part, student, item, score in (x for folder in folders for x in _scores_in_results(folder)):
                if (homework, part, student, item) in known:
                    continue
                book.put_manual_score((homework, part, student, item), score, source="rebuilt from results", at=utc_now())
                from_results += 1
        book.record_event("rebuild", f"{replayed} journal change(s), {from_results} score(s) from results/*.json")
        runs, scores = _counts(book)
    source = "the journal" + (f" and {from_results} score(s) in results/*.json" if from_results else "")
    return Recovered(db, source, runs, scores, replayed, aside)


def _scores_in_results(out_dir: Path) -> list[tuple[str, str, str, str, ManualScore]]:
    """Manual scores in results/*.json; the part is run.json's (results do not name it)."""
    out: list[tuple[str, str, str, str, ManualScore]] = []
    try:
        part = str(json.loads((out_dir / "run.json").read_text(encoding="utf-8")).get("part") or "theory")
    except (OSError, ValueError, AttributeError):
        part = "theory"
    from grader.outputs.results import read_results

    for data in read_results(out_dir).values():
        try:
            homework, student = str(data["homework"]), str(data["student_id"])
            for item_id, item in data.get("items", {}).items():
                ms = item.get("manual_score")
                if isinstance(ms, dict) and "points" in ms:
                    out.append((homework, part, student, item_id, ManualScore(float(ms["points"]), str(ms.get("comment") or ""), "recovered", 1)))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return out
