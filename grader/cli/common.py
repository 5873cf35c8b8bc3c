"""Pieces shared by the commands: the default-command group, rubric discovery, the console."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import click


class DefaultGroup(click.Group):
    """A group where `grade DIR` means `grade run DIR` (the main job needs no subcommand)."""

    def __init__(self, *args: Any, default_command: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_command = default_command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


def rubric_dirs() -> list[Path]:
    """Where rubrics are looked up: $HWGRADER_RUBRICS, ./rubrics, then the checkout's rubrics/."""
    dirs = []
    if os.environ.get("HWGRADER_RUBRICS"):
        dirs.append(Path(os.environ["HWGRADER_RUBRICS"]))
    dirs.append(Path.cwd() / "rubrics")
    dirs.append(Path(__file__).resolve().parents[2] / "rubrics")
    from grader.student import KIT_PACKAGE, KIT_RUBRICS

    kit = importlib.util.find_spec(KIT_PACKAGE)  # an installed student kit carries its rubric
    if kit is not None and kit.submodule_search_locations:
        dirs.append(Path(list(kit.submodule_search_locations)[0]) / KIT_RUBRICS)
    seen: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [s.resolve() for s in seen]:
            seen.append(d)
    return seen


def _rubric_heads() -> list[tuple[Path, dict[str, Any]]]:
    """Every homework's rubric in the rubric folders, parsed once. A homework found in an earlier
    folder shadows the same homework further down (a course folder's `rubrics/hw4.yaml` is the
    one, not also the checkout's)."""
    import yaml

    from grader.config import parse_trusted_yaml

    found = []
    homeworks: set[str] = set()
    for folder in rubric_dirs():
        for path in sorted(folder.glob("*.yaml")):
            try:
                head = parse_trusted_yaml(path.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError):
                continue
            if isinstance(head, dict) and "file_prefix" in head and "items" in head:
                homework = str(head.get("homework", path.stem))
                if homework not in homeworks:
                    homeworks.add(homework)
                    found.append((path, head))
    return found


def all_rubric_paths() -> list[Path]:
    return [path for path, _ in _rubric_heads()]


def find_rubric(rubric: Path | None, *, file_names: list[str]) -> Path:
    """The rubric given, or the one whose `file_prefix` the answer files start with."""
    from grader.errors import RubricError

    if rubric is not None:
        return rubric
    for path, head in _rubric_heads():
        prefix = str(head.get("file_prefix", ""))
        if prefix and any(name.lower().startswith(prefix.lower()) for name in file_names):
            return path
    where = ", ".join(str(d) for d in rubric_dirs()) or "no rubrics folder found"
    raise RubricError(f"no rubric matches these files (looked in {where}); pass --rubric FILE")


def folder_homeworks(file_names: list[str]) -> list[tuple[Path, str, str, int]]:
    """(rubric, homework, file prefix, number of files) for each homework whose files are among
    `file_names` (a mixed folder has several), each file counted for the longest prefix it has."""
    heads: dict[str, tuple[Path, str]] = {}  # prefix → (rubric, homework); the first rubric found wins
    for path, head in _rubric_heads():
        prefix = str(head.get("file_prefix", ""))
        if prefix and prefix.lower() not in heads:
            heads[prefix.lower()] = (path, str(head.get("homework", path.stem)))
    counts: dict[str, int] = {}
    for name in file_names:
        matches = [p for p in heads if name.lower().startswith(p)]
        if matches:
            best = max(matches, key=len)
            counts[best] = counts.get(best, 0) + 1
    return [(heads[p][0], heads[p][1], p, n) for p, n in counts.items()]


def console(stderr: bool = False) -> Any:
    """The rich console every command prints with; text from files passes `grader.terminal.printable`."""
    from rich.console import Console

    from grader.terminal import printable

    class SafeConsole(Console):
        def print(self, *objects: Any, **kwargs: Any) -> None:
            super().print(*(printable(o) if isinstance(o, str) else o for o in objects), **kwargs)

    return SafeConsole(stderr=stderr, highlight=False, soft_wrap=False)


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """`click.echo` for text that may come from a file (names, ids, keys): control characters escaped."""
    from grader.terminal import printable

    click.echo(printable(message), err=err, nl=nl)


def the_rubric(rubric: Path | None) -> Path:
    """The rubric given, or the only one found (commands that work on one homework)."""
    from grader.errors import RubricError

    if rubric is not None:
        return rubric
    found = all_rubric_paths()
    if len(found) != 1:
        raise RubricError(f"expected one rubric, found {len(found)}; pass --rubric FILE")
    return found[0]
