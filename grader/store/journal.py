"""The manual-score journal: a second, append-only copy of every TA score change.

The gradebook is the system of record, but a gradebook file can be deleted, emptied or damaged,
and the TA scores in it exist nowhere else. So every manual-score change is also appended, as
one JSON line, to `<gradebook stem>-history.jsonl` beside it (`out/gradebook-history.jsonl`),
flushed and synced right after the gradebook commits (so it never holds a change that was not
stored). `grade gradebook restore|rebuild`
(`grader.store.recovery`) replays it. The journal is never rewritten, only appended to.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

FIELDS = ("homework", "part", "student_id", "item_id", "points", "comment", "grader", "version", "answer_sha256", "source", "at")


def journal_path(db: Path) -> Path:
    """`out/gradebook.sqlite` → `out/gradebook-history.jsonl`."""
    db = Path(db)
    return db.with_name(f"{db.stem}-history.jsonl")


def append(db: Path, entries: Iterable[Mapping[str, Any]]) -> None:
    """Append manual-score changes (dicts with `FIELDS`) and make them durable before returning."""
    append_lines(db, [{k: e.get(k) for k in FIELDS} for e in entries])


def append_lines(db: Path, entries: Iterable[Mapping[str, Any]]) -> None:
    lines = "".join(json.dumps(dict(e), ensure_ascii=False, sort_keys=True) + "\n" for e in entries)
    if not lines:
        return
    path = journal_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(lines)
        handle.flush()
        os.fsync(handle.fileno())


LEDGER_FIELDS = ("student_id", "homework", "part", "days", "submitted_at", "at")


def append_ledger(db: Path, entries: Iterable[Mapping[str, Any]]) -> None:
    """Append late-day ledger imports (`grade ledger import`: homeworks graded elsewhere)."""
    append_lines(db, [{"kind": "ledger", **{k: e.get(k) for k in LEDGER_FIELDS}} for e in entries])


def read_ledger(db: Path) -> Iterator[dict[str, Any]]:
    """The ledger imports in the journal, in order."""
    for entry in _lines(db):
        if entry.get("kind") == "ledger" and all(k in entry for k in ("student_id", "homework", "part", "days")):
            yield entry


def read(db: Path) -> Iterator[dict[str, Any]]:
    """The manual-score changes in order; a torn last line (a crash mid-append) is skipped."""
    for entry in _lines(db):
        if entry.get("kind", "score") == "score" and all(k in entry for k in ("homework", "part", "student_id", "item_id", "points", "version")):
            yield entry


def _lines(db: Path) -> Iterator[dict[str, Any]]:
    path = journal_path(db)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            yield entry
