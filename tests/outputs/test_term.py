"""A term of two homeworks, end to end: `grade new hw5`, HW4 and HW5 graded in either order and
from a mixed folder, the term ledger against the course rule computed by hand, HW4's outputs
untouched by HW5's runs, and the term exports against their documented columns."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import reference
from grader.cli import main
from tests.conftest import ROOT

HW5_FINAL = "1403-10-07 23:59"
# (student, hw4 upload, hw5 upload): the hw4 times are the bundled samples' manifest
TIMES = {
    "401234567": ("1403-09-15 21:10", "1403-10-01 12:00"),  # early, on time
    "401234568": ("2024-12-13T22:47:00+03:30", "1403-10-08 12:00"),  # on time, 1 late day
    "401234569": ("1403-09-25 10:30", "1403-10-11 10:00"),  # 2 late days, 4 late days
}
HW4_ONLY = {"401234570": "1403-09-20 18:05"}  # the bundled PDF answer sheet: on time, no HW5
# by hand from rubrics/course.yaml: per_homework 5, per_term_per_part 15, per_term 15 (theory only)
USED = {"401234567": (0, 0), "401234568": (0, 1), "401234569": (2, 4)}
LEFT = {sid: min(15 - hw4 - hw5, 15 - hw4 - hw5) for sid, (hw4, hw5) in USED.items()}
assert LEFT == {"401234567": 15, "401234568": 14, "401234569": 9}


def drop_modules(prefix: str) -> None:
    for name in [m for m in sys.modules if m == prefix or m.startswith(prefix + ".")]:
        del sys.modules[name]


@pytest.fixture
def term(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    shutil.copytree(ROOT / "rubrics", tmp_path / "rubrics")
    (tmp_path / "reference").mkdir()
    for name in ("__init__.py", "instances.py"):
        shutil.copy(ROOT / "reference" / name, tmp_path / "reference" / name)
    monkeypatch.setattr(reference, "__path__", [*reference.__path__, str(tmp_path / "reference")])
    monkeypatch.chdir(tmp_path)
    assert main(["new", "hw5", "--title", "HW5 (theory): Recurrent networks", "--final-deadline", HW5_FINAL]) == 0
    hw4, hw5, mixed = (tmp_path / "subs" / name for name in ("hw4", "hw5", "mixed"))
    shutil.copytree(ROOT / "submissions", hw4)
    hw5.mkdir()
    rows5, rows_mixed = ["student_id,part,submitted_at"], ["student_id,homework,part,submitted_at"]
    for sid, (at4, at5) in TIMES.items():
        (hw5 / f"HW5_T_{sid}.yaml").write_text(json.dumps({"student_id": sid, "answers": {"q1.effect": "smaller", "q1.params": "448"}}), encoding="utf-8")
        rows5.append(f"{sid},theory,{at5}")
        rows_mixed += [f"{sid},hw4,theory,{at4}", f"{sid},hw5,theory,{at5}"]
    (hw5 / "manifest.csv").write_text("\n".join(rows5) + "\n", encoding="utf-8")
    mixed.mkdir()
    for folder in (hw4, hw5):
        for path in folder.glob("HW*_T_*"):  # YAML answer files and HW4's PDF sheet
            shutil.copy(path, mixed / path.name)
    rows_mixed += [f"{sid},hw4,theory,{at}" for sid, at in HW4_ONLY.items()]
    (mixed / "manifest.csv").write_text("\n".join(rows_mixed) + "\n", encoding="utf-8")
    yield tmp_path
    drop_modules("reference.hw5")


def grade(folder: str) -> None:
    assert main([folder, "--no-pdf", "--jobs", "1"]) == 0


def outputs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def late_reason(term: Path, homework: str, sid: str) -> str:
    data = json.loads((term / "out" / homework / "results" / f"{sid}.json").read_text(encoding="utf-8"))
    return " ".join(a["reason"] for a in data["adjustments"] if a["kind"] == "late_days")


@pytest.mark.parametrize("order", ["hw4 then hw5", "hw5 then hw4", "mixed folder"])
def test_a_term_of_two_homeworks(term: Path, order: str, capsys: pytest.CaptureFixture[str]) -> None:
    if order == "hw4 then hw5":
        grade("subs/hw4")
        hw4_before = outputs(term / "out" / "hw4")
        grade("subs/hw5")
        assert outputs(term / "out" / "hw4") == hw4_before  # HW5's run leaves HW4's outputs as they were
    elif order == "hw5 then hw4":
        grade("subs/hw5")
        grade("subs/hw4")
        assert "re-grade it (grade subs/hw5)" in " ".join(capsys.readouterr().out.split())
        hw4_before = outputs(term / "out" / "hw4")
        grade("subs/hw5")  # as the hint says
        assert outputs(term / "out" / "hw4") == hw4_before
    else:
        grade("subs/mixed")
    capsys.readouterr()

    for sid, (hw4_days, hw5_days) in USED.items():
        if hw5_days:
            assert f"{hw5_days} late day{'s' if hw5_days > 1 else ''} used, {LEFT[sid]} left this term" in late_reason(term, "hw5", sid)
        if hw4_days:
            assert f"{hw4_days} late days used, {15 - hw4_days} left this term" in late_reason(term, "hw4", sid)

    assert main(["ledger", "show"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "401234567: 0 day(s); 15 left this term",
        "401234568: 1 day(s) — hw5 theory: 1; 14 left this term",
        "401234569: 6 day(s) — hw4 theory: 2, hw5 theory: 4; 9 left this term",
        "401234570: 0 day(s); 15 left this term",
    ]

    assert main(["export", "--term"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == documented("term")
    by_id = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert {sid: (int(r["late_days_used"]), int(r["late_days_left_theory"])) for sid, r in by_id.items()} == {
        **{sid: (sum(USED[sid]), LEFT[sid]) for sid in TIMES}, "401234570": (0, 15)
    }
    assert by_id["401234570"]["hw5"] == ""  # no HW5 file: an empty cell
    hw4_grades = {r["student_id"]: r["total"] for r in csv.DictReader(io.StringIO((term / "out" / "hw4" / "grades.csv").read_text(encoding="utf-8")))}
    assert {sid: r["hw4"] for sid, r in by_id.items()} == hw4_grades

    assert main(["export", "--format", "canvas", "--assignment-id", "hw4=1041"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == documented("canvas")
    assert rows[1][:5] == ["Points Possible", "", "", "", ""] and rows[1][5:] == ["100", "12"]
    assert {r[2]: r[5] for r in rows[2:]} == hw4_grades  # SIS User ID = the student id

    assert main(["export", "--format", "moodle"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == documented("moodle")
    late = next(r for r in rows if r[0] == "401234569")
    assert "4 late days used, 9 left this term" in late[5]


def documented(fmt: str) -> list[str]:
    """The columns docs/policy.md gives for this format, for this term (hw4, hw5)."""
    doc = (ROOT / "docs" / "policy.md").read_text(encoding="utf-8")
    line = re.search(rf"^\* `{fmt}`[^`]*: `([^`]+)`", doc, re.MULTILINE)
    assert line, f"docs/policy.md documents no {fmt} columns"
    columns = []
    titles = {"hw4": "HW4 (theory): Convolutional networks", "hw5": "HW5 (theory): Recurrent networks"}
    ids = {"hw4": "1041", "hw5": "hw5"}
    for column in [c.strip() for c in line[1].split(", ")]:
        if column == "<homework>…":
            columns += list(titles)
        elif column == "<title> (<assignment id>)…":
            columns += [f"{titles[hw]} ({ids[hw]})" for hw in titles]
        elif column == "<title> then <title> (feedback)…":
            for hw in titles:
                columns += [titles[hw], f"{titles[hw]} (feedback)"]
        else:
            columns.append(column)
    return columns
