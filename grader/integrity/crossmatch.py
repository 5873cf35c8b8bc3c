"""Instance cross-match: an answer wrong for the student's own instance but right for another's.

Linear time: every student's key of an instance item is hashed once, by its entries rounded to a
grid; each wrong answer looks up the buckets its entries could fall in within the item's
tolerance (usually one, two for an entry near a grid line), and only the keys found there are
compared, with the item's own kind `compare`, as in grading. The grid's step is the median size
of the keys' non-zero entries and its lines are offset so that round numbers (the usual keys:
multiples of 1/8) fall well inside a cell.

Chance: the share of pairs of students whose keys coincide (within the tolerance) measures how
often a wrong answer could match a classmate's key by accident; a pair is reported when the
expected number of such accidental pairs over its matched items is at most `alpha`.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from grader.integrity.answers import ClassAnswers
from grader.integrity.findings import Evidence, Finding, FindingKind
from grader.kinds import get_kind
from grader.kinds.matrix import show as show_array
from grader.model import Status
from grader.rubric import Item

OFFSET = 0.2718281828  # grid lines away from round multiples of the step
MAX_PROBES = 64  # bucket combinations tried per answer (2 per entry near a grid line)
MAX_MATCHES = 3  # an answer right for more instances than this is not specific (e.g. all zeros)
BUCKET_SAMPLE = 200  # keys per bucket compared with each other when measuring coincidences


def _step(keys: Iterable[np.ndarray]) -> float:
    sizes = np.concatenate([np.abs(k.reshape(-1)) for k in keys] or [np.zeros(1)])
    sizes = sizes[sizes > 0]
    return float(np.median(sizes)) if sizes.size else 1.0


def _bucket(key: np.ndarray, step: float) -> tuple[object, ...]:
    return (key.shape, *np.floor(key.reshape(-1) / step + OFFSET).astype(np.int64).tolist())


def _probes(answer: np.ndarray, step: float, item: Item) -> list[tuple[object, ...]]:
    """Every bucket a key within the tolerance of `answer` can be in (empty: too many)."""
    rel, abs_ = item.tolerance
    flat = answer.reshape(-1).astype(np.float64)
    if not np.all(np.isfinite(flat)):
        return []
    margin = (rel * np.abs(flat) / max(1e-12, 1 - rel) + abs_) * (1 + 1e-9) + 1e-12
    low = np.floor((flat - margin) / step + OFFSET).astype(np.int64)
    high = np.floor((flat + margin) / step + OFFSET).astype(np.int64)
    spread = high - low
    if np.any(spread > 1) or 2 ** int(np.count_nonzero(spread)) > MAX_PROBES:
        return []
    base = low.tolist()
    uncertain = np.flatnonzero(spread).tolist()
    out = []
    for choice in itertools.product((0, 1), repeat=len(uncertain)):
        cells = list(base)
        for index, bump in zip(uncertain, choice, strict=True):
            cells[index] += bump
        out.append((answer.shape, *cells))
    return out


def _close(a: np.ndarray, b: np.ndarray, item: Item) -> bool:
    rel, abs_ = item.tolerance
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= np.maximum(rel * np.abs(b), abs_)))


def _coincidence(index: dict[tuple[object, ...], list[str]], keys: dict[str, np.ndarray], item: Item) -> float:
    """Share of ordered pairs of students whose keys of `item` agree within the tolerance."""
    n = len(keys)
    if n < 2:
        return 0.0
    equal = 0.0
    for members in index.values():
        sample = members[:BUCKET_SAMPLE]
        scale = (len(members) / len(sample)) ** 2
        hits = sum(1 for a, b in itertools.combinations(sample, 2) if _close(keys[a], keys[b], item))
        equal += 2 * hits * scale
    return equal / (n * (n - 1))


def cross_match(data: ClassAnswers, *, alpha: float) -> tuple[list[Finding], list[str]]:
    """Instance-match findings (one per pair of students, over all their matched items)."""
    notes: list[str] = []
    matches: dict[tuple[str, str], list[Evidence]] = defaultdict(list)
    rates: dict[str, float] = {}
    wrong_counts: dict[str, int] = {}
    n = len(data.results)
    for item in data.instance_items:
        keys = data.keys.get(item.id, {})
        if len(keys) < 2:
            continue
        kind = get_kind(item.kind)
        step = _step(keys.values())
        index: dict[tuple[object, ...], list[str]] = defaultdict(list)
        for student, key in keys.items():
            index[_bucket(key, step)].append(student)
        rates[item.id] = _coincidence(index, keys, item)
        unspecific = skipped = wrong = 0
        for student, answer in data.parsed.get(item.id, {}).items():
            result = data.item_result(student, item.id)
            if result is None or result.status is Status.CORRECT or student not in keys:
                continue
            wrong += 1
            probes = _probes(answer, step, item)
            if not probes:
                skipped += 1
                continue
            found = []
            for probe in probes:
                for other in index.get(probe, ()):
                    if other != student and kind.compare(answer, keys[other], item).status is Status.CORRECT:
                        found.append(other)
            if len(found) > MAX_MATCHES:
                unspecific += 1
                continue
            for other in found:
                instances = data.instances.get(item.id, {})
                note = f"own instance {instances.get(student, '?')}, {other}'s instance {instances.get(other, '?')}"
                matches[(student, other)].append(
                    Evidence(item.id, show_array(answer, item), show_array(keys[other], item), note)
                )
        wrong_counts[item.id] = wrong
        if unspecific:
            notes.append(f"{item.id}: {unspecific} wrong answer(s) are right for more than {MAX_MATCHES} instances (not specific): not reported")
        if skipped:
            notes.append(f"{item.id}: {skipped} wrong answer(s) too large or non-finite to look up")
    findings = []
    for (student, other), evidence in matches.items():
        items = [e.item_id for e in evidence]
        chance = min(wrong_counts.get(i, n) for i in items) * max(0, n - 1) * math.prod(rates.get(i, 1.0) for i in items)
        if chance > alpha:
            continue
        findings.append(Finding(FindingKind.INSTANCE_MATCH, student, other, float(len(evidence)), chance, tuple(evidence)))
    return findings, notes
