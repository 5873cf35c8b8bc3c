"""Keys: every rule of every item turned into an expected value by running reference code.

Shared keys are computed once per run; per-student (instance) keys once per student. Anything a
reference function does wrong is an author error: `ReferenceSolutionError` naming item and ref.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import GraderError, ReferenceSolutionError
from grader.kinds import get_kind
from grader.kinds.base import Formula, Range
from grader.rubric import AnswerRule, Item, Rubric

_MISSING = object()


@dataclass
class KeyBook:
    rubric: Rubric
    registry: Any = None
    _shared: dict[tuple[str, int], Any] = field(default_factory=dict)
    _instances: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    _per_student: dict[tuple[str, int, str], Any] = field(default_factory=dict)
    _student: str | None = None
    _secret: bytes | None = None

    def __post_init__(self) -> None:
        if self.registry is None:
            self.registry = self.rubric.registry()

    @property
    def secret(self) -> bytes:
        """The grading secret that seeds the points where formulas are compared: the SHA-256 of
        the full rubric file and every reference source file (`reference_fingerprint`). A
        student kit contains neither (its rubric has no keys, its reference only the instance
        generator), so no student can compute the points; the same files give the same points,
        so grading is deterministic. Anyone who can read the reference code can read the key."""
        if self._secret is None:
            self._secret = hashlib.sha256(b"hwgrader grading secret\x00" + reference_fingerprint(self.rubric).encode()).digest()
        return self._secret

    def needs_instance(self, rule: AnswerRule) -> str | None:
        if rule.ref is None:
            return None
        instance: str | None = self.registry.functions[rule.ref].instance
        return instance

    def instance(self, name: str, student_id: str) -> dict[str, Any]:
        cache_key = (name, student_id)
        if cache_key not in self._instances:
            self._instances[cache_key] = self.registry.instances[name](student_id)
        return self._instances[cache_key]

    def instances_for(self, student_id: str) -> dict[str, dict[str, Any]]:
        """Every instance the homework registers (a student kit has no rules to say which)."""
        return {name: self.instance(name, student_id) for name in sorted(self.registry.instances)}

    def expected(self, item: Item, index: int, student_id: str | None = None) -> Any:
        """The prepared expected value of `item.rules()[index]` (for `student_id` if per-student)."""
        # already computed (grading asks ~165 times per HW4 submission): skip building rules()
        value = self._shared.get((item.id, index), _MISSING)
        if value is _MISSING and student_id is not None and student_id == self._student:
            value = self._per_student.get((item.id, index, student_id), _MISSING)
        if value is not _MISSING:
            return value
        rule = item.rules()[index]
        instance_name = self.needs_instance(rule)
        if instance_name is None:
            cache_key = (item.id, index)
            if cache_key not in self._shared:
                self._shared[cache_key] = self._compute(item, rule, None)
            return self._shared[cache_key]
        if student_id is None:
            raise ReferenceSolutionError(f"{item.id}: {rule.ref} needs a student id for its instance")
        if student_id != self._student:  # keep one student's keys: a batch grades student by student
            self._student = student_id
            self._per_student.clear()
            self._instances.clear()
        student_key = (item.id, index, student_id)
        if student_key not in self._per_student:
            self._per_student[student_key] = self._compute(item, rule, self.instance(instance_name, student_id))
        return self._per_student[student_key]

    def _compute(self, item: Item, rule: AnswerRule, instance: dict[str, Any] | None) -> Any:
        kind = get_kind(item.kind)
        if rule.range is not None:
            return Range(*rule.range)
        if rule.value is not None:
            value: Any = rule.value
        else:
            ref = self.registry.functions[rule.ref]
            if ref.formula:
                params = tuple(inspect.signature(ref.func).parameters)
                value = Formula(ref.func, tuple(item.variables), params, dict(rule.args), secret=self.secret)
            else:
                kwargs = dict(rule.args)
                if instance is not None:
                    kwargs["instance"] = instance
                try:
                    value = ref.func(**kwargs)
                except GraderError:
                    raise
                except Exception as exc:  # reference code is ours: any failure is an author error
                    raise ReferenceSolutionError(f"{item.id}: reference {rule.ref} failed: {type(exc).__name__}: {exc}") from exc
                finally:
                    _single_threaded_torch()
        try:
            return kind.prepare(value, item)
        except ReferenceSolutionError:
            raise
        except Exception as exc:
            raise ReferenceSolutionError(f"{item.id}: reference {rule.ref or rule.value!r} gave an unusable value: {exc}") from exc

    def warm(self) -> None:
        """Compute every shared key now, so that a broken reference stops the run before grading."""
        for item in self.rubric.auto_items:
            for index, rule in enumerate(item.rules()):
                if self.needs_instance(rule) is None:
                    self.expected(item, index)


def _single_threaded_torch() -> None:
    """Once torch has been imported (by reference code, lazily), run it on one thread.

    Reference tensors are tiny (at most a few hundred entries): torch's intra-op thread pool
    costs far more than it saves (measured: 2-9 ms per reference call with 2 threads, 0.1-0.4 ms
    with one), and batch grading already uses one process per core. Never imports torch itself.
    """
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "set_num_threads") and torch.get_num_threads() != 1:
        torch.set_num_threads(1)  # torch's own setting is the state: no flag of ours to keep in step


def reference_fingerprint(rubric: Rubric) -> str:
    """SHA-256 over the rubric file and the reference package's source files."""
    digest = hashlib.sha256()
    digest.update(Path(rubric.path).read_bytes() if rubric.path else b"")
    module = __import__(rubric.reference, fromlist=["REFERENCES"])
    if module.__file__ is None:
        raise ReferenceSolutionError(f"reference {rubric.reference!r}: expected a package with an __init__.py, got a namespace package")
    package_dir = Path(module.__file__).parent
    for source in sorted(package_dir.rglob("*.py")):
        digest.update(source.relative_to(package_dir).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()
