"""The class's answers as the analysis needs them, gathered once from the graded results.

Results carry statuses, matched rules and each answer's canonical echo (`read_as`, the full text
for free-text items). Instance items (Q2/Q3: keys computed per student) also need the full
numeric answer, which a long tensor's echo abbreviates: those answers are read again from the
student's file (the same loader and kind parser as grading, under the same time bound) and
their own keys computed with the same `KeyBook`. A file that is gone, or changed since it was
graded (SHA-256), is left out of the instance analysis with a note.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grader.errors import AnswerError, GraderError
from grader.grading.item import ITEM_SECONDS, is_blank
from grader.integrity.normalise import array_class, canonical_read_as
from grader.keys.keybook import KeyBook
from grader.kinds import get_kind
from grader.model import ItemResult, Status, SubmissionResult
from grader.readers.answer_file import load_submission
from grader.rubric import Item, Kind, Rubric
from grader.timeout import time_limit

NUMERIC_KINDS = (Kind.NUMBER, Kind.INTEGER, Kind.MATRIX, Kind.TENSOR)
WRONG = (Status.WRONG, Status.PARTIAL)


@dataclass
class ClassAnswers:
    rubric: Rubric
    results: dict[str, SubmissionResult]  # by student id, sorted
    instance_items: list[Item]  # auto items with a per-student key and a numeric kind
    parsed: dict[str, dict[str, Any]] = field(default_factory=dict)  # item id -> student -> parsed answer
    keys: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # item id -> student -> own key
    instances: dict[str, dict[str, str]] = field(default_factory=dict)  # item id -> student -> instance digest
    notes: list[str] = field(default_factory=list)
    _index: dict[str, dict[str, ItemResult]] = field(default_factory=dict, repr=False)

    @property
    def students(self) -> list[str]:
        return list(self.results)

    def item_result(self, student: str, item_id: str) -> ItemResult | None:
        if not self._index:
            self._index.update({s: {r.item_id: r for r in result.items} for s, result in self.results.items()})
        return self._index.get(student, {}).get(item_id)

    def answer_class(self, student: str, item: Item, result: ItemResult) -> str | None:
        """The canonical class of a student's answer (instance items: their values)."""
        parsed = self.parsed.get(item.id, {}).get(student)
        if parsed is not None:
            return array_class(parsed)
        return canonical_read_as(result.verdict.read_as)


def numeric(value: Any) -> np.ndarray | None:
    """A parsed answer or prepared key of a numeric kind as a float array (None otherwise)."""
    if isinstance(value, np.ndarray):
        return value
    inner = getattr(value, "value", value)
    if isinstance(inner, bool):
        return None
    try:
        return np.asarray(float(inner), dtype=np.float64)
    except (TypeError, ValueError):
        return None


def instance_items(rubric: Rubric, keys: KeyBook) -> list[Item]:
    return [
        item for item in rubric.auto_items
        if item.kind in NUMERIC_KINDS and item.rules() and keys.needs_instance(item.rules()[0]) is not None
    ]


def collect(results: Sequence[SubmissionResult], rubric: Rubric, folder: Path | None, *, keys: KeyBook | None = None) -> ClassAnswers:
    """Gather the answers of `results` (files in `folder`; None: instance items not analysed)."""
    import hashlib
    import json

    book = keys or KeyBook(rubric)
    by_id = {r.student_id: r for r in sorted(results, key=lambda r: r.student_id)}
    items = instance_items(rubric, book)
    data = ClassAnswers(rubric, by_id, items)
    if not items:
        return data
    if folder is None:
        data.notes.append("no submissions folder: instance answers were not cross-matched")
        return data
    for item in items:
        data.parsed[item.id] = {}
        data.keys[item.id] = {}
        data.instances[item.id] = {}
    item_ids = list(rubric.item_ids)
    gone = changed = 0
    digests: dict[tuple[str, str], str] = {}
    for student, result in by_id.items():
        # only wrong and partial answers are read again: a correct one is the key, within tolerance
        wanted = [item for item in items if (r := data.item_result(student, item.id)) is not None and r.status in WRONG]
        answers: dict[str, Any] = {}
        if wanted:
            try:
                submission = load_submission(Path(folder) / result.source, prefix=rubric.file_prefix, item_ids=item_ids)
            except (GraderError, OSError):
                gone += 1
                submission = None
            if submission is not None and result.file_sha256 and submission.sha256 != result.file_sha256:
                changed += 1
            elif submission is not None:
                answers = submission.answers
        for item in items:
            try:
                key = numeric(book.expected(item, 0, student))
            except GraderError as exc:
                data.notes.append(f"{item.id}: no key for {student} ({exc}); left out")
                continue
            if key is None:
                continue
            data.keys[item.id][student] = key
            instance_name = book.needs_instance(item.rules()[0])
            if instance_name is not None:
                if (instance_name, student) not in digests:
                    text = json.dumps(book.instance(instance_name, student), sort_keys=True, default=str)
                    digests[(instance_name, student)] = f"{instance_name}#{hashlib.sha256(text.encode()).hexdigest()[:8]}"
                data.instances[item.id][student] = digests[(instance_name, student)]
        for item in wanted:
            raw = answers.get(item.id)
            if is_blank(raw):
                continue
            try:
                with time_limit(ITEM_SECONDS, f"item {item.id}"):
                    value = numeric(get_kind(item.kind).parse(raw, item))
            except AnswerError:
                continue
            if value is not None:
                data.parsed[item.id][student] = value
    if gone:
        data.notes.append(f"{gone} graded file(s) could not be read again: their instance answers are not cross-matched")
    if changed:
        data.notes.append(f"{changed} file(s) changed since they were graded: their instance answers are not cross-matched")
    return data
