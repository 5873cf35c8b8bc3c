"""Shared rare wrong answers: pairs of students who give the same unusual wrong answers.

Each automatically graded item's wrong (or partial) answers are grouped by their canonical
class; a class given by a share p of the class is worth -ln p nats when two students share it.
Classes above `MAX_SHARE` (a common mistake) are worth nothing. Only pairs inside rare classes
are enumerated, so the work grows with the rare answers, not with all pairs of students.

Calibration: if students answered independently, two of them would share a class c of item j
with probability p_c², independently over items. The distribution of a pair's score under that
model is the convolution of the items' distributions (on a grid of `BIN` nats); a pair is
reported when the expected number of pairs in the class scoring at least as much, C(n, 2)·P(S ≥
s), is at most `alpha`, and it shares at least `MIN_ITEMS` items.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from itertools import combinations

import numpy as np

from grader.integrity.answers import WRONG, ClassAnswers
from grader.integrity.findings import Evidence, Finding, FindingKind

MAX_SHARE = 0.05  # a wrong answer given by more than this share of the class is no evidence
MIN_ITEMS = 2
BIN = 0.05  # nats
SHOW = 80  # characters of an answer in the evidence


def answer_classes(data: ClassAnswers) -> dict[str, dict[str, str]]:
    """item id -> student -> class of their wrong or partial answer."""
    out: dict[str, dict[str, str]] = {}
    for item in data.rubric.auto_items:
        column: dict[str, str] = {}
        for student in data.results:
            r = data.item_result(student, item.id)
            if r is None or r.status not in WRONG:
                continue
            cls = data.answer_class(student, item, r)
            if cls:
                column[student] = cls
        out[item.id] = column
    return out


def _null_tail(counts: dict[str, Counter[str]], n: int) -> np.ndarray:
    """P(S >= s) for s = k·BIN, k = 0.., for two independent students."""
    dist = np.ones(1)
    for item_counts in counts.values():
        points: dict[int, float] = defaultdict(float)
        hit = 0.0
        for count in item_counts.values():
            p = count / n
            if p > MAX_SHARE:
                continue
            points[math.ceil(-math.log(p) / BIN)] += p * p  # rounded up: the tail errs heavy
            hit += p * p
        if not points:
            continue
        item_dist = np.zeros(max(points) + 1)
        item_dist[0] = max(0.0, 1.0 - hit)
        for k, prob in points.items():
            item_dist[k] += prob
        dist = np.convolve(dist, item_dist)
    tail = np.cumsum(dist[::-1])[::-1]
    return np.minimum(tail, 1.0)


def shared_rare(data: ClassAnswers, *, alpha: float) -> tuple[list[Finding], float]:
    """Findings and the calibrated threshold (nats) for this class."""
    n = len(data.results)
    classes = answer_classes(data)
    counts = {item: Counter(column.values()) for item, column in classes.items()}
    if n < 3:
        return [], math.inf
    pairs_total = n * (n - 1) / 2
    tail = _null_tail(counts, n)
    expected = pairs_total * tail
    above = np.flatnonzero(expected <= alpha)
    threshold = float(above[0] * BIN) if above.size else math.inf
    shared: dict[tuple[str, str], list[tuple[str, str, int]]] = defaultdict(list)
    for item_id, column in classes.items():
        members: dict[str, list[str]] = defaultdict(list)
        for student, cls in column.items():
            members[cls].append(student)
        for cls, group in members.items():
            if len(group) < 2 or len(group) / n > MAX_SHARE:
                continue
            for a, b in combinations(sorted(group), 2):
                shared[(a, b)].append((item_id, cls, len(group)))
    findings = []
    for (a, b), hits in shared.items():
        if len(hits) < MIN_ITEMS:
            continue
        score = sum(-math.log(count / n) for _, _, count in hits)
        k = min(int(score / BIN), len(tail) - 1)  # rounded down: the pair's score errs low
        chance = float(expected[k]) if score / BIN < len(tail) else 0.0
        if chance > alpha:
            continue
        evidence = tuple(
            Evidence(item_id, _short(cls), _short(cls), f"given by {count} of {n}") for item_id, cls, count in hits
        )
        findings.append(Finding(FindingKind.SHARED_RARE_WRONG, a, b, round(score, 3), chance, evidence))
    return findings, threshold


def _short(text: str) -> str:
    return text if len(text) <= SHOW else text[: SHOW - 1] + "…"
