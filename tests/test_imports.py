"""The package's import graph has no loops, and its public API is what grader/__init__ says.

The graph is read from the source (ast), so a loop is caught even where a lazy import inside a
function hides it at run time. Imports under `if TYPE_CHECKING:` are for type checkers only and
do not count. Importing `a.b.c` from outside package `a.b` runs `a/b/__init__.py` first, so it
counts as an import of `a.b` too.
"""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import grader

PACKAGE = Path(grader.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ("grader", *path.relative_to(PACKAGE).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imported(module: str, path: Path) -> set[str]:
    """Every module name `module` imports at any depth, TYPE_CHECKING blocks left out."""
    names: set[str] = set()
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child.test):
                for other in child.orelse:
                    visit_node(other)
                continue
            visit_node(child)

    def visit_node(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import submodule`
        visit(node)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return names


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        edges = set()
        for name in _imported(module, path):
            parts = name.split(".")
            for end in range(2, len(parts) + 1):  # the module and each package above it
                target = ".".join(parts[:end])
                if target in modules and target != module and not module.startswith(target + "."):
                    edges.add(target)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}, "c": set()}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ],
)
def test_cycles_finds_loops(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert cycles(graph) == expected


def test_the_graph_sees_lazy_and_package_imports() -> None:
    graph = import_graph()
    assert "grader.kinds" in graph["grader.grading.item"]  # `from grader.kinds import get_kind`
    assert "grader.fsio" in graph["grader.grading.cache"]  # imported inside a function
    assert "grader.kinds" in graph["grader.keys.keybook"]  # `from grader.kinds.base import ...` runs kinds/__init__
    assert "grader.kinds" not in graph["grader.kinds.base"]  # a module inside the package does not


def test_the_package_has_no_import_loops() -> None:
    assert cycles(import_graph()) == []


def test_the_public_api_is_exported_and_keyword_only() -> None:
    assert sorted(grader.__all__) == sorted(grader._EXPORTS)
    for name in grader.__all__:
        value = getattr(grader, name)
        assert value.__name__ == name
        if inspect.isfunction(value):
            params = list(inspect.signature(value).parameters.values())
            positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            assert len(positional) <= 1, f"grader.{name}: only its subject is positional, got {[p.name for p in positional]}"
    for name in ("grade_batch", "run_grading", "load_rubric", "validate_rubric", "load_submission", "GraderError", "SubmissionResult", "Verdict"):
        assert name in grader.__all__
    assert issubclass(grader.RubricError, grader.GraderError)
    with pytest.raises(AttributeError):
        grader.no_such_name  # noqa: B018


def test_importing_grader_loads_nothing_heavy() -> None:
    code = "import sys, grader; print(sorted(m for m in sys.modules if m.split('.')[0] in ('grader', 'numpy', 'pydantic', 'torch', 'yaml')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['grader']"
