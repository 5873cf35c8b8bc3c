"""Author-written configuration (rubrics, course files): the strict pydantic base, trusted YAML
reading, and the one problem-list error format every file check uses.

Authors' files are validated whole: every problem is collected and reported at once, one line
each under a head that names the file (`problem_list`). Rubrics, course files, TA sheets,
manifests and rosters all raise their errors in this one shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from grader.errors import RubricError


class Strict(BaseModel):
    """An author's mapping: unknown keys are errors (a typo is never silently ignored), frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def plural(count: int, noun: str) -> str:
    """`1 problem`, `3 problems`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def problem_list(head: str, problems: Sequence[object]) -> str:
    """The one multi-problem message: a head line, then one `  - problem` line each."""
    return head + "".join(f"\n  - {p}" for p in problems)


def field_path(loc: Sequence[Any], data: Any = None) -> str:
    """A pydantic error location as a field path (`items[3] (q1.a).points`), naming the element's
    `id` where `data` (the validated input) has one; `(top level)` for the whole file."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            label = f"[{key}]"
            if isinstance(node, list) and key < len(node):
                node = node[key]
                if isinstance(node, dict) and "id" in node:
                    label = f"[{key}] ({node['id']})"
            else:
                node = None
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"


def _got(err: Any) -> str:
    value = err.get("input")
    if err.get("type") == "missing" or isinstance(value, (dict, list)) or value is None:
        return ""
    return f", got {value!r}"


def validation_problems(exc: ValidationError, data: Any) -> list[str]:
    """One line per pydantic error: `field.path: message, got <value>`."""
    return [f"{field_path(tuple(err['loc']), data)}: {err['msg']}{_got(err)}" for err in exc.errors()]


def parse_trusted_yaml(text: str) -> Any:
    """A rubric's or course file's YAML, with libyaml's loader where PyYAML has it (the same
    safe loading, ~10x faster: the pure-Python one took 0.1 s of every run per rubric read).
    Student files have their own bounded reader (grader/readers/answer_file.py)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader


def read_yaml_mapping(path: Path, *, what: str) -> dict[str, Any]:
    """A trusted YAML file (rubric, course) as a mapping, with `path` added; `RubricError` if not."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RubricError(f"{path}: cannot read the {what}: {exc.strerror or exc}") from exc
    try:
        data = parse_trusted_yaml(text)
    except yaml.YAMLError as exc:
        raise RubricError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RubricError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    return {**data, "path": str(path)}


def problems_error(path: Path, problems: Sequence[str], *, what: str) -> RubricError:
    """`<path>: N problems in the <what>` and the list: an author's file, all problems at once."""
    return RubricError(problem_list(f"{path}: {plural(len(problems), 'problem')} in the {what}", problems))
