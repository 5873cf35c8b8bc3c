"""The gradebook: an SQLite file holding every grading run, manual scores and the late-day ledger.

* A **run** is one `grade` of a folder: the hashes of the rubric, the reference code, the course
  file and the manifest, each answer file's hash, every adjustment, and the results JSON of each
  student, with its per-item results. Each distinct results JSON is stored once, by its SHA-256
  (`result_docs`, `result_items`), so re-grading unchanged files adds only a row per student. A
  run is written in one transaction, so a run killed midway leaves no trace; the latest run of a
  homework part is its current state.
* **Manual scores** (TA scores of free-text items) are keyed by homework, part, student and item.
  Grading never writes them; `grade manual import` does, and every change is kept in
  `manual_score_history` with the old and new value.
* The **late-day ledger** holds the late days each student drew on each part of each homework
  (written by runs, or imported for homeworks graded elsewhere); the policy reads it to know what
  is left of the term's allowance.

The schema is versioned with `PRAGMA user_version`; `grader.store.migrations.MIGRATIONS` lists the
migrations in order and opening a gradebook applies the missing ones.
The diff between two runs (what a re-grade changed) is `grader.store.diff`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader.config import plural, problem_list
from grader.errors import GraderError
from grader.model import LedgerEntry, ManualScore, SubmissionResult
from grader.numfmt import score_text
from grader.store.migrations import LATEST, MIGRATIONS

DB_NAME = "gradebook.sqlite"


class GradebookError(GraderError):
    """The gradebook file is unusable (not a database, damaged, lost, or written by a newer grader)."""

    exit_code = 6


def _sha256_hex(text: str) -> str:
    """The key of a stored result JSON (`result_docs`)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class GradebookBusyError(GradebookError):
    """Another process held the gradebook's write lock for longer than `LOCK_WAIT` seconds."""

    exit_code = 9


LOCK_WAIT = 30.0  # seconds a writer waits for another process's lock on the gradebook


def holders(path: Path) -> list[str]:
    """Other processes that have `path` open ("1234 python3 grade ..."), from /proc (Linux)."""
    found: list[str] = []
    try:
        target = Path(path).resolve()
        procs = [p for p in Path("/proc").iterdir() if p.name.isdigit() and int(p.name) != os.getpid()]
    except OSError:
        return found
    for proc in procs:
        try:
            if any(Path(os.readlink(fd)) == target for fd in (proc / "fd").iterdir()):
                cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace").strip()
                found.append(f"{proc.name} {cmd[:80]}")
        except OSError:
            continue
    return found


def database_error(path: Path | None, exc: sqlite3.Error) -> GradebookError:
    """One sentence for an SQLite failure on the gradebook at `path`."""
    from grader.terminal import printable

    where = path or "the gradebook"
    text = str(exc)
    if "locked" in text or "busy" in text:
        who = holders(path) if path is not None else []
        by = f" by process {', '.join(printable(w, one_line=True) for w in who)}" if who else " by another program"
        return GradebookBusyError(f"{where} is locked{by} (waited {LOCK_WAIT:g} s); close it there and try again")
    if "disk is full" in text or "disk I/O" in text:
        err = GradebookError(f"{where}: cannot write the gradebook: {text} (free some space; nothing of this run was stored)")
        err.exit_code = 8
        return err
    if "readonly" in text or "read-only" in text:
        err = GradebookError(f"{where}: cannot write the gradebook: it is read-only")
        err.exit_code = 8
        return err
    return GradebookError(f"{where} is damaged ({text}); run `grade gradebook restore` to recover it from the backups")


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


@dataclass(frozen=True)
class RunInfo:
    id: int
    homework: str
    part: str
    started_at: str
    finished_at: str
    rubric_path: str
    rubric_sha256: str
    reference_sha256: str
    course_sha256: str | None
    manifest_sha256: str | None
    folder: str
    grader_version: str
    n_graded: int
    n_unreadable: int


@dataclass(frozen=True)
class RunItem:
    item_id: str
    question: str
    title: str
    kind: str
    max_points: float
    bonus: bool
    manual: bool


@dataclass(frozen=True)
class ScoreChange:
    student_id: str
    item_id: str
    old: ManualScore | None
    new: ManualScore

    @property
    def changed(self) -> bool:
        if self.old is None:
            return True
        return _round(self.old.points) != _round(self.new.points) or self.old.comment != self.new.comment


@dataclass(frozen=True)
class ScoreConflict:
    """A write based on `expected_version` of a score that has changed since (another TA)."""

    student_id: str
    item_id: str
    expected_version: int
    current: ManualScore | None  # the stored score now (None: deleted — not possible today)
    new: ManualScore  # the score the writer wanted to store

    def describe(self) -> str:
        now = self.current
        stored = "no score" if now is None else f"{score_text(now.points)} by {now.grader or 'unknown'} (version {now.version})"
        return (
            f"{self.student_id} {self.item_id}: changed since you saw version {self.expected_version}: "
            f"stored {stored}, yours {score_text(self.new.points)}"
        )


class ScoreConflictError(GraderError):
    """Scores changed by someone else since the writer read them; nothing was stored."""

    exit_code = 7

    def __init__(self, conflicts: Sequence[ScoreConflict], *, head: str = "", hint: str = "") -> None:
        self.conflicts = list(conflicts)
        n = len(self.conflicts)
        head = head or f"{plural(n, 'score')} changed in the gradebook since they were read; nothing was stored"
        super().__init__(problem_list(head + (f" ({hint})" if hint else ""), [c.describe() for c in self.conflicts]))




class Gradebook:
    """An open gradebook. Use `Gradebook.open(path)`, or `Gradebook.snapshot(path)` to read one
    without ever writing to it (dry runs)."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None, *, readonly: bool = False) -> None:
        self.conn = conn
        self.path = path
        self.readonly = readonly

    # ---- opening and migrating ----------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, any_thread: bool = False) -> Gradebook:
        """`any_thread`: the connection may be used from another thread than this one (one at a
        time: `grade review` serves every request on its event loop's thread)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=LOCK_WAIT, check_same_thread=not any_thread)
            book = cls(conn, path)
            book._setup()
            migrate(conn)
        except sqlite3.DatabaseError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text or "full" in text or "readonly" in text or "malformed" in text:
                raise database_error(path, exc) from None
            raise GradebookError(f"{path}: not a usable gradebook: {exc}") from None
        return book

    @classmethod
    def snapshot(cls, path: Path | None) -> Gradebook:
        """An in-memory copy of `path` (empty if it does not exist), migrated in memory: reads see
        the gradebook as it is, and nothing is ever written to the file."""
        mem = sqlite3.connect(":memory:", isolation_level=None)
        if path is not None and Path(path).exists():
            try:
                src = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
                try:
                    src.backup(mem)
                finally:
                    src.close()
            except sqlite3.DatabaseError as exc:
                raise GradebookError(f"{path}: not a usable gradebook: {exc}") from None
        book = cls(mem, Path(path) if path else None, readonly=True)
        book._setup()
        try:
            migrate(mem)
        except sqlite3.DatabaseError as exc:
            raise GradebookError(f"{path}: not a usable gradebook: {exc}") from None
        return book

    def _setup(self) -> None:
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys = ON")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: BEGIN IMMEDIATE (take the write lock now), COMMIT, or ROLLBACK on error.

        Inside an open transaction it joins it (one commit for the whole, e.g. `grade review`
        saving a score together with the rubric entries that make it). An SQLite failure (locked
        past `LOCK_WAIT`, disk full, damaged) becomes one GradebookError sentence; a rollback
        SQLite already did itself never hides it."""
        if self.conn.in_transaction:
            yield self.conn
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise database_error(self.path, exc) from None
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # SQLite already rolled back (disk full): its error, not this one, is the news
            if isinstance(exc, sqlite3.Error):
                raise database_error(self.path, exc) from None
            raise

    # ---- runs ---------------------------------------------------------------------------------

    def record_run(
        self,
        info: dict[str, Any],
        *,
        rubric: Any,
        results: Sequence[SubmissionResult],
        ledger: Sequence[LedgerEntry] = (),
        result_texts: Mapping[str, str] | None = None,
    ) -> int:
        """Store one run (its metadata, every result, the ledger entries it makes) atomically.

        `result_texts`: student id -> the result's JSON as `grader.outputs.results.result_doc` made it,
        so a run that already has it does not build it again."""
        from grader.result_schema import result_doc

        now = utc_now()
        with self.transaction() as db:
            cur = db.execute(
                """INSERT INTO runs (homework, part, started_at, finished_at, rubric_path, rubric_sha256, reference_sha256,
                   course_sha256, manifest_sha256, folder, grader_version, n_graded, n_unreadable)
                   VALUES (:homework, :part, :started_at, :finished_at, :rubric_path, :rubric_sha256, :reference_sha256,
                   :course_sha256, :manifest_sha256, :folder, :grader_version, :n_graded, :n_unreadable)""",
                {"finished_at": now, "course_sha256": None, "manifest_sha256": None, **info},
            )
            run_id = int(cur.lastrowid)  # type: ignore[arg-type]
            db.executemany(
                "INSERT INTO run_items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (run_id, pos, item.id, item.question, item.title, str(item.kind), item.points, int(item.bonus), int(item.manual))
                    for pos, item in enumerate(rubric.items)
                ],
            )
            for r in results:
                # each distinct result JSON (and its item rows) is stored once; runs point at it
                text = result_texts[r.student_id] if result_texts and r.student_id in result_texts else result_doc(r).text
                digest = _sha256_hex(text)
                known = db.execute("SELECT id FROM result_docs WHERE sha256 = ?", (digest,)).fetchone()
                if known is not None:
                    result_id = int(known[0])
                else:
                    result_id = int(db.execute("INSERT INTO result_docs (sha256, text) VALUES (?, ?)", (digest, text)).lastrowid)  # type: ignore[arg-type]
                    db.executemany(
                        "INSERT INTO result_items VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [(result_id, i.item_id, i.status.value, i.points, i.max_points, i.verdict.read_as, i.verdict.feedback) for i in r.items],
                    )
                db.execute(
                    """INSERT INTO submissions (run_id, student_id, source, file_sha256, submitted_at, raw_total, adjustments, total,
                       late_days, result_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (run_id, r.student_id, r.source, r.file_sha256, r.submitted_at, r.raw_total, r.adjustment_points, r.total, r.late_days, result_id),
                )
                db.executemany(
                    "INSERT INTO adjustments VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(run_id, r.student_id, pos, a.kind.value, a.points, a.reason, a.late_days_used) for pos, a in enumerate(r.adjustments)],
                )
            homework, part = info["homework"], info["part"]
            students = [e.student_id for e in ledger]
            db.execute(
                f"""DELETE FROM late_days WHERE homework = ? AND part = ?
                    AND (source = 'run' OR student_id IN ({','.join('?' * len(students))}))""",
                (homework, part, *students),
            )
            db.executemany(
                "INSERT INTO late_days VALUES (?, ?, ?, ?, ?, 'run', ?, ?)",
                [(e.student_id, e.homework, e.part, e.days, e.submitted_at, run_id, now) for e in ledger],
            )
        return run_id

    def _run(self, row: sqlite3.Row | None) -> RunInfo | None:
        return None if row is None else RunInfo(**dict(row))

    def latest_run(self, homework: str | None = None, part: str | None = None) -> RunInfo | None:
        sql = "SELECT * FROM runs WHERE (:hw IS NULL OR homework = :hw) AND (:part IS NULL OR part = :part) ORDER BY id DESC LIMIT 1"
        return self._run(self.conn.execute(sql, {"hw": homework, "part": part}).fetchone())

    def run(self, run_id: int) -> RunInfo | None:
        return self._run(self.conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone())

    def runs(self) -> list[RunInfo]:
        return [RunInfo(**dict(row)) for row in self.conn.execute("SELECT * FROM runs ORDER BY id")]

    def run_items(self, run_id: int) -> list[RunItem]:
        rows = self.conn.execute(
            "SELECT item_id, question, title, kind, max_points, bonus, manual FROM run_items WHERE run_id = ? ORDER BY position", (run_id,)
        )
        return [RunItem(r["item_id"], r["question"], r["title"], r["kind"], r["max_points"], bool(r["bonus"]), bool(r["manual"])) for r in rows]

    def run_results(self, run_id: int) -> dict[str, dict[str, Any]]:
        """student id → that student's results JSON (as in results/<id>.json) in this run."""
        return {sid: json.loads(text) for sid, text in self.run_result_texts(run_id).items()}

    def run_result_texts(self, run_id: int) -> dict[str, str]:
        """student id → that student's results JSON as stored (`grader.outputs.results.ResultDoc.text`)."""
        rows = self.conn.execute(
            "SELECT s.student_id, d.text FROM submissions s JOIN result_docs d ON d.id = s.result_id WHERE s.run_id = ? ORDER BY s.student_id",
            (run_id,),
        )
        return {r["student_id"]: r["text"] for r in rows}

    def item_answer(self, run_id: int, student_id: str, item_id: str) -> tuple[str, str | None, str] | None:
        """(status, read_as, feedback) of one student's item in this run; None if not in it."""
        r = self.conn.execute(
            "SELECT status, read_as, feedback FROM item_results WHERE run_id = ? AND student_id = ? AND item_id = ?", (run_id, student_id, item_id)
        ).fetchone()
        return None if r is None else (r["status"], r["read_as"], r["feedback"])

    def item_answers(self, run_id: int) -> dict[tuple[str, str], tuple[str, str | None, str]]:
        """(student, item) → (status, read_as, feedback) for this run."""
        rows = self.conn.execute("SELECT student_id, item_id, status, read_as, feedback FROM item_results WHERE run_id = ?", (run_id,))
        return {(r["student_id"], r["item_id"]): (r["status"], r["read_as"], r["feedback"]) for r in rows}

    # ---- manual scores ------------------------------------------------------------------------

    def manual_scores(self, homework: str, part: str) -> dict[tuple[str, str], ManualScore]:
        rows = self.conn.execute(
            "SELECT student_id, item_id, points, comment, grader, version, answer_sha256 FROM manual_scores WHERE homework = ? AND part = ?",
            (homework, part),
        )
        return {
            (r["student_id"], r["item_id"]): ManualScore(r["points"], r["comment"], r["grader"], r["version"], r["answer_sha256"]) for r in rows
        }

    def score_at_version(self, homework: str, part: str, student_id: str, item_id: str, version: int) -> ManualScore | None:
        """The score as it was at `version` (from the history); None for version 0 or unknown."""
        row = self.conn.execute(
            """SELECT new_points, new_comment, grader, version, answer_sha256 FROM manual_score_history
               WHERE homework = ? AND part = ? AND student_id = ? AND item_id = ? AND version = ? ORDER BY id DESC LIMIT 1""",
            (homework, part, student_id, item_id, version),
        ).fetchone()
        return None if row is None else ManualScore(row["new_points"], row["new_comment"], row["grader"], row["version"], row["answer_sha256"])

    def set_manual_scores(
        self,
        homework: str,
        part: str,
        scores: Iterable[tuple[str, str, ManualScore]],
        *,
        source: str,
        expected: Mapping[tuple[str, str], int] | None = None,
        overwrite: bool = False,
        mine_too: bool = False,
    ) -> list[ScoreChange]:
        """Upsert scores in one transaction; returns every score with its previous value (changed
        or not). Unchanged scores are not rewritten; each change bumps the score's version.

        `expected`: (student, item) → the version the writer saw (0: no score). A key whose stored
        version differs, and whose stored score differs from the new one, is a conflict: unless
        `overwrite`, `ScoreConflictError` lists every conflict and nothing is stored. The check
        and the write share one write-locked transaction, so two writers cannot both pass it.
        A change by the same grader since `expected` is a conflict only with `mine_too` (the
        workspace: a stale browser tab of the same TA); without it a TA re-importing their own
        sheet replaces their own earlier import."""
        now = utc_now()
        changes: list[ScoreChange] = []
        conflicts: list[ScoreConflict] = []
        written: list[dict[str, Any]] = []
        with self.transaction():
            current = self.manual_scores(homework, part)
            for student, item, score in scores:
                old = current.get((student, item))
                change = ScoreChange(student, item, old, score)
                changes.append(change)
                if not change.changed and not (old is not None and score.answer_sha256 and old.answer_sha256 != score.answer_sha256):
                    continue
                seen = None if expected is None else expected.get((student, item))
                stored_version = 0 if old is None else old.version
                if seen is not None and seen != stored_version and change.changed and not overwrite:
                    if mine_too or self._changed_by_others(homework, part, student, item, since=seen, grader=score.grader):
                        conflicts.append(ScoreConflict(student, item, seen, old, score))
                        continue
                version = stored_version + 1
                self.put_manual_score((homework, part, student, item), replace(score, version=version), source=source, at=now, old=old)
                written.append({
                    "homework": homework, "part": part, "student_id": student, "item_id": item, "points": score.points,
                    "comment": score.comment, "grader": score.grader, "version": version, "answer_sha256": score.answer_sha256,
                    "source": source, "at": now,
                })
            if conflicts:
                raise ScoreConflictError(conflicts)
        if written and not self.readonly and self.path is not None:
            # after the commit: the history never holds a change the TA was told was not stored
            from grader.store import journal

            try:
                journal.append(self.path, written)
            except OSError as exc:
                err = GradebookError(
                    f"the scores were stored in {self.path}, but not in its history file {journal.journal_path(self.path)} "
                    f"({exc.strerror or exc}); free some space, then run `grade gradebook check`"
                )
                err.exit_code = 8
                raise err from None
        return changes

    def put_manual_score(
        self, key: tuple[str, str, str, str], score: ManualScore, *, source: str, at: str, old: ManualScore | None = None
    ) -> None:
        """Write one score at `score.version` and its history row, no questions asked: the
        caller holds the transaction and did the checks (`set_manual_scores`, a recovery replay)."""
        homework, part, student, item = key
        self.conn.execute(
            """INSERT INTO manual_scores (homework, part, student_id, item_id, points, comment, grader, updated_at, version, answer_sha256)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (homework, part, student_id, item_id) DO UPDATE SET
               points = excluded.points, comment = excluded.comment, grader = excluded.grader, updated_at = excluded.updated_at,
               version = excluded.version, answer_sha256 = excluded.answer_sha256""",
            (homework, part, student, item, score.points, score.comment, score.grader, at, score.version, score.answer_sha256),
        )
        self.conn.execute(
            """INSERT INTO manual_score_history
               (homework, part, student_id, item_id, old_points, new_points, old_comment, new_comment, grader, source, changed_at,
                version, answer_sha256)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                homework, part, student, item,
                None if old is None else old.points, score.points,
                None if old is None else old.comment, score.comment,
                score.grader, source, at, score.version, score.answer_sha256,
            ),
        )

    def record_event(self, kind: str, detail: str) -> None:
        """Note a restore or rebuild in the gradebook itself."""
        with self.transaction() as db:
            db.execute("INSERT INTO gradebook_events (kind, detail, at) VALUES (?, ?, ?)", (kind, detail, utc_now()))

    def _changed_by_others(self, homework: str, part: str, student: str, item: str, *, since: int, grader: str) -> bool:
        """Whether anyone but `grader` changed the score after version `since` (a TA re-importing
        their own sheet only replaces their own earlier import)."""
        row = self.conn.execute(
            """SELECT 1 FROM manual_score_history WHERE homework = ? AND part = ? AND student_id = ? AND item_id = ?
               AND (version IS NULL OR version > ?) AND (grader != ? OR ? = '') LIMIT 1""",
            (homework, part, student, item, since, grader, grader),
        ).fetchone()
        return row is not None

    def score_history(self, homework: str, part: str) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT * FROM manual_score_history WHERE homework = ? AND part = ? ORDER BY id", (homework, part))
        return [dict(r) for r in rows]

    # ---- the late-day ledger ------------------------------------------------------------------

    def ledger(self) -> dict[str, list[LedgerEntry]]:
        out: dict[str, list[LedgerEntry]] = {}
        rows = self.conn.execute("SELECT student_id, homework, part, days, submitted_at, source FROM late_days ORDER BY student_id, homework, part")
        for r in rows:
            out.setdefault(r["student_id"], []).append(LedgerEntry(r["student_id"], r["homework"], r["part"], r["days"], r["submitted_at"], r["source"]))
        return out

    def import_ledger(self, entries: Sequence[LedgerEntry]) -> None:
        """Set late days used on homeworks graded elsewhere (source 'import'), in one transaction."""
        now = utc_now()
        with self.transaction():
            self.put_ledger(entries, at=now)
        if not self.readonly and self.path is not None:  # a TA's data: also in the history file
            from grader.store import journal

            journal.append_ledger(self.path, [{**e.__dict__, "at": now} for e in entries])

    def put_ledger(self, entries: Sequence[LedgerEntry], *, at: str) -> None:
        """Write imported ledger rows in the caller's transaction (`import_ledger`, a recovery)."""
        self.conn.executemany(
            """INSERT INTO late_days VALUES (?, ?, ?, ?, ?, 'import', NULL, ?)
               ON CONFLICT (student_id, homework, part) DO UPDATE SET
               days = excluded.days, submitted_at = excluded.submitted_at, source = 'import', run_id = NULL, updated_at = excluded.updated_at""",
            [(e.student_id, e.homework, e.part, e.days, e.submitted_at, at) for e in entries],
        )


def migrate(conn: sqlite3.Connection, *, target: int = LATEST) -> int:
    """Apply every migration above the database's version up to `target`; returns the version.

    Each migration and its `user_version` bump commit together, so a crash between migrations
    leaves a database at a well-defined older version, and the next open continues from there.
    """
    conn.create_function("sha256_hex", 1, _sha256_hex, deterministic=True)  # used by migration 5
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if current > LATEST:
        raise GradebookError(f"the gradebook has schema version {current}, but this grader knows only up to {LATEST}; update hwgrader")
    for migration in MIGRATIONS:
        if current < migration.version <= target:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in migration.statements:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {int(migration.version)}")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            current = migration.version
    return current


def default_db(out_dir: Path) -> Path:
    return Path(out_dir) / DB_NAME
