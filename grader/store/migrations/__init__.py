"""Gradebook schema migrations, in order. Never edit a released migration: append a new one.

Each migration is a version number, a one-line description and a list of SQL statements. The
gradebook applies every migration above the file's `PRAGMA user_version` in order, each in its
own transaction together with the new `user_version`, so a database is always at exactly one
version (see grader/store/gradebook.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "runs, per-student and per-item results, manual scores, the late-day ledger",
        (
            """CREATE TABLE runs (
                id INTEGER PRIMARY KEY,
                homework TEXT NOT NULL,
                part TEXT NOT NULL,
                started_at TEXT NOT NULL,
                finished_at TEXT NOT NULL,
                rubric_path TEXT NOT NULL,
                rubric_sha256 TEXT NOT NULL,
                reference_sha256 TEXT NOT NULL,
                course_sha256 TEXT,
                manifest_sha256 TEXT,
                folder TEXT NOT NULL,
                grader_version TEXT NOT NULL,
                n_graded INTEGER NOT NULL,
                n_unreadable INTEGER NOT NULL
            )""",
            "CREATE INDEX runs_homework ON runs (homework, part, id)",
            """CREATE TABLE run_items (
                run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                item_id TEXT NOT NULL,
                question TEXT NOT NULL,
                title TEXT NOT NULL,
                kind TEXT NOT NULL,
                max_points REAL NOT NULL,
                bonus INTEGER NOT NULL,
                manual INTEGER NOT NULL,
                PRIMARY KEY (run_id, item_id)
            )""",
            """CREATE TABLE submissions (
                run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                student_id TEXT NOT NULL,
                source TEXT NOT NULL,
                file_sha256 TEXT,
                submitted_at TEXT,
                raw_total REAL NOT NULL,
                adjustments REAL NOT NULL,
                total REAL NOT NULL,
                late_days INTEGER NOT NULL,
                result_json TEXT NOT NULL,
                PRIMARY KEY (run_id, student_id)
            )""",
            """CREATE TABLE item_results (
                run_id INTEGER NOT NULL,
                student_id TEXT NOT NULL,
                item_id TEXT NOT NULL,
                status TEXT NOT NULL,
                points REAL NOT NULL,
                max_points REAL NOT NULL,
                read_as TEXT,
                feedback TEXT NOT NULL,
                PRIMARY KEY (run_id, student_id, item_id),
                FOREIGN KEY (run_id, student_id) REFERENCES submissions (run_id, student_id) ON DELETE CASCADE
            )""",
            """CREATE TABLE adjustments (
                run_id INTEGER NOT NULL,
                student_id TEXT NOT NULL,
                position INTEGER NOT NULL,
                kind TEXT NOT NULL,
                points REAL NOT NULL,
                reason TEXT NOT NULL,
                late_days_used INTEGER NOT NULL,
                PRIMARY KEY (run_id, student_id, position),
                FOREIGN KEY (run_id, student_id) REFERENCES submissions (run_id, student_id) ON DELETE CASCADE
            )""",
            """CREATE TABLE manual_scores (
                homework TEXT NOT NULL,
                part TEXT NOT NULL,
                student_id TEXT NOT NULL,
                item_id TEXT NOT NULL,
                points REAL NOT NULL,
                comment TEXT NOT NULL DEFAULT '',
                grader TEXT NOT NULL DEFAULT '',
                updated_at TEXT NOT NULL,
                PRIMARY KEY (homework, part, student_id, item_id)
            )""",
            """CREATE TABLE late_days (
                student_id TEXT NOT NULL,
                homework TEXT NOT NULL,
                part TEXT NOT NULL,
                days INTEGER NOT NULL CHECK (days >= 0),
                submitted_at TEXT,
                source TEXT NOT NULL,
                run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (student_id, homework, part)
            )""",
        ),
    ),
    Migration(
        2,
        "history of manual-score changes (who changed what, old and new); manual scores by student",
        (
            """CREATE TABLE manual_score_history (
                id INTEGER PRIMARY KEY,
                homework TEXT NOT NULL,
                part TEXT NOT NULL,
                student_id TEXT NOT NULL,
                item_id TEXT NOT NULL,
                old_points REAL,
                new_points REAL NOT NULL,
                old_comment TEXT,
                new_comment TEXT NOT NULL,
                grader TEXT NOT NULL DEFAULT '',
                source TEXT NOT NULL,
                changed_at TEXT NOT NULL
            )""",
            # scores that existed before the history: one 'migrated' entry each, so every current
            # score has a history row
            """INSERT INTO manual_score_history
                (homework, part, student_id, item_id, old_points, new_points, old_comment, new_comment, grader, source, changed_at)
               SELECT homework, part, student_id, item_id, NULL, points, NULL, comment, grader, 'migrated', updated_at
               FROM manual_scores ORDER BY homework, part, student_id, item_id""",
            "CREATE INDEX manual_scores_student ON manual_scores (student_id)",
        ),
    ),
    Migration(
        3,
        "manual scores carry a version (optimistic concurrency) and the hash of the answer they graded",
        (
            "ALTER TABLE manual_scores ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
            "ALTER TABLE manual_scores ADD COLUMN answer_sha256 TEXT",
            "ALTER TABLE manual_score_history ADD COLUMN version INTEGER",
            "ALTER TABLE manual_score_history ADD COLUMN answer_sha256 TEXT",
            # every history row is one change: its version is its position in the key's history
            """UPDATE manual_score_history SET version = (
                   SELECT COUNT(*) FROM manual_score_history h
                   WHERE h.homework = manual_score_history.homework AND h.part = manual_score_history.part
                   AND h.student_id = manual_score_history.student_id AND h.item_id = manual_score_history.item_id
                   AND h.id <= manual_score_history.id)""",
            """UPDATE manual_scores SET version = MAX(1, (
                   SELECT COUNT(*) FROM manual_score_history h
                   WHERE h.homework = manual_scores.homework AND h.part = manual_scores.part
                   AND h.student_id = manual_scores.student_id AND h.item_id = manual_scores.item_id))""",
        ),
    ),
    Migration(
        4,
        "grade review: rubric entries per manual item, which entries each answer got, adjustments",
        (
            """CREATE TABLE review_entries (
                id INTEGER PRIMARY KEY,
                homework TEXT NOT NULL,
                part TEXT NOT NULL,
                item_id TEXT NOT NULL,
                points REAL NOT NULL,
                comment TEXT NOT NULL,
                origin TEXT NOT NULL,
                created_by TEXT NOT NULL DEFAULT '',
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            )""",
            "CREATE INDEX review_entries_item ON review_entries (homework, part, item_id)",
            """CREATE TABLE review_applied (
                homework TEXT NOT NULL,
                part TEXT NOT NULL,
                student_id TEXT NOT NULL,
                item_id TEXT NOT NULL,
                entry_id INTEGER NOT NULL REFERENCES review_entries (id) ON DELETE CASCADE,
                PRIMARY KEY (homework, part, student_id, item_id, entry_id)
            )""",
            "CREATE INDEX review_applied_entry ON review_applied (entry_id)",
            """CREATE TABLE review_adjustments (
                homework TEXT NOT NULL,
                part TEXT NOT NULL,
                student_id TEXT NOT NULL,
                item_id TEXT NOT NULL,
                points REAL NOT NULL DEFAULT 0,
                comment TEXT NOT NULL DEFAULT '',
                PRIMARY KEY (homework, part, student_id, item_id)
            )""",
        ),
    ),
    Migration(
        5,
        "each distinct result JSON stored once, by its SHA-256; item results once per distinct result",
        (
            # A re-grade of unchanged files stored every student's JSON and item rows again (42 MB
            # per run of 1,000 students); runs now point at one copy. sha256_hex is registered on
            # the connection by grader.store.gradebook.migrate.
            "CREATE TABLE result_docs (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, text TEXT NOT NULL)",
            """CREATE TABLE result_items (
                result_id INTEGER NOT NULL REFERENCES result_docs (id),
                item_id TEXT NOT NULL,
                status TEXT NOT NULL,
                points REAL NOT NULL,
                max_points REAL NOT NULL,
                read_as TEXT,
                feedback TEXT NOT NULL,
                PRIMARY KEY (result_id, item_id)
            )""",
            "ALTER TABLE submissions ADD COLUMN result_id INTEGER REFERENCES result_docs (id)",
            "INSERT OR IGNORE INTO result_docs (sha256, text) SELECT sha256_hex(result_json), result_json FROM submissions ORDER BY run_id, student_id",
            "UPDATE submissions SET result_id = (SELECT id FROM result_docs WHERE sha256 = sha256_hex(submissions.result_json))",
            """INSERT OR IGNORE INTO result_items
               SELECT s.result_id, i.item_id, i.status, i.points, i.max_points, i.read_as, i.feedback
               FROM item_results i JOIN submissions s ON s.run_id = i.run_id AND s.student_id = i.student_id""",
            "DROP TABLE item_results",
            "ALTER TABLE submissions DROP COLUMN result_json",
            "CREATE INDEX submissions_result ON submissions (result_id)",
            # readers of the old per-run table (grade review) see the same rows through a view
            """CREATE VIEW item_results AS
               SELECT s.run_id, s.student_id, i.item_id, i.status, i.points, i.max_points, i.read_as, i.feedback
               FROM submissions s JOIN result_items i ON i.result_id = s.result_id""",
        ),
    ),
    Migration(
        6,
        "gradebook events: restores and rebuilds (so a recovered gradebook without runs is not 'empty')",
        (
            """CREATE TABLE gradebook_events (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL,
                detail TEXT NOT NULL,
                at TEXT NOT NULL
            )""",
        ),
    ),
)

LATEST = MIGRATIONS[-1].version
