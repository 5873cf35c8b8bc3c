"""`grade new hw5 --title …`: the files of a new homework, each a working example to fill in.

It writes, in the course folder (the parent of the rubrics folder that holds course.yaml):

* `rubrics/<hw>.yaml`: one example item of every answer kind, each with its options explained;
* `reference/<hw>/`: the registry, one example of each kind of reference function (a plain
  answer, a formula, a per-student answer) and an instance generator on `reference.instances`;
* `tests/reference/test_<hw>.py`: the cross-check skeleton (each key against an independent
  computation, and a test that fails until every reference function has one);
* the homework's deadlines in `course.yaml` (appended to `homeworks:`; comments kept).

Nothing is written when any of these exists already. The scaffold passes `grade validate` as it
is, so the TA replaces the examples one at a time and validates after each.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from grader.errors import RubricError

HOMEWORK_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
DEFAULT_WEEKS = 2  # a deadline not given: two weeks after the course's last one (a placeholder)


@dataclass(frozen=True)
class Scaffold:
    written: list[Path]
    notes: list[str]


RUBRIC = """\
# {title}. {course}{term}.
#
# Scaffolded by `grade new {hw}`. Every item below is a working EXAMPLE of one answer kind, its
# key computed by an example function in reference/{hw}/. Replace them with this homework's
# items (docs/rubric-format.md, "A new homework"), then `grade validate rubrics/{hw}.yaml`.
# Item ids are the contract with the students' answer files: keep them once templates are out.
homework: {hw}
title: "{title_yaml}"
course: course.yaml          # deadlines and the late-day policy (this homework is in its homeworks:)
part: {part}
file_prefix: {prefix}          # answer files are {prefix}<student_id>.yaml (or .yml, .json)
reference: reference.{hw}     # the package whose REFERENCES computes every key
total: 12                    # the questions' points, bonus excluded
bonus_total: 0
notes: >-
  Homework-specific remarks for the key documentation (`grade key --markdown`): where the keys
  come from, known errors of an official solution, what the cross-checks compare against.

questions:
  - {{id: q1, title: "Example question: one item of each kind", points: 8}}
  - {{id: q2, title: "Example question: per-student numbers", points: 4}}

items:
  # kind: integer. Exact; `1,024`, `۱۰۲۴`, `(3*3*3+1)*16` are read as 448. A known mistake
  # (`mistakes:`) earns its `credit` and shows its `feedback`.
  - id: q1.params
    title: "Learnable parameters of a 3×3 convolution, 3 → 16 channels, with bias"
    kind: integer
    points: 1
    key: {{ref: q1.conv_params, args: {{k: 3, c_in: 3, c_out: 16}}}}
    mistakes:
      - ref: q1.conv_params
        args: {{k: 3, c_in: 3, c_out: 16, bias: false}}
        credit: 0
        feedback: "Each of the 16 filters has a bias too: (3·3·3 + 1)·16."
  # kind: number. Within `rel_tol` (default 1%) or `abs_tol`; `sqrt(2/288)` is read as a number.
  - id: q1.std
    title: "Kaiming (He) standard deviation for fan-in 288"
    kind: number
    points: 1
    rel_tol: 0.01
    key: {{ref: q1.kaiming_std, args: {{fan_in: 288}}}}
    example: "0.5"
  # a percentage is a number with `percent: true` (there is no `kind: percent`): `75%`, `75 ٪`;
  # a bare 0.75 only with `allow_fraction: true`.
  - id: q1.sparsity
    title: "Share of zero weights after pruning 3 of every 4, in percent"
    kind: number
    points: 1
    percent: true
    abs_tol: 0.1
    key: {{ref: q1.pruned_percent, args: {{kept: 1, group: 4}}}}
  # kind: expression. A formula in the listed `variables`, compared by value at secret points;
  # `self_check: correctness` lets `grade check` say right or wrong (the kit keeps a fingerprint).
  - id: q1.units
    title: "Output units of a 'same' convolution with C filters on a W×H input"
    kind: expression
    points: 1
    variables: [W, H, C]
    self_check: correctness
    key: {{ref: q1.output_units}}
    example: "W + H"
  # kind: expressions. A fixed-`length` list of formulas, e.g. `[M-K+1, N-K+1]` or `(M-K+1) x (N-K+1)`.
  - id: q1.size
    title: "Output size of a valid K×K convolution on an M×N input"
    kind: expressions
    points: 1
    variables: [M, N, K]
    length: 2
    key: {{ref: q1.output_size}}
    accept:
      - ref: q1.output_size_swapped
        label: sides swapped
        credit: 0.5
        feedback: "The two sides are swapped: the first is the M side."
  # kind: shape. `12x12`, `12×12`, `[12, 12]`.
  - id: q1.pooled
    title: "Feature-map size after three 2×2 max-poolings of 96×96"
    kind: shape
    points: 1
    key: {{ref: q1.pooled_shape, args: {{size: 96, levels: 3}}}}
  # kind: choice. The option key in any case or spacing, or one of its aliases.
  - id: q1.effect
    title: "Does a larger stride make the output smaller, larger, or leave it?"
    kind: choice
    points: 1
    options:
      smaller: ["decreases", "کوچکتر"]
      larger: ["increases", "بزرگتر"]
      unchanged: ["same", "no change", "بدون تغییر"]
    key: {{value: smaller}}
  # kind: text. Free text graded by a TA (`grade manual export` / `import`); never automatic.
  - id: q1.why
    title: "Why? (one or two sentences)"
    kind: text
    points: 1
  # kind: matrix / tensor with a per-student key: the reference function takes `instance=`,
  # the dict the instance generator makes from the student id (docs/instances.md).
  - id: q2.product
    title: "The product A·B of your matrices"
    kind: matrix
    points: 2
    shape: [2, 2]
    key: {{ref: q2.product}}
    mistakes:
      - ref: q2.elementwise
        credit: 0
        feedback: "That is the element-wise product; A·B is the matrix product (rows of A times columns of B)."
  - id: q2.scaled
    title: "Your vector x scaled by your g"
    kind: tensor
    points: 2
    shape: [3]
    key: {{ref: q2.scaled}}
"""

INIT = '''"""{title}: reference solutions that compute every key rubrics/{hw}.yaml points at.

Importing this package registers every reference function on ``REFERENCES``. Keep it cheap:
import numpy/torch inside the functions that need them, never at module import.
"""

from __future__ import annotations

from reference import Registry

REFERENCES = Registry("{hw}")

# the question modules register themselves on REFERENCES when imported (so it must exist first)
from reference.{hw} import instances, q1, q2  # noqa: E402,F401

__all__ = ["REFERENCES"]
'''

Q1 = '''"""Q1 (EXAMPLES from `grade new`: replace with this homework's): one reference function per kind.

A function's docstring is the key documentation's "how it is computed" (`grade key`).
"""

from __future__ import annotations

import math
from typing import Any

from reference.{hw} import REFERENCES


@REFERENCES.answer("q1.conv_params")
def conv_params(k: int, c_in: int, c_out: int, bias: bool = True) -> int:
    """(k·k·c_in + bias)·c_out learnable parameters of a k×k convolution."""
    return (k * k * c_in + (1 if bias else 0)) * c_out


@REFERENCES.answer("q1.kaiming_std")
def kaiming_std(fan_in: int) -> float:
    """sqrt(2 / fan_in): He initialisation for ReLU."""
    return math.sqrt(2 / fan_in)


@REFERENCES.answer("q1.pruned_percent")
def pruned_percent(kept: int, group: int) -> float:
    """Percent of weights set to zero when `kept` of every `group` are kept."""
    return 100 * (group - kept) / group


@REFERENCES.answer("q1.output_units", formula=True)
def output_units(W: Any, H: Any, C: Any) -> Any:
    """W·H·C: C maps of W×H ('same' padding). A formula: called with numbers and with symbols."""
    return W * H * C


@REFERENCES.answer("q1.output_size", formula=True)
def output_size(M: Any, N: Any, K: Any) -> tuple[Any, Any]:
    """(M−K+1, N−K+1) for a valid convolution."""
    return (M - K + 1, N - K + 1)


@REFERENCES.answer("q1.output_size_swapped", formula=True)
def output_size_swapped(M: Any, N: Any, K: Any) -> tuple[Any, Any]:
    """The sides swapped (an accepted alternative for half credit)."""
    rows, cols = output_size(M, N, K)
    return (cols, rows)


@REFERENCES.answer("q1.pooled_shape")
def pooled_shape(size: int, levels: int) -> list[int]:
    """size // 2**levels on each side."""
    side = size
    for _ in range(levels):
        side //= 2
    return [side, side]
'''

Q2 = '''"""Q2 (EXAMPLE from `grade new`): per-student keys, computed from the student's instance."""

from __future__ import annotations

from typing import Any

from reference.{hw} import REFERENCES


@REFERENCES.answer("q2.product", instance="q2")
def product(instance: dict[str, Any]) -> list[list[int]]:
    """A·B of the student's 2×2 matrices."""
    a, b = instance["A"], instance["B"]
    return [[sum(a[i][k] * b[k][j] for k in range(2)) for j in range(2)] for i in range(2)]


@REFERENCES.answer("q2.elementwise", instance="q2")
def elementwise(instance: dict[str, Any]) -> list[list[int]]:
    """A∘B, element by element (a known mistake)."""
    a, b = instance["A"], instance["B"]
    return [[a[i][j] * b[i][j] for j in range(2)] for i in range(2)]


@REFERENCES.answer("q2.scaled", instance="q2")
def scaled(instance: dict[str, Any]) -> list[float]:
    """g·x for the student's x and g."""
    return [instance["g"] * v for v in instance["x"]]
'''

INSTANCES = '''"""Per-student numbers for Q2 (EXAMPLE from `grade new`), drawn with reference.instances.

The stream is seeded by ("{hw}", instance name, student id), so no other homework or question
shares a student's numbers. Keep this module free of keys and of other imports from
reference.{hw}: the student kit carries it (with reference.instances) so that templates show
each student's numbers. See docs/instances.md.
"""

from __future__ import annotations

from typing import Any

from reference.{hw} import REFERENCES
from reference.instances import HashStream


@REFERENCES.instance("q2")
def q2_instance(student_id: str) -> dict[str, Any]:
    """A, B: 2×2 ints in -3..3, redrawn until A·B differs from A∘B; x: 3 ints in -2..2 (not all
    zero); g one of 0.5, 2, 3. Drawn in this order from one stream."""
    stream = HashStream("{hw}", "q2", student_id)
    while True:
        a, b = stream.array([2, 2], -3, 3), stream.array([2, 2], -3, 3)
        product = [[sum(a[i][k] * b[k][j] for k in range(2)) for j in range(2)] for i in range(2)]
        if product != [[a[i][j] * b[i][j] for j in range(2)] for i in range(2)]:
            break  # the known mistake must give another answer than the key
    x = stream.nonzero_array([3], -2, 2)
    g = float(stream.choice([0.5, 2.0, 3.0]))
    return {{"A": a, "B": b, "x": x, "g": g}}
'''

TEST = '''"""Cross-checks of reference/{hw}/ (EXAMPLES from `grade new`): each key against an independent
computation (numpy here; torch, a closed form or a counted loop in a real homework)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pytest

from reference.{hw} import REFERENCES

F = REFERENCES.functions
STUDENT_IDS = ["401234567", "400100200", "99105555"]
CHECKED: set[str] = set()
T = TypeVar("T")


def checks(*names: str) -> Callable[[T], T]:
    """Mark a test as the cross-check of these reference functions."""
    CHECKED.update(names)
    return lambda test: test


@checks("q1.conv_params")
def test_conv_params_counts_the_weights_of_a_real_array() -> None:
    weights, bias = np.zeros((16, 3, 3, 3)), np.zeros(16)
    assert F["q1.conv_params"](k=3, c_in=3, c_out=16) == weights.size + bias.size
    assert F["q1.conv_params"](k=3, c_in=3, c_out=16, bias=False) == weights.size


@checks("q1.kaiming_std")
def test_kaiming_std_matches_an_empirical_std() -> None:
    rng = np.random.default_rng(0)
    sample = rng.normal(0, np.sqrt(2 / 288), 200_000)
    assert abs(sample.std() - F["q1.kaiming_std"](fan_in=288)) < 1e-3


@checks("q1.pruned_percent")
def test_pruned_percent_counts_zeros() -> None:
    mask = np.tile([1, 0, 0, 0], 25)
    assert F["q1.pruned_percent"](kept=1, group=4) == 100 * (mask == 0).mean()


@checks("q1.output_units", "q1.output_size", "q1.output_size_swapped", "q1.pooled_shape")
@pytest.mark.parametrize(("m", "n", "k"), [(5, 7, 3), (32, 32, 5), (9, 4, 1)])
def test_sizes_against_a_sliding_window(m: int, n: int, k: int) -> None:
    positions = [(i, j) for i in range(m) for j in range(n) if i + k <= m and j + k <= n]
    rows, cols = len({{i for i, _ in positions}}), len({{j for _, j in positions}})
    assert F["q1.output_size"](m, n, k) == (rows, cols)
    assert F["q1.output_size_swapped"](m, n, k) == (cols, rows)
    assert F["q1.output_units"](m, n, k) == np.zeros((m, n, k)).size
    assert F["q1.pooled_shape"](size=96, levels=3) == [96 >> 3] * 2


@checks("q2.product", "q2.elementwise", "q2.scaled")
@pytest.mark.parametrize("sid", STUDENT_IDS)
def test_q2_keys_against_numpy(sid: str) -> None:
    inst = REFERENCES.instances["q2"](sid)
    a, b = np.array(inst["A"]), np.array(inst["B"])
    assert F["q2.product"](instance=inst) == (a @ b).tolist()
    assert F["q2.elementwise"](instance=inst) == (a * b).tolist() != (a @ b).tolist()
    assert F["q2.scaled"](instance=inst) == (inst["g"] * np.array(inst["x"])).tolist()


def test_every_reference_function_is_cross_checked() -> None:
    assert sorted(set(F) - CHECKED) == []
'''


def _yaml_text(text: str) -> str:
    """`text` inside a YAML double-quoted string."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def prefix_for(homework: str, part: str) -> str:
    return f"{homework.upper()}_{'T' if part == 'theory' else 'P'}_"


def course_entry(course_text: str, *, homework: str, part: str, bonus: str | None, final: str) -> str:
    """course.yaml's text with `homework` added at the end of its `homeworks:` block (comments kept)."""
    lines = course_text.splitlines()
    entry = [f"  {homework}:", f"    {part}:"]
    if bonus:
        entry.append(f'      bonus_deadline: "{bonus}"')
    entry.append(f'      final_deadline: "{final}"')
    starts = [i for i, line in enumerate(lines) if re.match(r"^homeworks:\s*(#.*)?$", line)]
    if not starts:
        if any(line.startswith("homeworks:") for line in lines):
            raise RubricError("course.yaml: its homeworks: is written inline; add the new homework to it by hand")
        return course_text.rstrip("\n") + "\n\nhomeworks:\n" + "\n".join(entry) + "\n"
    end = len(lines)
    for i in range(starts[0] + 1, len(lines)):
        if lines[i] and not lines[i].startswith((" ", "\t", "#")):
            end = i
            break
    while end > starts[0] + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
        end -= 1  # blank lines and column-0 comments before the next key belong to it
    return "\n".join(lines[:end] + entry + lines[end:]) + "\n"


def scaffold(
    homework: str, *, title: str, rubrics_dir: Path, part: str = "theory", bonus_deadline: str | None = None, final_deadline: str | None = None
) -> Scaffold:
    """Write the new homework's files (see the module docstring); RubricError if any exists."""
    from grader.fsio import atomic_write
    from grader.policy.course import jalali, load_course, parse_moment

    if not HOMEWORK_ID.match(homework):
        raise RubricError(f"homework id {homework!r}: expected a lower-case letter, then letters, digits or '_' (like hw5)")
    course_file = Path(rubrics_dir) / "course.yaml"
    if not course_file.is_file():
        raise RubricError(f"{course_file}: no course file here; run grade new in the course folder (or pass --rubrics DIR)")
    course = load_course(course_file)
    if homework in course.homeworks:
        raise RubricError(f"{course_file}: homeworks.{homework} exists already; choose another id or remove it first")
    root = Path(rubrics_dir).parent
    rubric_path = Path(rubrics_dir) / f"{homework}.yaml"
    package = root / "reference" / homework
    test_path = root / "tests" / "reference" / f"test_{homework}.py"
    existing = [str(p) for p in (rubric_path, package, test_path) if p.exists()]
    if existing:
        raise RubricError(f"{', '.join(existing)} exist(s) already; nothing was written")
    notes: list[str] = []
    for label, text in (("--bonus-deadline", bonus_deadline), ("--final-deadline", final_deadline)):
        if text is not None:
            try:
                parse_moment(text, course.tz)
            except ValueError as exc:
                raise RubricError(f"{label}: {exc}") from None
    if final_deadline is None:
        finals = [course.moment(parts[p].final_deadline) for parts in course.homeworks.values() for p in parts]
        base = max(finals) if finals else parse_moment("1403-07-01 23:59", course.tz)
        final_deadline = jalali(base + timedelta(weeks=DEFAULT_WEEKS), course.tz)
        notes.append(
            f"no --final-deadline: course.yaml has the placeholder {final_deadline} (two weeks after the last deadline); "
            "set the announced deadlines before grading"
        )
    course_text = course_file.read_text(encoding="utf-8")
    new_course = course_entry(course_text, homework=homework, part=part, bonus=bonus_deadline, final=final_deadline)
    fields = {
        "hw": homework,
        "title": title,
        "title_yaml": _yaml_text(title),
        "part": part,
        "prefix": prefix_for(homework, part),
        "course": course.course,
        "term": f", {course.term}" if course.term else "",
    }
    files = {
        rubric_path: RUBRIC.format(**fields),
        package / "__init__.py": INIT.format(**fields),
        package / "q1.py": Q1.format(**fields),
        package / "q2.py": Q2.format(**fields),
        package / "instances.py": INSTANCES.format(**fields),
        test_path: TEST.format(**fields),
    }
    written: list[Path] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, text)
            written.append(path)
        atomic_write(course_file, new_course)
        load_course(course_file)  # the edit must leave a valid course file
    except BaseException:
        atomic_write(course_file, course_text)
        for path in written:
            path.unlink(missing_ok=True)
        raise
    written.append(course_file)
    return Scaffold(written, notes)
