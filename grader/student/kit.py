"""The student kit: the same checker, without the keys.

`grade kit --out DIR` writes an installable folder with the grader, the homework's instance
generator (so templates carry each student's numbers), a rubric with every key, accepted
alternative, known mistake and note removed, and the course file. Formula items that the rubric
makes visible (`self_check: correctness`) keep only *digests*: a SHA-256 over the key's exact
values at the item's fixed public sample points, and one for each full-credit alternative
(`accept_digests`; no alternative's text is shipped). A student's formula is evaluated at the same points and
hashed, so the check can say "correct" without the kit containing the formula. Values that are
not exact rationals cannot be fingerprinted; such answers are reported as unverifiable offline.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import re
import shutil
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from grader.errors import RubricError
from grader.rubric import Kind, Rubric, SelfCheck
from grader.student import KIT_PACKAGE, KIT_RUBRICS

DIGEST_POINTS = 8
_FORMULA_KINDS = (Kind.EXPRESSION, Kind.EXPRESSIONS)


class NotExact(Exception):
    """A value at a sample point is a float (or undefined): it cannot be fingerprinted."""


def _token(value: Any) -> str:
    from grader.kinds.expression import TOO_BIG, UNDEFINED

    if isinstance(value, tuple):
        return "(" + ",".join(_token(v) for v in value) + ")"
    if value is UNDEFINED or value is TOO_BIG or isinstance(value, float):
        raise NotExact(repr(value))
    value = Fraction(value)
    return f"{value.numerator}/{value.denominator}"


def _digest(item: Any, values: list[Any]) -> str:
    text = item.id + "|" + "|".join(_token(v) for v in values)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def key_digest(item: Any, formula: Any) -> str:
    """The fingerprint of a key formula (raises `NotExact` if it is not exact at every point)."""
    from grader.kinds.expression import key_value, points_for

    points = points_for(item)
    return _digest(item, [key_value(formula, points, i, item) for i in range(DIGEST_POINTS)])


def answer_digest(item: Any, parsed: Any) -> str:
    """The fingerprint of a parsed student answer, comparable with `key_digest`."""
    from grader.kinds.expression import points_for, student_value

    points = points_for(item)
    answers = parsed.items if item.kind is Kind.EXPRESSIONS else (parsed,)
    values = []
    for index in range(DIGEST_POINTS):
        row = tuple(student_value(answer, points, index) for answer in answers)
        values.append(row if item.kind is Kind.EXPRESSIONS else row[0])
    return _digest(item, values)


# --- building a kit ----------------------------------------------------------------------------

_DROP = ("key", "accept", "mistakes", "notes", "manual_rubric")


def kit_rubric(rubric: Rubric, *, reference_module: str) -> tuple[dict[str, Any], list[str]]:
    """The kit's rubric as data, and notes on visible items that had to become format-only."""
    from grader.keys.keybook import KeyBook

    keys = KeyBook(rubric)
    data = yaml.safe_load(Path(rubric.path).read_text(encoding="utf-8"))
    data["kit"] = True
    data.pop("notes", None)  # the key documentation's remarks (official errors) stay with the TAs
    data["reference"] = reference_module
    notes: list[str] = []
    for raw in data["items"]:
        item = rubric.item(raw["id"])
        for name in _DROP:
            raw.pop(name, None)
        if item.self_check is not SelfCheck.CORRECTNESS or item.manual:
            raw.pop("self_check", None)
            continue
        if item.kind in _FORMULA_KINDS:
            try:
                raw["key_digest"] = key_digest(item, keys.expected(item, 0))
                # every full-credit alternative too, so the kit says correct exactly where grade does
                full = [index for index, rule in enumerate(item.rules()) if index > 0 and rule.credit >= 1]
                if full:
                    raw["accept_digests"] = [key_digest(item, keys.expected(item, index)) for index in full]
                continue
            except NotExact:
                raw.pop("key_digest", None)
        raw["self_check"] = SelfCheck.FORMAT.value
        notes.append(f"{item.id}: correctness cannot be checked without its key; the kit checks its format only")
    return data, notes


def _instances_module(rubric: Rubric) -> str:
    """Source of a module that registers only the homework's instance generators."""
    registry = rubric.registry()
    modules = {inspect.getmodule(func) for func in registry.instances.values()}
    if not modules:
        return f'from reference import Registry\n\nREFERENCES = Registry("{registry.homework}")\n'
    if len(modules) != 1:
        raise RubricError(f"{rubric.path}: the instance generators must live in one module to be put in a kit")
    source = inspect.getsource(modules.pop())  # type: ignore[arg-type]  # functions have a module
    anchor = f"from {rubric.reference} import REFERENCES"
    if anchor not in source:
        raise RubricError(f"{rubric.path}: the instance module must import REFERENCES with '{anchor}'")
    source = source.replace(anchor, f'from reference import Registry\n\nREFERENCES = Registry("{registry.homework}")')
    carried = {"reference", *(f"reference.{p.stem}" for p in KIT_REFERENCE_FILES)}
    for match in re.finditer(r"^\s*(?:from|import)\s+(reference\.[\w.]+)", source, re.MULTILINE):
        if match[1] not in carried:
            raise RubricError(
                f"{rubric.path}: the instance module imports {match[1]}, which a student kit does not carry (it carries "
                f"{', '.join(sorted(carried))}); use reference.instances.HashStream (docs/instances.md)"
            )
    return source


KIT_REFERENCE_FILES = (Path("__init__.py"), Path("instances.py"))  # of reference/: homework-neutral, no keys


# What `grade template` and `grade check` import (a test runs them in a clean venv with only these).
KIT_REQUIREMENTS = ("click", "rich", "pydantic", "pyyaml", "numpy", "pypdf")  # pypdf: `grade check` of a filled PDF answer sheet
# pydantic evaluates `X | None` annotations at run time: on Python 3.9 it needs this backport
KIT_EXTRA_REQUIREMENTS = ('eval_type_backport>=0.2; python_version < "3.10"',)
# the grader's commands that the kit answers with a one-line refusal (plus any `grade kit` passes)
TA_COMMANDS = ("export", "integrity", "key", "kit", "ledger", "manual", "new", "review", "run", "validate")
# `grade sheet` in a kit: WeasyPrint and Jinja2, an optional extra (WeasyPrint needs Pango, which
# Windows lacks without MSYS2); the kit carries the DejaVu faces (grader/typeset/fonts/)
KIT_SHEET_REQUIREMENTS = ("weasyprint", "jinja2")
# what only TAs use, relative to grader/: left out of the kit (a test imports every module the
# kit's commands need from a kit built without them)
_TA_ONLY = ("outputs", "store", "review", "integrity")

_PYPROJECT = """[build-system]
# hatchling builds the wheel without writing build/ or *.egg-info into this folder
requires = ["hatchling>=1.18"]
build-backend = "hatchling.build"

[project]
name = "{dist}"
version = "{version}"
description = "Self-check for {title} (no keys inside)"
readme = "README.md"
requires-python = ">=3.9"
dependencies = {dependencies}

[project.optional-dependencies]
sheet = {sheet_dependencies}

[project.scripts]
grade = "grader.cli:run"

[tool.hatch.build.targets.wheel]
packages = ["grader", "reference", "{kit_package}"]
"""

_KIT_MARKER = """\"\"\"Written by `grade kit`: this copy of the grader is a student kit (grader/cli/student.py).\"\"\"

DIST = {dist!r}
VERSION = {version!r}
TA_COMMANDS = {commands!r}
"""

_README = """# Self-check kit: {title}

This folder checks your answer file the way the grader reads it, on your own computer. It holds
the grader's own reader and checker, but no answer key. You need Python 3.9 or newer
(`python3 --version`; on Windows `py --version`).

**1. Open a terminal in this folder** (the one with this README) and `cd` into it, e.g.
`cd Downloads/{folder}`. Every command below runs from here.

**2. Install, once** (a private environment in `.venv`; nothing else on your computer changes):

| System | Command |
| --- | --- |
| Linux, macOS | `python3 -m venv .venv` then `.venv/bin/pip install .` |
| Windows (PowerShell or cmd) | `py -m venv .venv` then `.venv\\Scripts\\pip install .` |

**3. Your answer file, with your own numbers** (Q2/Q3 depend on your student id):

| System | Command |
| --- | --- |
| Linux, macOS | `.venv/bin/grade template --student YOUR_ID` |
| Windows | `.venv\\Scripts\\grade template --student YOUR_ID` |

It writes `{prefix}YOUR_ID.yaml`: write each answer between the quotes of its line.

**4. Check it before you submit**, as often as you like:

| System | Command |
| --- | --- |
| Linux, macOS | `.venv/bin/grade check {prefix}YOUR_ID.yaml` |
| Windows | `.venv\\Scripts\\grade check {prefix}YOUR_ID.yaml` |

A filled PDF answer sheet is checked the same way: `grade check {prefix}YOUR_ID.pdf`.

**Lost your PDF answer sheet?** The kit writes it again, with your own numbers and no answer key:
install the kit with its `sheet` extra (WeasyPrint, which needs the Pango library: on Linux it is
usually there, on macOS `brew install pango`, on Windows see WeasyPrint's install guide), then

| System | Command |
| --- | --- |
| Linux, macOS | `.venv/bin/pip install ".[sheet]"` then `.venv/bin/grade sheet --student YOUR_ID` |
| Windows | `.venv\\Scripts\\pip install ".[sheet]"` then `.venv\\Scripts\\grade sheet --student YOUR_ID` |

Fill it in a PDF viewer (Firefox, Acrobat Reader, Okular, Evince) and save it with Save, not Print.

`grade check` reads every answer back as the grader understands it ("read as") and points at
anything it cannot read, with what to do. For the items marked as checkable it also says whether
the answer is correct: it compares a fingerprint of your formula with fingerprints of the
accepted answers, so the kit never contains them. An item it cannot decide offline is "not
checkable" (the grader decides it); other items are checked for format only. `grade --version`
names this kit; the grader's other commands (`grade run`, `grade key`, ...) are for TAs and are
not in it.

How to write every kind of answer: [docs/answer-forms.md](docs/answer-forms.md). In short
(every form is read by the grader's own parser, never executed):

- numbers: `0.125`, `1/8`, `1.25e-1`, `1.2×10^5`, `sqrt(3/64)`, `0.8^50`, Persian digits `۰٫۱۲۵`,
  thousands separators in groups of three (`51,200`, `51 200`, `۵۱٬۲۰۰`); percentages `42.5%`;
- formulas in the listed variables: `A^2*B*C`, `A**2 B C`, `(A B)^2 C`, `$A^{{2}}BC$`, `\\frac{{A}}{{2}}`,
  `\\sqrt{{A}}`, `×`, `·`, `−`, `²`; adjacent single-letter variables multiply (`ABC` = A·B·C);
- lists of formulas: `[M - 2K + 1, N - 2K + 1]` or `(M-2K+1) x (N-2K+1)`; shapes: `32x32`, `[32, 32]`;
- matrices and tensors: nested lists `[[1, 0], [0, 1]]`, `[1 0; 0 1]`, LaTeX `bmatrix`, numpy's
  printed `array([[1., 0.], [0., 1.]])`;
- choices: the option key in any case, or an alias listed in your template.

Time bounds: on Linux and macOS each answer is also checked under a 2-second alarm. Windows has
no such alarm (no SIGALRM); there the parser's own limits bound the work instead (2,000
characters and 2,000 nodes per formula, nesting depth 100, exponents up to 1,000, exact numbers
up to 4,096 bits, matrices up to 100,000 entries), each checked before the work it bounds.
"""


def kit_requirements(names: Sequence[str] = KIT_REQUIREMENTS, *, extra: Sequence[str] = KIT_EXTRA_REQUIREMENTS) -> list[str]:
    """The kit's dependencies (`names`, by default what `check` and `template` import) with the
    grader's own pins, and the `extra` lines."""
    import importlib.metadata
    import re

    try:
        requires = importlib.metadata.requires("hwgrader") or []
    except importlib.metadata.PackageNotFoundError:
        requires = []
    pins = {re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].lower(): r for r in requires if "extra ==" not in r}
    return [pins.get(name, name) for name in names] + list(extra)


def build_kit(rubric: Rubric, out_dir: Path, *, force: bool = False, ta_commands: Sequence[str] = ()) -> list[str]:
    """Write the kit for `rubric` into `out_dir`; returns notes for the TA. `ta_commands`: the
    CLI's command names (`grade kit` passes them), each a one-line refusal in the kit."""
    import importlib.metadata

    import grader

    if out_dir.exists() and any(out_dir.iterdir()) and not force:
        raise RubricError(f"{out_dir} is not empty; pass --force to replace it")
    # built beside the target and renamed into place: a crash never leaves half a kit
    final, out_dir = out_dir, out_dir.with_name(f".{out_dir.name}.building-{os.getpid()}")
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    package_root = Path(grader.__file__).parent
    reference_module = f"{KIT_PACKAGE}.{rubric.homework}"
    data, notes = kit_rubric(rubric, reference_module=reference_module)
    shutil.copytree(package_root, out_dir / "grader", ignore=_kit_ignore(package_root))
    reference_init = Path(inspect.getfile(type(rubric.registry()))).parent / "__init__.py"
    (out_dir / "reference").mkdir(parents=True)
    for name in KIT_REFERENCE_FILES:
        shutil.copy(reference_init.parent / name, out_dir / "reference" / name)
    (out_dir / KIT_PACKAGE).mkdir()
    (out_dir / KIT_PACKAGE / "__init__.py").write_text('"""Instance generators for student kits (no keys)."""\n', encoding="utf-8")
    (out_dir / KIT_PACKAGE / f"{rubric.homework}.py").write_text(_instances_module(rubric), encoding="utf-8")
    rubrics = out_dir / KIT_PACKAGE / KIT_RUBRICS  # package data: found wherever the kit is installed
    rubrics.mkdir()
    header = f"# Student kit of {Path(rubric.path).name}: keys, accepted alternatives, known mistakes and notes removed.\n"
    (rubrics / Path(rubric.path).name).write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if rubric.course:
        course = rubric.source_dir / rubric.course
        try:
            shutil.copy(course, rubrics / rubric.course)
        except OSError as exc:  # the author's file is missing: a rubric problem, not a failed write
            shutil.rmtree(out_dir, ignore_errors=True)
            raise RubricError(f"{course}: cannot read the course file: {exc.strerror or exc}") from None
    try:
        version = importlib.metadata.version("hwgrader")
    except importlib.metadata.PackageNotFoundError:
        version = "0"
    dist = f"hwgrader-kit-{rubric.homework}"
    commands = tuple(sorted(set(ta_commands) | set(TA_COMMANDS)))
    from grader.typeset.pdf import FONT_FACES, font_dir

    fonts = out_dir / "grader" / "typeset" / "fonts"  # `grade sheet` in the kit: no matplotlib to take them from
    fonts.mkdir()
    for font_file in [face.file for face in FONT_FACES] + ["LICENSE_DEJAVU"]:  # the faces' licence travels with them
        if (font_dir() / font_file).is_file():
            shutil.copy(font_dir() / font_file, fonts / font_file)
    (out_dir / "grader" / "_kit.py").write_text(_KIT_MARKER.format(dist=dist, version=version, commands=commands), encoding="utf-8")
    (out_dir / "pyproject.toml").write_text(
        _PYPROJECT.format(dist=dist, version=version, title=rubric.title, dependencies=json.dumps(kit_requirements()), sheet_dependencies=json.dumps(kit_requirements(KIT_SHEET_REQUIREMENTS, extra=())), kit_package=KIT_PACKAGE),
        encoding="utf-8",
    )
    (out_dir / "README.md").write_text(_README.format(title=rubric.title, prefix=rubric.file_prefix, folder=final.name), encoding="utf-8")
    forms = Path(__file__).resolve().parents[2] / "docs" / "answer-forms.md"
    if forms.is_file():  # the repo's doc uses real keys as examples: those lines stay out
        (out_dir / "docs").mkdir()
        (out_dir / "docs" / "answer-forms.md").write_text(without_keys(forms.read_text(encoding="utf-8"), key_texts(rubric)), encoding="utf-8")
    if final.exists():
        shutil.rmtree(final)
    os.replace(out_dir, final)
    return notes


def key_texts(rubric: Rubric) -> set[str]:
    """Every shared key, alternative and known mistake as the grader prints it, where the text is
    specific (formulas, numbers of 4+ digits), and integers with thousands separators too."""
    import re

    from grader.keys.keybook import KeyBook
    from grader.kinds import get_kind

    keys = KeyBook(rubric)
    texts: set[str] = set()
    for item in rubric.auto_items:
        if item.kind is Kind.CHOICE:
            continue  # option keys are public: the template lists them
        kind = get_kind(item.kind)
        for index, rule in enumerate(item.rules()):
            if rule.range is not None or rule.value is not None or keys.needs_instance(rule) is not None:
                continue
            text = kind.show(keys.expected(item, index), item)
            digits = re.sub(r"\D", "", text)
            if item.kind in _FORMULA_KINDS or len(digits.lstrip("0")) >= 4:
                texts.add(text)
            if item.kind is Kind.INTEGER and len(digits) >= 4:
                texts.add(f"{int(text):,}")
    return texts


def without_keys(markdown: str, texts: set[str]) -> str:
    """`markdown` without what shows a key: a table row that does goes; a paragraph that does goes
    whole (no half sentences)."""
    blocks: list[list[str]] = [[]]
    for line in markdown.splitlines(keepends=True):
        if not line.strip() or line.startswith("|") or (blocks[-1] and blocks[-1][-1].startswith("|")):
            blocks.append([])
        blocks[-1].append(line)
    kept = []
    for block in blocks:
        if any(t in line for line in block for t in texts):
            if block[0].startswith("|"):
                continue  # one table row
            block = [line for line in block if not line.strip()]  # keep the blank separator only
        kept.extend(block)
    return "".join(kept)


def _kit_ignore(package_root: Path) -> Any:
    """copytree's filter: no caches, no TA-only subpackages, no marker of a previous kit."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        dropped = {n for n in names if n == "__pycache__" or n.endswith(".pyc")}
        here = Path(folder).resolve().relative_to(package_root.resolve())
        dropped |= {n for n in names if (here / n).as_posix() in _TA_ONLY}
        if here == Path("."):
            dropped |= {n for n in names if n == "_kit.py"}
        return dropped

    return ignore


def digest_verdict(item: Any, raw: Any) -> bool | None:
    """In a kit: does the answer match the fingerprint of the key or of a full-credit alternative?
    None when it cannot be told."""
    from grader.errors import AnswerError
    from grader.kinds import get_kind

    if item.key_digest is None:
        return None
    try:
        parsed = get_kind(item.kind).parse(raw, item)
        return answer_digest(item, parsed) in (item.key_digest, *item.accept_digests)
    except (AnswerError, NotExact):
        return None
