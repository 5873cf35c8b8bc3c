"""`grade new`: a new homework's files, valid as written; validate's course and kit checks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import reference
from grader.cli import main
from grader.errors import RubricError
from grader.policy.course import load_course
from grader.scaffold import course_entry
from tests.conftest import ROOT


def drop_modules(prefix: str) -> None:
    for name in [m for m in sys.modules if m == prefix or m.startswith(prefix + ".")]:
        del sys.modules[name]


@pytest.fixture
def course_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A course folder like this repository's: rubrics/ (course.yaml, hw4.yaml) and reference/,
    whose new homework packages are importable as reference.<hw> (as in an installed checkout)."""
    shutil.copytree(ROOT / "rubrics", tmp_path / "rubrics")
    (tmp_path / "reference").mkdir()
    for name in ("__init__.py", "instances.py"):  # the homework-neutral part of reference/
        shutil.copy(ROOT / "reference" / name, tmp_path / "reference" / name)
    monkeypatch.setattr(reference, "__path__", [*reference.__path__, str(tmp_path / "reference")])
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    drop_modules("reference.hw5")


def test_new_writes_a_homework_that_validates_as_written(course_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (course_folder / "rubrics" / "course.yaml").read_text(encoding="utf-8")
    assert main(["new", "hw5", "--title", 'HW5 (theory): "Recurrent" networks', "--final-deadline", "1403-10-21 23:59"]) == 0
    out = capsys.readouterr().out
    for path in ("rubrics/hw5.yaml", "reference/hw5/__init__.py", "reference/hw5/q1.py", "reference/hw5/q2.py", "reference/hw5/instances.py", "tests/reference/test_hw5.py"):
        assert (course_folder / path).is_file() and f"wrote {path}" in out
    after = (course_folder / "rubrics" / "course.yaml").read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n"))  # appended: every comment of the file kept
    course = load_course(course_folder / "rubrics" / "course.yaml")
    assert course.homeworks["hw5"]["theory"].final_deadline == "1403-10-21 23:59"
    assert list(course.homeworks) == ["hw4", "hw5"]
    # every kind has its example item
    text = (course_folder / "rubrics" / "hw5.yaml").read_text(encoding="utf-8")
    for kind in ("integer", "number", "expression", "expressions", "shape", "matrix", "tensor", "choice", "text"):
        assert f"kind: {kind}\n" in text
    assert "percent: true" in text and "there is no `kind: percent`" in text
    assert main(["validate", "rubrics/hw5.yaml"]) == 0
    assert "rubrics/hw5.yaml: 15 of 15 checks passed" in capsys.readouterr().out
    # the cross-check skeleton passes in a fresh interpreter that imports this course folder's reference/
    env = {**os.environ, "PYTHONPATH": str(course_folder)}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/reference/test_hw5.py"],
        cwd=course_folder, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "10 passed" in done.stdout


def test_new_refuses_to_write_over_anything(course_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (course_folder / "tests" / "reference").mkdir(parents=True)
    (course_folder / "tests" / "reference" / "test_hw5.py").write_text("# mine\n", encoding="utf-8")
    before = (course_folder / "rubrics" / "course.yaml").read_bytes()
    assert main(["new", "hw5", "--title", "x"]) == 3
    assert "test_hw5.py exist(s) already; nothing was written" in capsys.readouterr().err
    assert not (course_folder / "rubrics" / "hw5.yaml").exists() and not (course_folder / "reference" / "hw5").exists()
    assert (course_folder / "rubrics" / "course.yaml").read_bytes() == before
    assert main(["new", "hw4", "--title", "x"]) == 3
    assert "homeworks.hw4 exists already" in capsys.readouterr().err
    assert main(["new", "HW 5", "--title", "x"]) == 3
    assert main(["new", "hw6", "--title", "x", "--final-deadline", "1403-13-40 23:59"]) == 3
    assert "--final-deadline" in capsys.readouterr().err


COURSE_HEAD = "course: C\ntimezone: Asia/Tehran\n"
ENTRY = '  hw5:\n    theory:\n      final_deadline: "1403-10-21 23:59"\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (COURSE_HEAD + "homeworks:\n  hw4:\n    theory: {final_deadline: x}\n", COURSE_HEAD + "homeworks:\n  hw4:\n    theory: {final_deadline: x}\n" + ENTRY),
        # a key after homeworks: the entry goes at the end of the block, before the blank line
        (
            "homeworks:  # all of them\n  hw4: {}\n\n# the policy\npolicy: {}\n",
            "homeworks:  # all of them\n  hw4: {}\n" + ENTRY + "\n# the policy\npolicy: {}\n",
        ),
        (COURSE_HEAD, COURSE_HEAD + "\nhomeworks:\n" + ENTRY),
    ],
)
def test_course_entry_appends_to_the_homeworks_block(text: str, expected: str) -> None:
    assert course_entry(text, homework="hw5", part="theory", bonus=None, final="1403-10-21 23:59") == expected


def test_course_entry_refuses_an_inline_block() -> None:
    with pytest.raises(RubricError, match="inline"):
        course_entry("homeworks: {hw4: {}}\n", homework="hw5", part="theory", bonus=None, final="x")


# ---- validate: the course entry and the kit ------------------------------------------------------


def test_validate_fails_a_homework_without_deadlines(course_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "hw5", "--title", "x"]) == 0
    course = course_folder / "rubrics" / "course.yaml"
    course.write_text(course.read_text(encoding="utf-8").split("  hw5:")[0], encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", "rubrics/hw5.yaml"]) == 3
    out = " ".join(capsys.readouterr().out.split())
    assert "FAIL rubrics/course.yaml lists hw5 theory deadlines: add homeworks.hw5.theory with final_deadline" in out


def test_validate_fails_a_kit_that_cannot_import_its_instances(course_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's case: HW5 reusing hw4's instance helper; the kit carries no reference.hw4."""
    assert main(["new", "hw5", "--title", "x"]) == 0
    instances = course_folder / "reference" / "hw5" / "instances.py"
    instances.write_text(
        instances.read_text(encoding="utf-8").replace("from reference.instances import HashStream", "from reference.hw4.instances import HashStream"),
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["kit", "--rubric", "rubrics/hw5.yaml", "--out", "kit"]) == 3
    assert "imports reference.hw4.instances, which a student kit does not carry" in " ".join(capsys.readouterr().err.split())
    assert not (course_folder / "kit").exists()
    drop_modules("reference.hw5")
    assert main(["validate", "rubrics/hw5.yaml"]) == 3
    assert "FAIL the student kit builds" in capsys.readouterr().out


def test_the_kit_makes_the_same_instances_as_the_grader(course_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "hw5", "--title", "x"]) == 0
    from grader.keys.prove import validate_term
    from grader.rubric import load_rubric

    checks = validate_term(load_rubric(Path("rubrics/hw5.yaml")))
    assert [(c.name, c.ok) for c in checks] == [
        ("rubrics/course.yaml lists hw5 theory deadlines", True),
        ("the student kit builds and makes the grader's instances in a fresh interpreter", True),
    ]


def test_the_key_documentation_says_only_what_is_true_of_the_homework(course_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "hw5", "--title", "x"]) == 0
    capsys.readouterr()
    assert main(["key", "--rubric", "rubrics/hw5.yaml", "--markdown"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "cross-checked by an independent computation in `tests/reference/test_hw5*.py` (1 file)" in text
    assert "[official key]" not in text and "reproduce the official solution" not in text  # no rule of this homework does
    assert "Homework-specific remarks for the key documentation" in text  # the rubric's notes
    (course_folder / "tests" / "reference" / "test_hw5.py").unlink()
    assert main(["key", "--rubric", "rubrics/hw5.yaml", "--markdown"]) == 0
    assert "No cross-check test (`tests/reference/test_hw5*.py`) was found." in " ".join(capsys.readouterr().out.split())
