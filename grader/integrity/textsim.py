"""Near-duplicate free text: per text item, pairs of answers whose normalised words nearly agree.

Each answer (normalised: `grader.integrity.normalise`) becomes the set of its word pairs
(bigrams); MinHash signatures and locality-sensitive hashing (datasketch) propose candidate
pairs without comparing all pairs, and each candidate's exact Jaccard similarity of the two sets
decides. Short answers (fewer than `MIN_WORDS` normalised words, formulas included) are left
out: two students may well write the same sentence, or the same formula, on their own.
"""

from __future__ import annotations

from collections import defaultdict
from zlib import crc32

from grader.integrity.answers import ClassAnswers
from grader.integrity.findings import Evidence, Finding, FindingKind
from grader.integrity.normalise import words

THRESHOLD = 0.5  # Jaccard similarity of the word-bigram sets
MIN_WORDS = 20
NUM_PERM = 32
# LSH tuned for recall (10 bands of 3): a pair at Jaccard 0.5 / 0.6 / 0.7 / 0.8 becomes a
# candidate with probability 0.74 / 0.91 / 0.99 / 1.00; the exact Jaccard of each candidate then
# decides. (64 permutations in 15 bands: 0.87 / 0.97 / 1.00, for 1.5x the time of this phase.)
LSH_WEIGHTS = (0.2, 0.8)
MAX_NEIGHBOURS = 8  # a text near this many others is a shared template (e.g. "see the PDF")
EXCERPT = 400


def shingles(text: str) -> set[str]:
    tokens = words(text)
    if len(tokens) < MIN_WORDS:
        return set()
    return {f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def near_duplicates(data: ClassAnswers) -> tuple[list[Finding], list[str]]:
    from datasketch import MinHash, MinHashLSH

    findings: list[Finding] = []
    notes: list[str] = []
    for item in data.rubric.items:
        if not item.manual:
            continue
        texts: dict[str, str] = {}
        sets: dict[str, set[str]] = {}
        for student in data.results:
            r = data.item_result(student, item.id)
            if r is None or not r.verdict.read_as:
                continue
            grams = shingles(r.verdict.read_as)
            if grams:
                texts[student], sets[student] = r.verdict.read_as, grams
        if len(sets) < 2:
            continue
        lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, weights=LSH_WEIGHTS)
        students = list(sets)
        # one set of permutations for the item (MinHash() alone draws them again for each text)
        hashes = MinHash.bulk([[g.encode("utf-8") for g in sets[s]] for s in students], num_perm=NUM_PERM, seed=17, hashfunc=crc32)
        signatures = dict(zip(students, hashes, strict=True))
        with lsh.insertion_session() as session:
            for student, m in signatures.items():
                session.insert(student, m)
        near: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for student, m in signatures.items():
            for other in lsh.query(m):
                if other <= student:
                    continue
                similarity = jaccard(sets[student], sets[other])
                if similarity >= THRESHOLD:
                    near[student].append((other, similarity))
                    near[other].append((student, similarity))
        template = {s for s, found in near.items() if len(found) > MAX_NEIGHBOURS}
        if template:
            notes.append(f"{item.id}: {len(template)} answers are near {MAX_NEIGHBOURS}+ others (a shared template text): not reported")
        for student, found in near.items():
            for other, similarity in found:
                if student < other and student not in template and other not in template:
                    evidence = (Evidence(item.id, _excerpt(texts[student]), _excerpt(texts[other]), f"{similarity:.0%} of word pairs shared"),)
                    findings.append(Finding(FindingKind.NEAR_DUPLICATE_TEXT, student, other, round(similarity, 3), None, evidence))
    return findings, notes


def _excerpt(text: str) -> str:
    text = text.strip()
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"
