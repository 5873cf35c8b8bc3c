"""Key health and item analysis: what the rubric misses, and which items measure something.

For each automatically graded item: the most frequent wrong answers that no rubric rule matched
(on an instance item, a wrong answer is a relation to the student's own key, such as −key or
2×key, when it is one), each with a ready `mistakes:` entry; "check the key" when one wrong
answer is more frequent than the key; difficulty (mean credit) and discrimination (the
point-biserial correlation of the item's credit with the student's total, as PrairieLearn shows).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

import numpy as np

from grader.integrity.answers import WRONG, ClassAnswers
from grader.integrity.findings import ItemHealth, UncoveredAnswer
from grader.integrity.normalise import canonical_read_as
from grader.model import Status
from grader.rubric import Item, Kind

TOP = 3
MIN_COUNT = 2  # an uncovered answer given once is not a pattern of the class

# relations of a wrong instance answer to the student's own key, in the order they are tried
PATTERNS: tuple[tuple[str, Callable[[np.ndarray], np.ndarray | None]], ...] = (
    ("−key (every sign flipped)", lambda k: -k),
    ("2×key", lambda k: 2 * k),
    ("key/2", lambda k: k / 2),
    ("4×key", lambda k: 4 * k),
    ("key/4", lambda k: k / 4),
    ("key with its first two axes swapped", lambda k: np.swapaxes(k, 0, 1) if k.ndim >= 2 else None),
    ("all zeros", lambda k: np.zeros_like(k)),
)


def _pattern(answer: np.ndarray, key: np.ndarray, item: Item) -> str | None:
    rel, abs_ = item.tolerance
    for label, make in PATTERNS:
        target = make(key)
        if target is not None and target.shape == answer.shape and not np.array_equal(target, key):
            if np.all(np.abs(answer - target) <= np.maximum(rel * np.abs(target), abs_)):
                return label
    return None


def mistake_yaml(item: Item, answer: str, count: int, *, pattern: bool) -> str:
    """A `mistakes:` entry for the rubric; the TA writes the feedback and decides the credit."""
    why = f"given by {count} students; no rule matched it"
    if pattern or item.kind not in (Kind.NUMBER, Kind.INTEGER, Kind.CHOICE):
        what = f"a reference function (in {item.id.split('.', 1)[0]}.py) that computes: {answer}"
        head = f"- ref: TODO  # {what}"
    else:
        value = answer.rstrip("%") if item.kind is Kind.NUMBER and item.percent else answer
        head = f"- value: {_yaml_scalar(value, numeric=item.kind is not Kind.CHOICE)}"
    return "\n".join([head, f"  credit: 0  # TODO ({why})", '  feedback: "TODO: what this answer gets wrong"'])


def _yaml_scalar(text: str, *, numeric: bool) -> str:
    if numeric:
        try:
            float(text)
            return text
        except ValueError:
            pass
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string


def item_health(data: ClassAnswers) -> list[ItemHealth]:
    students = data.students
    totals = np.array([data.results[s].raw_total for s in students], dtype=np.float64)
    out = []
    for item in data.rubric.auto_items:
        credits = np.zeros(len(students))
        answered = correct = 0
        wrong: Counter[str] = Counter()
        uncovered: Counter[str] = Counter()
        patterns: set[str] = set()
        shown: dict[str, str] = {}
        keys = data.keys.get(item.id, {})
        parsed = data.parsed.get(item.id, {})
        for i, student in enumerate(students):
            r = data.item_result(student, item.id)
            if r is None:
                continue
            credits[i] = r.points / r.max_points if r.max_points else 0.0
            if r.status in (Status.MISSING, Status.INVALID):
                continue
            answered += 1
            if r.status is Status.CORRECT:
                correct += 1
                continue
            if r.status not in WRONG:
                continue
            cls = data.answer_class(student, item, r)
            if cls is None:
                continue
            wrong[cls] += 1
            shown.setdefault(cls, canonical_read_as(r.verdict.read_as) or cls)  # the class as students read it
            if r.verdict.matched is None:
                label = None
                if student in parsed and student in keys:
                    label = _pattern(parsed[student], keys[student], item)
                if label is not None:
                    patterns.add(label)
                    uncovered[label] += 1
                else:
                    uncovered[cls] += 1
        top = wrong.most_common(1)
        listed = [
            UncoveredAnswer(text, count, round(count / answered, 4) if answered else 0.0, answer in patterns,
                            mistake_yaml(item, text, count, pattern=answer in patterns))
            for answer, count in sorted(uncovered.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
            if count >= MIN_COUNT
            for text in [answer if answer in patterns else shown[answer]]
        ]
        out.append(
            ItemHealth(
                item_id=item.id,
                title=item.title,
                kind=str(item.kind),
                instance=item.id in data.keys,
                answered=answered,
                correct=correct,
                difficulty=round(float(credits.mean()), 4) if students else None,
                discrimination=_point_biserial(credits, totals),
                top_wrong=top[0][1] if top else 0,
                top_wrong_answer=shown[top[0][0]] if top else "",
                uncovered=tuple(listed),
            )
        )
    return out


def _point_biserial(credits: np.ndarray, totals: np.ndarray) -> float | None:
    if credits.size < 3 or float(np.std(credits)) == 0.0 or float(np.std(totals)) == 0.0:
        return None
    return round(float(np.corrcoef(credits, totals)[0, 1]), 4)
