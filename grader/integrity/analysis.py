"""The whole analysis of one graded batch: cross-match, shared rare answers, text, key health.

Pure: it reads the results (and, for instance items, the answer files again) and returns an
`IntegrityReport`; it never changes a result or a grade.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from grader.integrity.answers import collect
from grader.integrity.crossmatch import cross_match
from grader.integrity.findings import Finding, FindingKind, IntegrityReport
from grader.integrity.keyhealth import item_health
from grader.integrity.rare import shared_rare
from grader.integrity.textsim import near_duplicates
from grader.keys.keybook import KeyBook
from grader.model import SubmissionResult
from grader.rubric import Rubric

ALPHA = 0.05  # expected accidental findings per class of independent students, per analysis

_ORDER = {FindingKind.INSTANCE_MATCH: 0, FindingKind.SHARED_RARE_WRONG: 1, FindingKind.NEAR_DUPLICATE_TEXT: 2}


def analyse_integrity(
    results: Sequence[SubmissionResult],
    *,
    rubric: Rubric,
    folder: Path | None,
    keys: KeyBook | None = None,
    alpha: float = ALPHA,
) -> IntegrityReport:
    """Analyse `results` (graded from the files in `folder`) for integrity and key health."""
    started = time.perf_counter()
    data = collect(results, rubric, folder, keys=keys)
    notes = list(data.notes)
    found: list[Finding] = []
    matched, more = cross_match(data, alpha=alpha)
    found += matched
    notes += more
    rare, threshold = shared_rare(data, alpha=alpha)
    found += rare
    texts, more = near_duplicates(data)
    found += texts
    notes += more
    items = item_health(data)
    return IntegrityReport(
        homework=rubric.homework,
        students=len(data.results),
        findings=_grouped(found),
        items=tuple(items),
        rare_threshold=threshold,
        alpha=alpha,
        notes=tuple(notes),
        seconds=round(time.perf_counter() - started, 3),
    )


analyse = analyse_integrity  # the package's short name for it


def _grouped(findings: list[Finding]) -> tuple[Finding, ...]:
    """Sorted (kind, strongest first) and numbered by connected groups of students."""
    parent: dict[str, str] = {}

    def root(s: str) -> str:
        parent.setdefault(s, s)
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    for f in findings:
        parent[root(f.student)] = root(f.other)
    ordered = sorted(findings, key=lambda f: (_ORDER[f.kind], -f.score, f.student, f.other))
    numbers: dict[str, int] = {}
    out = []
    for f in ordered:
        group = numbers.setdefault(root(f.student), len(numbers) + 1)
        out.append(replace(f, group=group))
    return tuple(out)
