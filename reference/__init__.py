"""Reference solutions: code that computes every key the rubrics point at.

A homework package (e.g. `reference.hw4`) builds one `Registry` named `REFERENCES`. Rubrics name
functions by their registered name; the grader never sees a typed-in key where code can compute it.

- `@REFERENCES.answer(name)`: returns a concrete answer (int, float, list, nested list, str).
- `@REFERENCES.answer(name, formula=True)`: a formula in the item's variables. The function is
  called with numbers (exact `Fraction`s) to test a student's formula at random points, and with
  SymPy symbols to print the key; it must work for both, so write plain arithmetic.
- `@REFERENCES.answer(name, instance="q3")`: a per-student answer; called with `instance=` the
  dict that `@REFERENCES.instance("q3")` generates from the student id.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RefFunction:
    name: str
    func: Callable[..., Any]
    instance: str | None = None
    formula: bool = False
    doc: str = ""

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(inspect.signature(self.func).parameters)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.func(*args, **kwargs)


class Registry:
    def __init__(self, homework: str) -> None:
        self.homework = homework
        self.functions: dict[str, RefFunction] = {}
        self.instances: dict[str, Callable[[str], dict[str, Any]]] = {}

    def answer(
        self, name: str, *, instance: str | None = None, formula: bool = False
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(func: Callable[..., Any]) -> Callable[..., Any]:
            if name in self.functions:
                raise ValueError(f"reference {name!r} registered twice")
            doc = inspect.cleandoc(func.__doc__ or "")
            self.functions[name] = RefFunction(name, func, instance, formula, doc)
            return func

        return register

    def instance(self, name: str) -> Callable[[Callable[[str], dict[str, Any]]], Callable[[str], dict[str, Any]]]:
        def register(func: Callable[[str], dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
            if name in self.instances:
                raise ValueError(f"instance generator {name!r} registered twice")
            self.instances[name] = func
            return func

        return register
