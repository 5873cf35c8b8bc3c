"""Rubric files: YAML in, a validated `Rubric` out, or one `RubricError` listing every problem.

A rubric is trusted (the TA team writes it), but mistakes in it must be caught before any student
is graded, so loading checks structure (pydantic), then meaning: unique ids, known kinds and
reference functions, per-question totals, kind-specific options.
"""

from __future__ import annotations

import importlib
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator

from grader.config import Strict, problems_error, read_yaml_mapping, validation_problems
from grader.kinds import get_kind, option_problems
from grader.kinds.base import Kind as Kind  # re-exported: a rubric item names its kind
from grader.model import Part


class SelfCheck(str, Enum):
    """What `grade check` may tell a student about an item before the deadline."""

    CORRECTNESS = "correctness"  # read back and say right/wrong
    FORMAT = "format"  # read back only; the key stays hidden


class AnswerRule(Strict):
    """The key, an accepted alternative, or a known mistake.

    Exactly one of `ref` (a reference function), `value` (a literal, for choices) or `range`
    (a closed numeric interval, for number items) says what it matches.
    """

    ref: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    value: Any = None
    range: tuple[float, float] | None = None
    credit: float = Field(default=1.0, ge=0.0, le=1.0)
    feedback: str = ""
    label: str | None = None
    official_key: bool = False  # this rule reproduces the official (seed) key's version

    @property
    def name(self) -> str:
        return self.label or self.ref or (f"range {self.range}" if self.range else repr(self.value))


class ManualEntry(Strict):
    """A reusable rubric entry for a text item (`manual_rubric:`): points to add (or, negative, to
    take off) and the comment the student sees. `grade review` applies them; the item's score is
    the applied entries' sum clamped to [0, points]."""

    points: float
    comment: str


class Item(Strict):
    id: str
    title: str
    title_fa: str | None = None
    kind: Kind
    points: float = Field(default=0.0, ge=0.0)
    bonus: bool = False
    # kind options
    variables: list[str] = Field(default_factory=list)
    shape: list[int] | None = None
    length: int | None = None
    options: dict[str, list[str]] = Field(default_factory=dict)
    rel_tol: float | None = Field(default=None, ge=0.0)
    abs_tol: float | None = Field(default=None, ge=0.0)
    percent: bool = False
    allow_fraction: bool = False
    # the key and what else earns credit
    key: AnswerRule | None = None
    accept: list[AnswerRule] = Field(default_factory=list)
    mistakes: list[AnswerRule] = Field(default_factory=list)
    # presentation
    self_check: SelfCheck = SelfCheck.FORMAT
    show_expected: bool = True
    example: str | None = None
    notes: str = ""
    manual_rubric: list[ManualEntry] = Field(default_factory=list)  # text items: entries for `grade review`
    key_digest: str | None = None  # student kits only: a fingerprint of the key (grader/student/kit.py)
    accept_digests: list[str] = Field(default_factory=list)  # kits: fingerprints of full-credit alternatives

    @field_validator("kind", mode="before")
    @classmethod
    def _no_percent_kind(cls, value: Any) -> Any:
        if value == "percent":  # the README's answer table lists percentages as if they were a kind
            raise ValueError("there is no kind 'percent': write kind: number with percent: true (and allow_fraction: true to accept 0.897 for 89.7%)")
        return value

    @property
    def question(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def manual(self) -> bool:
        """Graded by a TA (the kind says so: free text)."""
        return get_kind(self.kind).TRAITS.manual

    @property
    def tolerance(self) -> tuple[float, float]:
        """(relative, absolute), as the item's kind reads the rubric's `rel_tol`/`abs_tol`."""
        return get_kind(self.kind).tolerance(self)

    def rules(self) -> list[AnswerRule]:
        """Key first, then accepted alternatives, then known mistakes: the order of matching."""
        return ([self.key] if self.key else []) + list(self.accept) + list(self.mistakes)


class Question(Strict):
    id: str
    title: str
    title_fa: str | None = None
    points: float = Field(ge=0.0)
    bonus: float = Field(default=0.0, ge=0.0)


class Rubric(Strict):
    homework: str
    title: str
    title_fa: str | None = None
    course: str | None = None  # path of the course policy file, relative to the rubric
    part: Part = "theory"
    file_prefix: str  # answer files are <file_prefix><student_id>.yaml
    reference: str  # python module that defines REFERENCES
    total: float
    bonus_total: float = 0.0
    questions: list[Question]
    items: list[Item]
    kit: bool = False  # a student kit: keys removed, visible formulas kept only as fingerprints
    notes: str = ""  # homework-specific remarks for the key documentation (where keys come from, official errors)
    path: str = ""

    @field_validator("items")
    @classmethod
    def _nonempty(cls, items: list[Item]) -> list[Item]:
        if not items:
            raise ValueError("a rubric needs at least one item")
        return items

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    @property
    def item_ids(self) -> list[str]:
        return [item.id for item in self.items]

    @property
    def auto_items(self) -> list[Item]:
        return [item for item in self.items if not item.manual]

    @property
    def source_dir(self) -> Path:
        return Path(self.path).parent

    def registry(self) -> Any:
        return _import_registry(self.reference)


def _import_registry(module_name: str) -> Any:
    module = importlib.import_module(module_name)
    registry = getattr(module, "REFERENCES", None)
    if registry is None:
        raise AttributeError(f"module {module_name} has no REFERENCES registry")
    return registry


def load_rubric(path: str | Path) -> Rubric:
    """Load and validate a rubric; raise `RubricError` listing every problem found."""
    path = Path(path)
    data = read_yaml_mapping(path, what="rubric")
    try:
        rubric = Rubric.model_validate(data)
    except ValidationError as exc:
        raise problems_error(path, validation_problems(exc, data), what="rubric") from None
    problems = check_rubric(rubric)
    if problems:
        raise problems_error(path, problems, what="rubric")
    return rubric


def check_rubric(rubric: Rubric) -> list[str]:
    """Semantic checks that pydantic cannot express; returns every problem as a line."""
    problems: list[str] = []
    try:
        registry = rubric.registry()
    except (ImportError, AttributeError) as exc:
        registry = None
        problems.append(f"reference: cannot load {rubric.reference!r}: {exc}")

    seen: set[str] = set()
    question_ids = {q.id for q in rubric.questions}
    for index, item in enumerate(rubric.items):
        where = f"items[{index}] ({item.id})"
        if item.id in seen:
            problems.append(f"{where}.id: duplicate item id {item.id!r}")
        seen.add(item.id)
        if item.question not in question_ids:
            problems.append(f"{where}.id: question {item.question!r} is not listed under questions")
        if item.points <= 0:
            problems.append(f"{where}.points: expected a positive number, got {item.points}")
        if item.manual or rubric.kit:
            if item.rules():
                what = "a text item is graded by a TA" if item.manual else "a student kit carries no keys"
                problems.append(f"{where}: {what} and takes no key, accept or mistakes")
        elif item.key is None:
            problems.append(f"{where}.key: expected a key for a {item.kind} item, got none")
        problems.extend(f"{where}.{p}" for p in check_manual_rubric(item))
        if (item.key_digest is not None or item.accept_digests) and not rubric.kit:
            problems.append(f"{where}.key_digest: only student kits carry key digests")
        problems.extend(f"{where}.{p}" for p in [*option_problems(item), *get_kind(item.kind).check_spec(item)])
        for field_name, rules in (("key", [item.key] if item.key else []), ("accept", item.accept), ("mistakes", item.mistakes)):
            for r_index, rule in enumerate(rules):
                rwhere = f"{where}.{field_name}" + ("" if field_name == "key" else f"[{r_index}]")
                problems.extend(_check_rule(item, rule, rwhere, registry))
        if item.key is not None and item.key.credit != 1.0:
            problems.append(f"{where}.key.credit: the key always earns full credit, got {item.key.credit}")
        for r_index, rule in enumerate(item.mistakes):
            if rule.credit >= 1.0:
                problems.append(f"{where}.mistakes[{r_index}].credit: a known mistake earns less than full credit; move it to accept")
            if not rule.feedback:
                problems.append(f"{where}.mistakes[{r_index}].feedback: a known mistake needs feedback that explains it")

    for q in rubric.questions:
        regular = sum(i.points for i in rubric.items if i.question == q.id and not i.bonus)
        bonus = sum(i.points for i in rubric.items if i.question == q.id and i.bonus)
        if abs(regular - q.points) > 1e-9:
            problems.append(f"questions ({q.id}).points: expected the items' sum {regular:g}, got {q.points:g}")
        if abs(bonus - q.bonus) > 1e-9:
            problems.append(f"questions ({q.id}).bonus: expected the bonus items' sum {bonus:g}, got {q.bonus:g}")
    regular_total = sum(i.points for i in rubric.items if not i.bonus)
    bonus_total = sum(i.points for i in rubric.items if i.bonus)
    if abs(regular_total - rubric.total) > 1e-9:
        problems.append(f"total: expected the items' sum {regular_total:g}, got {rubric.total:g}")
    if abs(bonus_total - rubric.bonus_total) > 1e-9:
        problems.append(f"bonus_total: expected the bonus items' sum {bonus_total:g}, got {rubric.bonus_total:g}")
    return problems


def check_manual_rubric(item: Item) -> list[str]:
    """Problems with an item's `manual_rubric` entries (each line starts with the field name)."""
    problems: list[str] = []
    if item.manual_rubric and not item.manual:
        return [f"manual_rubric: only text items are graded with rubric entries, not {item.kind} items"]
    seen: dict[str, int] = {}
    for index, entry in enumerate(item.manual_rubric):
        where = f"manual_rubric[{index}]"
        if not entry.comment.strip():
            problems.append(f"{where}.comment: expected the comment the student sees, got an empty one")
        elif entry.comment.strip() in seen:
            problems.append(f"{where}.comment: the same comment as manual_rubric[{seen[entry.comment.strip()]}]")
        else:
            seen[entry.comment.strip()] = index
        if entry.points == 0 or abs(entry.points) > item.points:
            problems.append(f"{where}.points: expected a non-zero number within ±{item.points:g} (the item's points), got {entry.points:g}")
    return problems


def _check_rule(item: Item, rule: AnswerRule, where: str, registry: Any) -> list[str]:
    problems: list[str] = []
    given = [name for name, present in (("ref", rule.ref), ("value", rule.value is not None), ("range", rule.range)) if present]
    if len(given) != 1:
        problems.append(f"{where}: expected exactly one of ref, value or range, got {', '.join(given) or 'none'}")
        return problems
    traits = get_kind(item.kind).TRAITS
    if rule.range is not None:
        if not traits.ranges:
            problems.append(f"{where}.range: a range only fits number items, not {item.kind}")
        elif rule.range[0] > rule.range[1]:
            problems.append(f"{where}.range: expected low <= high, got {list(rule.range)}")
    if rule.value is not None and not traits.literal_keys:
        problems.append(f"{where}.value: literal keys are for choice items; compute a {item.kind} key with a ref")
    if rule.value is not None and traits.literal_keys and str(rule.value) not in item.options:
        problems.append(f"{where}.value: expected one of the options {sorted(item.options)}, got {rule.value!r}")
    if rule.ref is not None and registry is not None:
        ref = registry.functions.get(rule.ref)
        if ref is None:
            problems.append(f"{where}.ref: no reference function {rule.ref!r} in {registry.homework}")
        else:
            if ref.instance is not None and ref.instance not in registry.instances:
                problems.append(f"{where}.ref: {rule.ref!r} needs instance {ref.instance!r}, which is not registered")
            wanted = set(ref.parameters) - {"instance"}
            if ref.formula:
                if not traits.formula_keys:
                    problems.append(f"{where}.ref: {rule.ref!r} is a formula; it fits expression items, not {item.kind}")
                unknown = wanted - set(item.variables) - set(rule.args)
                if unknown:
                    problems.append(f"{where}.ref: {rule.ref!r} takes {sorted(unknown)}, which are not among the item's variables {item.variables}")
            else:
                if traits.formula_keys:
                    problems.append(f"{where}.ref: {rule.ref!r} is not a formula; an {item.kind} item needs formula=True")
                params = inspect_parameters(ref)
                missing = {p for p, has_default in params.items() if not has_default} - set(rule.args) - {"instance"}
                extra = set(rule.args) - set(params)
                if missing:
                    problems.append(f"{where}.args: {rule.ref!r} needs {sorted(missing)}, not given")
                if extra:
                    problems.append(f"{where}.args: {rule.ref!r} takes no {sorted(extra)}")
    return problems


def inspect_parameters(ref: Any) -> dict[str, bool]:
    import inspect

    return {
        name: p.default is not inspect.Parameter.empty
        for name, p in inspect.signature(ref.func).parameters.items()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
