"""Integrity and key-health analysis of a graded batch: evidence for a TA, never a grade.

- instance cross-match (`crossmatch`): a Q2/Q3 answer wrong for the student's own instance but
  right for a classmate's;
- shared rare wrong answers (`rare`), ranked by how unlikely they are for independent students;
- near-duplicate free text (`textsim`, MinHash/LSH over normalised text);
- key health and item analysis (`keyhealth`): frequent wrong answers no rule covers, "check the
  key", difficulty and discrimination.

`analyse` returns an `IntegrityReport`; `write_integrity` writes integrity.csv and
key-health.csv; `run_integrity` does both for a folder, as `grade integrity` does.
"""

from __future__ import annotations

from grader.integrity.analysis import analyse, analyse_integrity  # the second is the name in `grader`'s API
from grader.integrity.csvout import INTEGRITY_CSV, KEY_HEALTH_CSV, write_integrity
from grader.integrity.findings import Evidence, Finding, FindingKind, IntegrityReport, ItemHealth, UncoveredAnswer
from grader.integrity.run import run_integrity

__all__ = [
    "INTEGRITY_CSV", "KEY_HEALTH_CSV", "Evidence", "Finding", "FindingKind", "IntegrityReport", "ItemHealth",
    "UncoveredAnswer", "analyse", "analyse_integrity", "run_integrity", "write_integrity",
]
