"""What `grade review` reads and writes: the gradebook's manual items, answers, scores and the
workspace's rubric entries.

There is one store, the gradebook. A score given in the workspace is written with
`Gradebook.set_manual_scores`, the code the CSV import uses, so it lands in `manual_scores` and
`manual_score_history` with the TA's name, and the next `grade` run merges it like an imported
one. The workspace's own tables (migration 3) hold only what a sheet has no column for: the
rubric entries of each item, which entries each answer got, and the free adjustment.

A score is written only if it is still the one the TA saw (by whoever changed it since, the same
TA in another browser tab too): each save passes the
`ManualScore.version` the page showed (0: none) to the gradebook's version check
(`grader.store.manual.set_score` for one answer, `Gradebook.set_manual_scores(expected=...)`, which it
wraps, for a group or an entry edit); a score another TA changed since is a `Conflict` carrying
both values, and nothing of that save is written (a group is saved whole or not at all).

An item's score from entries: the applied entries' points summed and clamped to [0, max], plus
the adjustment, clamped again to [0, max] (a score outside the item's points cannot be stored).
The comment the student sees lists the entries (with their points) and the adjustment's comment.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import GraderError
from grader.model import ManualScore
from grader.numfmt import score_text
from grader.review.normalize import answer_key
from grader.review.pages import AppendedPages
from grader.rubric import Item, Rubric
from grader.store.gradebook import Gradebook, RunInfo, RunItem, utc_now

SOURCE = "review"  # manual_score_history.source of the workspace's changes


class ReviewError(GraderError):
    """A request the workspace cannot carry out (unknown item or entry, bad number)."""

    exit_code = 2




def signed(x: float) -> str:
    return ("+" if x > 0 else "") + score_text(x)


@dataclass(frozen=True)
class Entry:
    id: int
    item_id: str
    points: float
    comment: str
    origin: str  # "rubric" (from manual_rubric in the YAML) or "workspace"
    created_by: str


@dataclass(frozen=True)
class Answer:
    student_id: str
    label: str  # the anonymous name: "#17"
    status: str
    text: str
    key: str  # answer_key(text): identical answers share it


@dataclass(frozen=True)
class Grade:
    """The stored state of one student × item."""

    score: ManualScore | None
    version: int
    applied: frozenset[int] = frozenset()
    adjustment: float = 0.0
    note: str = ""

    @property
    def graded(self) -> bool:
        return self.score is not None


@dataclass(frozen=True)
class Conflict:
    student_id: str
    label: str
    theirs: ManualScore | None  # what is stored now
    mine: ManualScore  # what this save would have written
    version: int  # the current version, to overwrite on purpose
    applied: frozenset[int] = frozenset()  # the state that makes `mine`
    adjustment: float = 0.0
    note: str = ""


@dataclass
class SaveOutcome:
    saved: int = 0
    unchanged: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # labels whose score was set elsewhere (entry edits)


@dataclass(frozen=True)
class ItemInfo:
    """A manual item with what the page shows about it."""

    item_id: str
    question: str
    title: str
    title_fa: str | None
    question_title: str
    question_title_fa: str | None
    max_points: float
    bonus: bool
    notes: str


def compose(entries: Sequence[Entry], adjustment: float, note: str, max_points: float, grader: str) -> ManualScore:
    """The score and student-visible comment that these entries and adjustment give."""
    base = min(max(sum(e.points for e in entries), 0.0), max_points)
    points = round(min(max(base + adjustment, 0.0), max_points), 4)
    parts = [f"{e.comment.strip()} ({signed(e.points)})" for e in entries]
    if adjustment:
        parts.append(f"{note.strip() or 'adjustment'} ({signed(adjustment)})")
    elif note.strip():
        parts.append(note.strip())
    return ManualScore(points, " · ".join(parts), grader)


def _same(a: ManualScore | None, b: ManualScore | None) -> bool:
    if a is None or b is None:
        return a is b
    return round(a.points, 4) == round(b.points, 4) and a.comment == b.comment


class ReviewStore:
    """The workspace's view of one homework part in a gradebook (its latest grading run)."""

    def __init__(self, book: Gradebook, *, rubric: Rubric | None = None, homework: str | None = None, part: str | None = None) -> None:
        from grader.store.manual import pick_run

        self.book = book
        self.run: RunInfo = pick_run(book, homework, part)
        self.homework, self.part = self.run.homework, self.run.part
        self.rubric = rubric
        self._answers: dict[str, list[Answer]] = {}
        self._answers_run = -1
        self._labels: dict[str, str] = {}
        self._order: dict[str, int] = {}
        self._labels_run = -1
        self._reported: dict[tuple[str, str], tuple[float, str] | None] = {}
        self._reported_students: set[str] = set()
        self._reported_run = -1
        self.refresh()
        self.seed_rubric_entries()

    # ---- the run and its items ------------------------------------------------------------------

    def refresh(self) -> None:
        """Follow a newer grading run of the same homework part (a re-grade while serving)."""
        latest = self.book.latest_run(self.homework, self.part)
        if latest is not None and latest.id != self.run.id:
            self.run = latest
        if self._answers_run != self.run.id:
            self._run_items = self.book.run_items(self.run.id)
            self._items = [i for i in self._run_items if i.manual]
            self._answers = {}

    @property
    def items(self) -> list[ItemInfo]:
        return [self._info(i) for i in self._items]

    def item(self, item_id: str) -> ItemInfo:
        return self._info(self._run_item(item_id))

    def _run_item(self, item_id: str) -> RunItem:
        for i in self._items:
            if i.item_id == item_id:
                return i
        raise ReviewError(f"no manual item {item_id!r} in {self.homework} {self.part}")

    def _rubric_item(self, item_id: str) -> Item | None:
        if self.rubric is None:
            return None
        try:
            return self.rubric.item(item_id)
        except KeyError:
            return None

    def _info(self, run_item: RunItem) -> ItemInfo:
        item = self._rubric_item(run_item.item_id)
        question = None
        if self.rubric is not None:
            question = next((q for q in self.rubric.questions if q.id == run_item.question), None)
        return ItemInfo(
            item_id=run_item.item_id,
            question=run_item.question,
            title=run_item.title,
            title_fa=item.title_fa if item else None,
            question_title=question.title if question else run_item.question,
            question_title_fa=question.title_fa if question else None,
            max_points=run_item.max_points,
            bonus=run_item.bonus,
            notes=item.notes if item else "",
        )

    # ---- answers --------------------------------------------------------------------------------

    def _load_labels(self) -> dict[str, str]:
        """student → anonymous label over the run's students (read once per run)."""
        if self._labels_run != self.run.id:
            rows = self.book.conn.execute("SELECT DISTINCT student_id FROM item_results WHERE run_id = ?", (self.run.id,))
            students = sorted((r[0] for r in rows), key=self._anonymous_order)
            self._labels = {s: f"#{n}" for n, s in enumerate(students, start=1)}
            self._order = {s: n for n, s in enumerate(students)}
            self._labels_run = self.run.id
        return self._labels

    def _load_answers(self, item_id: str) -> list[Answer]:
        """One item's answers to grade, in anonymous order, read on first use: a page needs one
        item's texts and keys, not the run's every answer (19,000 texts at 1,000 students)."""
        if self._answers_run != self.run.id:
            self._answers, self._answers_run = {}, self.run.id
        if item_id not in self._answers:
            labels = self._load_labels()
            rows = self.book.conn.execute(
                "SELECT student_id, status, read_as FROM item_results WHERE run_id = ? AND item_id = ? AND status != 'missing' AND read_as IS NOT NULL",
                (self.run.id, item_id),
            ).fetchall()
            answers = [Answer(r[0], labels[r[0]], r[1], str(r[2]), answer_key(str(r[2]))) for r in rows]
            answers.sort(key=lambda a: self._order[a.student_id])
            self._answers[item_id] = answers
        return self._answers[item_id]

    def _anonymous_order(self, student: str) -> str:
        """A fixed order that does not follow the ids (no grading in id order, which leaks years)."""
        return hashlib.sha256(f"{self.homework}:{self.part}:{student}".encode()).hexdigest()

    def answers(self, item_id: str) -> list[Answer]:
        self.item(item_id)
        return self._load_answers(item_id)

    def label(self, student: str) -> str:
        return self._load_labels().get(student, "?")

    def groups(self, item_id: str) -> list[list[Answer]]:
        """Answers with the same key, largest group first (ties in anonymous order)."""
        by_key: dict[str, list[Answer]] = {}
        for a in self.answers(item_id):
            by_key.setdefault(a.key, []).append(a)
        return sorted(by_key.values(), key=lambda g: -len(g))

    def context(self, student: str, item_id: str) -> list[tuple[str, str, str | None]]:
        """The student's other answers to the same question: (item id, title, read-as or None)."""
        question = item_id.split(".", 1)[0]
        titles = {i.item_id: i.title for i in self._run_items}
        rows = self.book.conn.execute(
            "SELECT item_id, status, read_as FROM item_results WHERE run_id = ? AND student_id = ? AND item_id LIKE ? ORDER BY item_id",
            (self.run.id, student, question + ".%"),
        )
        return [(r["item_id"], titles.get(r["item_id"], ""), r["read_as"]) for r in rows if r["item_id"] != item_id]

    def appended_pages(self, student: str) -> AppendedPages | None:
        """The pages this student appended to their PDF answer sheet (None: not a PDF sheet, or
        none appended), found through the run's submissions, never from a path in a request."""
        from grader.review.pages import appended_pages

        return appended_pages(self.book, self.run, student)

    @property
    def page_cache(self) -> Path:
        """Where page images are cached: beside the gradebook, in the output folder."""
        return (Path(self.book.path).parent if self.book.path is not None else Path(".")) / "review-pages"

    # ---- grades ---------------------------------------------------------------------------------

    def grades(self, item_id: str, students: Iterable[str] | None = None) -> dict[str, Grade]:
        """student → Grade for every student with a score or workspace state on this item."""
        hw, part, conn = self.homework, self.part, self.book.conn
        wanted = None if students is None else set(students)
        scores: dict[str, ManualScore] = {}
        for r in conn.execute(
            "SELECT student_id, points, comment, grader, version, answer_sha256 FROM manual_scores WHERE homework = ? AND part = ? AND item_id = ?",
            (hw, part, item_id),
        ):
            scores[r["student_id"]] = ManualScore(r["points"], r["comment"], r["grader"], r["version"], r["answer_sha256"])
        applied: dict[str, set[int]] = {}
        for r in conn.execute("SELECT student_id, entry_id FROM review_applied WHERE homework = ? AND part = ? AND item_id = ?", (hw, part, item_id)):
            applied.setdefault(r[0], set()).add(int(r[1]))
        adjust = {
            r[0]: (float(r[1]), str(r[2]))
            for r in conn.execute("SELECT student_id, points, comment FROM review_adjustments WHERE homework = ? AND part = ? AND item_id = ?", (hw, part, item_id))
        }
        out: dict[str, Grade] = {}
        for student in set(scores) | set(applied) | set(adjust):
            if wanted is not None and student not in wanted:
                continue
            points, note = adjust.get(student, (0.0, ""))
            score = scores.get(student)
            out[student] = Grade(score, 0 if score is None else score.version, frozenset(applied.get(student, ())), points, note)
        return out

    def from_entries(self, grade: Grade, entries: Mapping[int, Entry], max_points: float, grader: str = "") -> ManualScore | None:
        """What the entries and adjustment of `grade` give, or None if it has none."""
        if not grade.applied and not grade.adjustment and not grade.note:
            return None
        chosen = sorted((entries[e] for e in grade.applied if e in entries), key=lambda e: e.id)
        return compose(chosen, grade.adjustment, grade.note, max_points, grader)

    def set_elsewhere(self, grade: Grade, entries: Mapping[int, Entry], max_points: float) -> bool:
        """True when the stored score is not what the workspace's entries give (a sheet set it)."""
        if grade.score is None:
            return False
        return not _same(grade.score, self.from_entries(grade, entries, max_points))

    def progress(self, item_id: str | None = None) -> dict[str, dict[str, Any]]:
        """item → {graded, total, by: {grader: count}} over the answers to grade, of every item or
        of `item_id` only (one query: counts, not texts)."""
        items = self._items if item_id is None else [self._run_item(item_id)]
        out: dict[str, dict[str, Any]] = {i.item_id: {"graded": 0, "total": 0, "by": {}} for i in items}
        rows = self.book.conn.execute(
            f"""SELECT r.item_id, m.student_id IS NOT NULL, COALESCE(m.grader, ''), COUNT(*) FROM item_results r
               LEFT JOIN manual_scores m ON m.homework = ? AND m.part = ? AND m.student_id = r.student_id AND m.item_id = r.item_id
               WHERE r.run_id = ? AND r.item_id IN ({", ".join("?" * len(out))}) AND r.status != 'missing' AND r.read_as IS NOT NULL
               GROUP BY 1, 2, 3""",  # noqa: S608 - placeholders only
            (self.homework, self.part, self.run.id, *out),
        )
        for item_id, graded, grader, count in rows:
            p = out[item_id]
            p["total"] += count
            if graded:
                p["graded"] += count
                p["by"][grader or "(no name)"] = p["by"].get(grader or "(no name)", 0) + count
        for p in out.values():
            p["by"] = dict(sorted(p["by"].items()))
        return out

    def stale_reports(self) -> list[str]:
        """Students whose stored manual scores differ from the latest run's results (their
        results, reports and exports are out of date until the next `grade` run).

        Only a score changed since the run started can differ from what the run reported (the
        run read the scores after it started), so only those students' results are read, each
        once per run."""
        import json

        if self._reported_run != self.run.id:
            self._reported, self._reported_students, self._reported_run = {}, set(), self.run.id
        rows = self.book.conn.execute(
            "SELECT student_id, item_id, points, comment FROM manual_scores WHERE homework = ? AND part = ? AND updated_at >= ?",
            (self.homework, self.part, self.run.started_at),
        ).fetchall()
        unread = sorted({r["student_id"] for r in rows} - self._reported_students)
        manual = {i.item_id for i in self._items}
        for start in range(0, len(unread), 500):
            batch = unread[start : start + 500]
            docs = self.book.conn.execute(
                f"""SELECT s.student_id, d.text FROM submissions s JOIN result_docs d ON d.id = s.result_id
                    WHERE s.run_id = ? AND s.student_id IN ({", ".join("?" * len(batch))})""",  # noqa: S608 - placeholders only
                (self.run.id, *batch),
            )
            for student, text in docs:
                for item_id, value in json.loads(text).get("items", {}).items():
                    if item_id in manual:
                        ms = value.get("manual_score")
                        self._reported[(student, item_id)] = None if ms is None else (round(float(ms["points"]), 4), str(ms["comment"]))
            self._reported_students.update(batch)
        stale: set[str] = set()
        for r in rows:
            key = (r["student_id"], r["item_id"])
            if key in self._reported and self._reported[key] != (round(float(r["points"]), 4), str(r["comment"])):
                stale.add(r["student_id"])
        return sorted(stale)

    # ---- entries --------------------------------------------------------------------------------

    def entries(self, item_id: str) -> list[Entry]:
        rows = self.book.conn.execute(
            "SELECT id, item_id, points, comment, origin, created_by FROM review_entries WHERE homework = ? AND part = ? AND item_id = ? ORDER BY id",
            (self.homework, self.part, item_id),
        )
        return [Entry(r["id"], r["item_id"], r["points"], r["comment"], r["origin"], r["created_by"]) for r in rows]

    def entry(self, entry_id: int) -> Entry:
        r = self.book.conn.execute(
            "SELECT id, item_id, points, comment, origin, created_by FROM review_entries WHERE id = ? AND homework = ? AND part = ?",
            (entry_id, self.homework, self.part),
        ).fetchone()
        if r is None:
            raise ReviewError(f"no rubric entry {entry_id}")
        return Entry(r["id"], r["item_id"], r["points"], r["comment"], r["origin"], r["created_by"])

    def entry_uses(self, item_id: str) -> dict[int, int]:
        rows = self.book.conn.execute(
            "SELECT entry_id, COUNT(*) FROM review_applied WHERE homework = ? AND part = ? AND item_id = ? GROUP BY entry_id",
            (self.homework, self.part, item_id),
        )
        return {int(r[0]): int(r[1]) for r in rows}

    def _check_entry(self, item: ItemInfo, points: float, comment: str) -> None:
        if not comment.strip():
            raise ReviewError("a rubric entry needs the comment the student sees")
        if points == 0 or abs(points) > item.max_points:
            raise ReviewError(f"expected entry points within ±{score_text(item.max_points)} and not 0, got {score_text(points)}")
        if len(comment) > 500:
            raise ReviewError(f"expected a comment of at most 500 characters, got {len(comment)}")

    def add_entry(self, item_id: str, points: float, comment: str, *, by: str, origin: str = "workspace") -> Entry:
        item = self.item(item_id)
        self._check_entry(item, points, comment)
        if any(e.comment.strip() == comment.strip() for e in self.entries(item_id)):
            raise ReviewError(f"{item_id} already has the entry {comment.strip()!r}")
        now = utc_now()
        with self.book.transaction() as db:
            cur = db.execute(
                "INSERT INTO review_entries (homework, part, item_id, points, comment, origin, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.homework, self.part, item_id, round(points, 4), comment.strip(), origin, by, now, now),
            )
        return self.entry(int(cur.lastrowid))  # type: ignore[arg-type]

    def seed_rubric_entries(self) -> int:
        """Add the rubric's `manual_rubric` entries that the gradebook does not have yet (matched
        by comment), so entries written before the submissions arrived are there to apply."""
        if self.rubric is None:
            return 0
        added = 0
        for run_item in self._items:
            item = self._rubric_item(run_item.item_id)
            if item is None or not item.manual_rubric:
                continue
            have = {e.comment.strip() for e in self.entries(run_item.item_id)}
            for spec in item.manual_rubric:
                if spec.comment.strip() not in have and abs(spec.points) <= run_item.max_points:
                    self.add_entry(run_item.item_id, spec.points, spec.comment, by="rubric", origin="rubric")
                    added += 1
        return added

    def export_entries(self) -> str:
        """Every item's entries as YAML `manual_rubric:` lists, to paste into next term's rubric."""
        import yaml

        doc: dict[str, Any] = {}
        for item in self._items:
            entries = self.entries(item.item_id)
            if entries:
                doc[item.item_id] = {"manual_rubric": [{"points": round(e.points, 4), "comment": e.comment} for e in entries]}
        head = f"# rubric entries of {self.homework} {self.part} from grade review; paste each list under its item in the rubric\n"
        return head + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)

    # ---- saving ---------------------------------------------------------------------------------

    def _state(self, item_id: str, student: str, applied: frozenset[int], adjustment: float, note: str) -> None:
        """Inside the save's transaction: the workspace state that makes the student's score."""
        hw, part, db = self.homework, self.part, self.book.conn
        db.execute("DELETE FROM review_applied WHERE homework = ? AND part = ? AND student_id = ? AND item_id = ?", (hw, part, student, item_id))
        db.executemany("INSERT INTO review_applied VALUES (?, ?, ?, ?, ?)", [(hw, part, student, item_id, e) for e in sorted(applied)])
        if adjustment or note:
            db.execute(
                """INSERT INTO review_adjustments VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (homework, part, student_id, item_id)
                   DO UPDATE SET points = excluded.points, comment = excluded.comment""",
                (hw, part, student, item_id, adjustment, note),
            )
        else:
            db.execute("DELETE FROM review_adjustments WHERE homework = ? AND part = ? AND student_id = ? AND item_id = ?", (hw, part, student, item_id))

    def _store(self, item_id: str, rows: Sequence[tuple[str, ManualScore, int]], *, source: str, overwrite: bool = False) -> int:
        """Write (student, score, expected version) rows with the gradebook's version check, inside
        the caller's transaction; ScoreConflictError (nothing kept) when another TA got there first.
        Returns the number of stored scores that changed."""
        from grader.store.manual import set_score

        hw, part = self.homework, self.part
        if len(rows) == 1:
            student, score, expected = rows[0]
            change = set_score(
                self.book, homework=hw, part=part, student_id=student, item_id=item_id, points=score.points, comment=score.comment,
                grader=score.grader, expected_version=expected, answer_sha256=score.answer_sha256, source=source, overwrite=overwrite, mine_too=True,
            )
            return int(change.changed)
        changes = self.book.set_manual_scores(
            hw, part, [(s, item_id, score) for s, score, _ in rows], source=source,
            expected={(s, item_id): v for s, _, v in rows}, overwrite=overwrite, mine_too=True,
        )
        return sum(c.changed for c in changes)

    def _save_each(self, item_id: str, targets: Mapping[str, int], grader: str, change: Any, *, overwrite: bool = False) -> SaveOutcome:
        """For each student → expected version: `change(grade, student)` gives (applied, adjustment, note);
        the scores are composed and written in one transaction, or none if any is a conflict."""
        from grader.store.gradebook import ScoreConflictError
        from grader.store.manual import answer_hash

        info = self.item(item_id)
        answers = {a.student_id: a for a in self.answers(item_id)}
        unknown = sorted(set(targets) - set(answers))
        if unknown:
            raise ReviewError(f"{item_id}: no answer of {len(unknown)} student(s) to grade")
        outcome = SaveOutcome()
        states: dict[str, tuple[frozenset[int], float, str]] = {}
        try:
            with self.book.transaction():
                entries = {e.id: e for e in self.entries(item_id)}
                grades = self.grades(item_id, targets)
                rows: list[tuple[str, ManualScore, int]] = []
                for student, expected in targets.items():
                    grade = grades.get(student, Grade(None, 0))
                    applied, adjustment, note = change(grade, student)
                    applied = frozenset(e for e in applied if e in entries)
                    chosen = sorted((entries[e] for e in applied), key=lambda e: e.id)
                    score = compose(chosen, adjustment, note, info.max_points, grader)
                    score = ManualScore(score.points, score.comment, grader, answer_sha256=answer_hash(answers[student].text))
                    states[student] = (applied, adjustment, note)
                    rows.append((student, score, expected))
                    self._state(item_id, student, applied, adjustment, note)
                outcome.saved = self._store(item_id, rows, source=SOURCE, overwrite=overwrite)
                outcome.unchanged = len(rows) - outcome.saved
        except ScoreConflictError as exc:
            outcome = SaveOutcome()
            for c in exc.conflicts:
                applied, adjustment, note = states[c.student_id]
                version = 0 if c.current is None else c.current.version
                outcome.conflicts.append(Conflict(c.student_id, self.label(c.student_id), c.current, c.new, version, applied, adjustment, note))
        return outcome

    def toggle_entry(
        self, item_id: str, entry_id: int, targets: Mapping[str, int], *, grader: str, seen: Mapping[str, frozenset[int]] | None = None
    ) -> SaveOutcome:
        """Apply the entry to every target, or take it off if all of them have it already.

        `seen`: student → the entries the TA's page showed; the toggle is relative to that, so a
        conflict compares the other TA's score with what this TA meant (not a merge of both)."""
        entry = self.entry(entry_id)
        if entry.item_id != item_id:
            raise ReviewError(f"entry {entry_id} belongs to {entry.item_id}, not {item_id}")
        current = self.grades(item_id, targets)
        seen = seen or {}

        def base(student: str, grade: Grade) -> frozenset[int]:
            return seen.get(student, grade.applied)

        remove = bool(targets) and all(entry_id in base(s, current.get(s, Grade(None, 0))) for s in targets)

        def change(grade: Grade, student: str) -> tuple[frozenset[int], float, str]:
            applied = base(student, grade) - {entry_id} if remove else base(student, grade) | {entry_id}
            return applied, grade.adjustment, grade.note

        return self._save_each(item_id, targets, grader, change)

    def set_adjustment(self, item_id: str, points: float, note: str, targets: Mapping[str, int], *, grader: str) -> SaveOutcome:
        """Set the free adjustment and its comment (0 and no comment: the entries alone; with no
        entries this stores a score of 0, e.g. for an answer that earns nothing)."""
        info = self.item(item_id)
        if abs(points) > info.max_points:
            raise ReviewError(f"expected an adjustment within ±{score_text(info.max_points)}, got {score_text(points)}")
        if len(note) > 1000:
            raise ReviewError(f"expected a comment of at most 1000 characters, got {len(note)}")
        return self._save_each(item_id, targets, grader, lambda g, s: (g.applied, round(points, 4), note.strip()))

    def overwrite(self, item_id: str, student: str, version: int, applied: Iterable[int], adjustment: float, note: str, *, grader: str) -> SaveOutcome:
        """Save exactly this state over the current score (after a conflict, on purpose)."""
        state = (frozenset(applied), adjustment, note)
        return self._save_each(item_id, {student: version}, grader, lambda g, s: state)

    def entry_change_preview(self, entry_id: int, points: float | None, comment: str | None) -> tuple[int, list[str]]:
        """(scores an edit would change, labels skipped because their score was set elsewhere)."""
        return self._rescore(entry_id, points, comment, grader="", delete=points is None and comment is None, write=False)

    def update_entry(self, entry_id: int, points: float, comment: str, *, grader: str) -> SaveOutcome:
        """Change an entry and re-score everyone who has it, in one transaction."""
        entry = self.entry(entry_id)
        self._check_entry(self.item(entry.item_id), points, comment)
        if any(e.comment.strip() == comment.strip() and e.id != entry_id for e in self.entries(entry.item_id)):
            raise ReviewError(f"{entry.item_id} already has the entry {comment.strip()!r}")
        outcome = SaveOutcome()
        with self.book.transaction():
            saved, skipped = self._rescore(entry_id, round(points, 4), comment.strip(), grader=grader, delete=False, write=True)
        outcome.saved, outcome.skipped = saved, skipped
        return outcome

    def delete_entry(self, entry_id: int, *, grader: str) -> SaveOutcome:
        outcome = SaveOutcome()
        with self.book.transaction():
            saved, skipped = self._rescore(entry_id, None, None, grader=grader, delete=True, write=True)
        outcome.saved, outcome.skipped = saved, skipped
        return outcome

    def _rescore(self, entry_id: int, points: float | None, comment: str | None, *, grader: str, delete: bool, write: bool) -> tuple[int, list[str]]:
        entry = self.entry(entry_id)
        info = self.item(entry.item_id)
        entries = {e.id: e for e in self.entries(entry.item_id)}
        after = dict(entries)
        if delete:
            del after[entry_id]
        else:
            after[entry_id] = Entry(entry.id, entry.item_id, entry.points if points is None else points, entry.comment if comment is None else comment, entry.origin, entry.created_by)
        from grader.store.manual import answer_hash

        holders = [s for s, g in self.grades(entry.item_id).items() if entry_id in g.applied]
        grades = self.grades(entry.item_id, holders)
        texts = {a.student_id: a.text for a in self.answers(entry.item_id)}
        changed = 0
        skipped: list[str] = []
        rows: list[tuple[str, ManualScore, int]] = []
        for student in sorted(holders, key=self.label):
            grade = grades[student]
            if self.set_elsewhere(grade, entries, info.max_points):
                skipped.append(self.label(student))  # a sheet set this score: it is not ours to change
                continue
            applied = grade.applied - {entry_id} if delete else grade.applied
            chosen = sorted((after[e] for e in applied if e in after), key=lambda e: e.id)
            new = compose(chosen, grade.adjustment, grade.note, info.max_points, grader)
            if _same(new, grade.score):
                continue
            changed += 1
            if write:
                self._state(entry.item_id, student, frozenset(applied), grade.adjustment, grade.note)
                sha = grade.score.answer_sha256 if grade.score is not None and grade.score.answer_sha256 else answer_hash(texts.get(student))
                rows.append((student, ManualScore(new.points, new.comment, grader, answer_sha256=sha), grade.version))
        if write and rows:
            self._store(entry.item_id, rows, source=f"{SOURCE}: entry {entry_id} edited")
        if write:
            if delete:
                self.book.conn.execute("DELETE FROM review_applied WHERE entry_id = ?", (entry_id,))
                self.book.conn.execute("DELETE FROM review_entries WHERE id = ?", (entry_id,))
            else:
                self.book.conn.execute(
                    "UPDATE review_entries SET points = ?, comment = ?, updated_at = ? WHERE id = ?", (after[entry_id].points, after[entry_id].comment, utc_now(), entry_id)
                )
        return changed, skipped


def open_store(path: Path, *, rubric_path: Path | None = None, homework: str | None = None, part: str | None = None) -> ReviewStore:
    """Open the gradebook at `path` (which must exist) and the rubric of its latest run."""
    from grader.store.gradebook import GradebookError

    if not Path(path).exists():
        raise GradebookError(f"{path}: no gradebook here; grade the submissions first (or pass --db / --out)")
    book = Gradebook.open(Path(path), any_thread=True)
    try:
        # WAL: pages keep reading while a re-grade (or another TA's server) writes
        book.conn.execute("PRAGMA journal_mode = WAL")
        store = ReviewStore(book, homework=homework, part=part)
        store.rubric = load_rubric_light(rubric_path or Path(store.run.rubric_path))
        store.seed_rubric_entries()
    except BaseException:
        book.close()
        raise
    return store


def load_rubric_light(path: Path) -> Rubric | None:
    """The rubric's titles, notes and entries, validated, without importing its reference code
    (which brings torch: 200 MB the server does not need). None if the file is gone."""
    from pydantic import ValidationError

    from grader.config import problems_error, read_yaml_mapping, validation_problems
    from grader.rubric import check_manual_rubric

    if not path.exists():
        return None
    data = read_yaml_mapping(path, what="rubric")
    try:
        rubric = Rubric.model_validate(data)
    except ValidationError as exc:
        raise problems_error(path, validation_problems(exc, data), what="rubric") from None
    problems = [f"items ({i.id}).{p}" for i in rubric.items for p in check_manual_rubric(i)]
    if problems:
        raise problems_error(path, problems, what="rubric")
    return rubric
