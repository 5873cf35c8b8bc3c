"""Bench part `integrity`: the integrity analysis of N independent synthetic students.

- time of `grader.integrity.analyse` over the batch (median of repeats, wall and CPU), per phase
  (reading instance answers and keys, cross-match, shared rare answers, text, key health), and
  its ratio to grading the same files in the same process (`grade_batch`, one process);
- the false-positive rate: the share of these independent students who appear in any finding
  (target: at most 0.5%), by kind;
- the planted cases of bench/plant.py in a copy of the batch: found / planted, and who else is
  flagged there.
"""

from __future__ import annotations

import shutil
import statistics
import time
from pathlib import Path
from typing import Any

import plant  # bench/plant.py

ROOT = Path(__file__).resolve().parents[1]
FP_TARGET = 0.005
TIME_TARGET_S = 5.0


def _timed(fn: Any) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, value


def bench_integrity(folder: Path, tmp: Path, *, repeats: int) -> dict[str, Any]:
    from grader.grading.batch import grade_batch
    from grader.grading.cache import GradeCache
    from grader.integrity import FindingKind, analyse
    from grader.integrity.answers import collect
    from grader.integrity.crossmatch import cross_match
    from grader.integrity.keyhealth import item_health
    from grader.integrity.rare import shared_rare
    from grader.integrity.textsim import near_duplicates
    from grader.rubric import load_rubric

    rubric = load_rubric(ROOT / "rubrics" / "hw4.yaml")
    cache_dir = tmp / "integrity-cache"
    cache = GradeCache.load(cache_dir, rubric)
    grading_wall, grading_cpu, batch = _timed(lambda: grade_batch(folder, rubric=rubric, jobs=1, cache=cache))
    cache.save()
    results = batch.results
    n = len(results)
    runs = [_timed(lambda: analyse(results, rubric=rubric, folder=folder)) for _ in range(repeats)]
    report = runs[-1][2]
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    phases: dict[str, float] = {}
    t, _, data = _timed(lambda: collect(results, rubric, folder))
    phases["answers_and_keys_s"] = t
    phases["cross_match_s"] = _timed(lambda: cross_match(data, alpha=report.alpha))[0]
    phases["shared_rare_s"] = _timed(lambda: shared_rare(data, alpha=report.alpha))[0]
    phases["near_duplicate_text_s"] = _timed(lambda: near_duplicates(data))[0]
    phases["key_health_s"] = _timed(lambda: item_health(data))[0]
    flagged = report.flagged_students
    independent = {
        "students": n,
        "flagged_students": len(flagged),
        "false_positive_rate": len(flagged) / n if n else 0.0,
        "findings_by_kind": {k.value: len(report.of_kind(k)) for k in FindingKind},
        "flagged": sorted(flagged),
        "rare_threshold_nats": report.rare_threshold,
    }

    planted_dir = tmp / "integrity-planted"
    shutil.copytree(folder, planted_dir)
    planted = plant.plant(planted_dir)
    cache = GradeCache.load(cache_dir, rubric)  # only the planted files are graded again
    planted_batch = grade_batch(planted_dir, rubric=rubric, jobs=1, cache=cache)
    planted_report = analyse(planted_batch.results, rubric=rubric, folder=planted_dir)
    ring = set(planted.ring)
    ring_pairs = {(a, b) for a in ring for b in ring if a < b}
    pairs = {kind: {(f.student, f.other) for f in planted_report.of_kind(kind)} for kind in FindingKind}
    popular = next(h for h in planted_report.items if h.item_id == planted.popular_item)
    cases = {
        "copier (instance match with the source)": (planted.copier, planted.source) in pairs[FindingKind.INSTANCE_MATCH],
        "ring: 3 pairs of shared rare answers": ring_pairs <= pairs[FindingKind.SHARED_RARE_WRONG],
        "ring: 3 pairs of near-duplicate Persian text": ring_pairs <= pairs[FindingKind.NEAR_DUPLICATE_TEXT],
        "popular uncovered mistake tops key health": bool(popular.uncovered) and popular.uncovered[0].answer == str(planted.popular_answer),
    }
    others = sorted(planted_report.flagged_students - planted.students)
    return {
        "n": n,
        "grading_in_process": {"wall_s": grading_wall, "cpu_s": grading_cpu},
        "analysis": {"repeats": repeats, "wall_s": wall, "cpu_s": cpu, "walls_s": [r[0] for r in runs], "phases": phases},
        "ratio_analysis_vs_grading_wall": wall / grading_wall if grading_wall else None,
        "independent": independent,
        "planted": {
            "cases": cases,
            "found": sum(cases.values()),
            "planted": len(cases),
            "others_flagged": others,
            "popular_uncovered": [(u.answer, u.count) for u in popular.uncovered],
        },
    }


def table_rows(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Rows for bench/run.py's table."""
    g = data.get("integrity")
    if not g:
        return []
    a, ind, pl = g["analysis"], g["independent"], g["planted"]
    phases = ", ".join(f"{k.removesuffix('_s').replace('_', ' ')} {v:.2f}" for k, v in a["phases"].items())
    return [
        (
            f"integrity analysis, N={g['n']}",
            f"{a['wall_s']:.2f} s wall, {a['cpu_s']:.2f} CPU-s (median of {a['repeats']}); grading the same files in-process {g['grading_in_process']['wall_s']:.1f} s",
            f"target <= {TIME_TARGET_S:g} s: {'met' if a['wall_s'] <= TIME_TARGET_S else 'MISSED'}; {g['ratio_analysis_vs_grading_wall']:.2f}x grading",
        ),
        ("  phases (s)", phases, ""),
        (
            "  false positives, independent students",
            f"{ind['flagged_students']} of {ind['students']} in a finding ({ind['false_positive_rate']:.2%}); by kind {ind['findings_by_kind']}",
            f"target <= {FP_TARGET:.1%}: {'met' if ind['false_positive_rate'] <= FP_TARGET else 'MISSED'}",
        ),
        ("  planted cases found", f"{pl['found']} of {pl['planted']}; others flagged in the planted batch: {len(pl['others_flagged'])}", ""),
    ]
