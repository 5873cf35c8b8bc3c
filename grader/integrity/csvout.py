"""integrity.csv (one row per finding) and key-health.csv (one row per auto item).

Columns are documented in docs/integrity.md; like grades.csv they are only ever added to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from grader.csvio import csv_document
from grader.fsio import atomic_write
from grader.integrity.findings import IntegrityReport
from grader.numfmt import statistic_text

INTEGRITY_CSV = "integrity.csv"
KEY_HEALTH_CSV = "key-health.csv"
FINDING_COLUMNS = ["kind", "group", "student", "other", "items", "score", "chance", "item", "answer", "other_answer", "note"]
ITEM_COLUMNS = [
    "item", "kind", "instance", "answered", "correct", "difficulty", "discrimination", "check_key",
    "top_wrong", "top_wrong_count", "uncovered_answer", "uncovered_count", "uncovered_share", "yaml",
]




def integrity_csv(report: IntegrityReport) -> str:
    """One row per (finding, item of its evidence); the finding's columns repeat on each."""
    rows: list[list[Any]] = [list(FINDING_COLUMNS)]
    for f in report.findings:
        for e in f.evidence:
            rows.append([
                f.kind.value, f.group, f.student, f.other, ";".join(f.items), statistic_text(f.score), statistic_text(f.chance),
                e.item_id, e.answer, e.other_answer, e.note,
            ])
    return csv_document(rows)


def key_health_csv(report: IntegrityReport) -> str:
    """One row per auto item and uncovered answer (an item with none has one row)."""
    rows: list[list[Any]] = [list(ITEM_COLUMNS)]
    for h in report.items:
        head = [
            h.item_id, h.kind, "yes" if h.instance else "", h.answered, h.correct, statistic_text(h.difficulty), statistic_text(h.discrimination),
            "check the key" if h.check_key else "", h.top_wrong_answer, h.top_wrong,
        ]
        for u in h.uncovered or (None,):
            tail = ["", "", "", ""] if u is None else [u.answer, u.count, statistic_text(u.share), u.yaml]
            rows.append(head + tail)
    return csv_document(rows)


def write_integrity(report: IntegrityReport, out_dir: Path) -> list[Path]:
    """Write both CSVs into `out_dir` (atomically) and return their paths."""
    paths = [Path(out_dir) / INTEGRITY_CSV, Path(out_dir) / KEY_HEALTH_CSV]
    atomic_write(paths[0], integrity_csv(report))
    atomic_write(paths[1], key_health_csv(report))
    return paths
