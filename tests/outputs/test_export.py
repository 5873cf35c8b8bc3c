"""The main job with the gradebook: re-grade diff, --dry-run, run.json, and `grade export`."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from grader.api import run_grading
from grader.cli import main
from grader.rubric import load_rubric
from grader.store.gradebook import Gradebook
from tests.small_homework import COURSE_YAML

RUBRIC_YAML = """\
homework: hwt
title: "Test homework"
course: course.yaml
part: theory
file_prefix: HWT_
reference: reference.hw4
total: 10
bonus_total: 0
questions:
  - {id: q1, title: "Q1", points: 6}
  - {id: q2, title: "Q2", points: 4}
items:
  - id: q1.pick
    title: "Pick one"
    kind: choice
    points: 2
    options: {a: [first], b: [second], c: [third]}
    key: {value: a}
  - {id: q1.explain, title: "Explain", kind: text, points: 4}
  - {id: q2.pick, title: "Pick another", kind: choice, points: 4, options: {a: [], b: []}, key: {value: b}}
"""
# the fix a TA makes after seeing the answers: "second" is also right for q1.pick
FIX = "    key: {value: a}\n    accept:\n      - {value: b, credit: 1, feedback: also right}\n"

ANSWERS = {
    "401000001": {"q1.pick": "a", "q1.explain": "because", "q2.pick": "b"},
    "401000002": {"q1.pick": "b", "q1.explain": "since", "q2.pick": "b"},
    "401000003": {"q1.pick": "c", "q2.pick": "a"},
}
MANIFEST = (
    "student_id,part,submitted_at\n"
    "401000001,theory,1403-09-10 12:00\n"  # early: +20%
    "401000002,theory,2024-12-16T10:00:00+03:30\n"  # 2 d 10 h late: 3 late days
    "401000003,theory,1403-09-29 01:00\n"  # 5 d 1 h 1 min late: 5 days + 2 started hours
)


def make_homework(tmp_path: Path, *, manifest: bool = True) -> SimpleNamespace:
    (tmp_path / "course.yaml").write_text(COURSE_YAML, encoding="utf-8")
    (tmp_path / "rubric.yaml").write_text(RUBRIC_YAML, encoding="utf-8")
    subs = tmp_path / "subs"
    subs.mkdir()
    for student, answers in ANSWERS.items():
        path = subs / f"HWT_{student}.yaml"
        path.write_text(json.dumps({"student_id": student, "answers": answers}), encoding="utf-8")
        os.utime(path, (1733400000, 1733400000))  # 2024-12-05T12:00:00Z: before the bonus deadline
    if manifest:
        (subs / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    return SimpleNamespace(rubric=tmp_path / "rubric.yaml", subs=subs, out=tmp_path / "out", db=tmp_path / "out" / "gradebook.sqlite")


def grade(hw: SimpleNamespace, **kwargs: object):  # type: ignore[no-untyped-def]
    return run_grading(hw.subs, rubric=load_rubric(hw.rubric), out_dir=hw.out, jobs=1, pdf=False, **kwargs)


def fix_rubric(hw: SimpleNamespace) -> None:
    text = hw.rubric.read_text(encoding="utf-8")
    hw.rubric.write_text(text.replace("    key: {value: a}\n", FIX, 1), encoding="utf-8")


def tree(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def hw(tmp_path: Path) -> SimpleNamespace:
    return make_homework(tmp_path)


def test_policy_adjustments_reach_the_results(hw: SimpleNamespace) -> None:
    grade(hw)
    r1, r2, r3 = (json.loads((hw.out / "results" / f"40100000{i}.json").read_text(encoding="utf-8")) for i in (1, 2, 3))
    assert [(a["kind"], a["points"]) for a in r1["adjustments"]] == [("early_bonus", 1.2)]
    assert r1["submitted_at"] == "2024-11-30T12:00:00+03:30"
    assert [(a["kind"], a["late_days_used"]) for a in r2["adjustments"]] == [("late_days", 3)]
    assert r2["adjustments"][0]["reason"].endswith("3 late days used, 12 left this term")
    assert [(a["kind"], a["points"], a["late_days_used"]) for a in r3["adjustments"]] == [("late_days", 0, 5), ("late_penalty", 0, 0)]
    assert "2 started hours × 2% of the part's earned 0 points" in r3["adjustments"][1]["reason"]
    grades = list(csv.DictReader(io.StringIO((hw.out / "grades.csv").read_text(encoding="utf-8"))))
    assert [(g["student_id"], g["adjustments"], g["late_days"], g["total"]) for g in grades] == [
        ("401000001", "1.2", "0", "7.2"),
        ("401000002", "0", "3", "4"),
        ("401000003", "0", "5", "0"),
    ]
    with Gradebook.open(hw.db) as book:
        assert {s: [e.days for e in entries] for s, entries in book.ledger().items()} == {"401000001": [0], "401000002": [3], "401000003": [5]}


def test_without_a_manifest_the_file_time_is_used_and_said(tmp_path: Path) -> None:
    hw = make_homework(tmp_path, manifest=False)
    outcome = grade(hw)
    assert any("no manifest" in n for n in outcome.notes)
    data = json.loads((hw.out / "results" / "401000002.json").read_text(encoding="utf-8"))
    assert data["submitted_at"] == "2024-12-05T15:30:00+03:30"
    assert "the file's modification time 1403-09-15 15:30" in data["warnings"][-1]
    assert [a["kind"] for a in data["adjustments"]] == ["early_bonus"]


def test_results_stay_deterministic_and_the_run_goes_to_run_json(hw: SimpleNamespace) -> None:
    first = grade(hw)
    results = {p.name: p.read_bytes() for p in (hw.out / "results").iterdir()}
    csv_bytes = (hw.out / "grades.csv").read_bytes()
    second = grade(hw)
    assert {p.name: p.read_bytes() for p in (hw.out / "results").iterdir()} == results
    assert (hw.out / "grades.csv").read_bytes() == csv_bytes
    run = json.loads((hw.out / "run.json").read_text(encoding="utf-8"))
    assert (first.run_id, second.run_id, run["run_id"]) == (1, 2, 2)
    assert run["changes"] == [f"no changes since run 1 ({run_info(hw, 1).finished_at})"]
    assert len(run["rubric_sha256"]) == len(run["reference_sha256"]) == 64 and run["manifest_sha256"]


def run_info(hw: SimpleNamespace, run_id: int):  # type: ignore[no-untyped-def]
    with Gradebook.open(hw.db) as book:
        return book.run(run_id)


def test_regrade_after_a_rubric_fix_shows_exactly_what_changed(hw: SimpleNamespace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    grade(hw)
    fix_rubric(hw)
    seen: list[list[str]] = []
    written_before_diff: list[bool] = []

    def on_diff(diff) -> None:  # type: ignore[no-untyped-def]
        seen.append(diff.lines())
        written_before_diff.append(run_info(hw, 2) is not None)

    outcome = grade(hw, on_diff=on_diff)
    assert written_before_diff == [False]  # shown before the run is recorded
    assert seen[0] == [
        f"changes since run 1 ({run_info(hw, 1).finished_at}):",
        "  401000002 q1.pick: wrong 0 → correct 2",
        "  401000002 total: 4 → 6",
        "1 student(s) changed, 2 unchanged",
        "the rubric changed since run 1",
        "the reference code changed since run 1",
    ]
    assert outcome.diff.lines() == seen[0]
    # the CLI prints the same diff, before the summary of what it wrote
    fix = hw.rubric.read_text(encoding="utf-8").replace("credit: 1,", "credit: 0.5,")
    hw.rubric.write_text(fix, encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["run", str(hw.subs), "--rubric", str(hw.rubric), "--out", str(hw.out), "--no-pdf", "-j", "1"]) == 0
    out = capsys.readouterr().out
    assert "  401000002 q1.pick: correct 2 → partial 1\n  401000002 total: 6 → 5\n" in out
    assert out.index("q1.pick: correct 2 → partial 1") < out.index("wrote ")
    assert "401000003 late_penalty +0: submitted 1403-09-29 01:00" in out
    assert "gradebook: " in out and "(run 3)" in out


def test_dry_run_writes_nothing(hw: SimpleNamespace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    outcome = grade(hw, dry_run=True)  # nothing graded before: not even the out folder appears
    assert outcome.run_id is None and outcome.written == [] and outcome.diff.lines() == ["first run: nothing to compare with"]
    assert not hw.out.exists()
    grade(hw)
    before = tree(hw.out)
    fix_rubric(hw)
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["run", str(hw.subs), "--rubric", str(hw.rubric), "--out", str(hw.out), "--dry-run", "-j", "1"]) == 0
    out = capsys.readouterr().out
    assert "401000002 q1.pick: wrong 0 → correct 2" in out
    assert "dry run: 3 graded, nothing written" in out and "wrote " not in out
    assert tree(hw.out) == before  # results, grades.csv, errors.json, run.json, gradebook: untouched
    with Gradebook.open(hw.db) as book:
        assert len(book.runs()) == 1


# --- grade export --------------------------------------------------------------------------------


def test_export_csv_for_the_lms(hw: SimpleNamespace, capsys: pytest.CaptureFixture[str]) -> None:
    grade(hw)
    assert main(["export", "--out", str(hw.out)]) == 0
    assert capsys.readouterr().out == (
        "student_id,total,q1,q2,late_days,bonus,penalty\n"
        "401000001,7.2,2,4,0,1.2,0\n"
        "401000002,4,0,4,3,0,0\n"
        "401000003,0,0,0,5,0,0\n"
    )


def test_export_json_with_reasons_to_a_file(hw: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    grade(hw)
    target = tmp_path / "lms" / "hwt.json"
    assert main(["export", "--format", "json", "--db", str(hw.db), "--output", str(target)]) == 0
    assert capsys.readouterr().out == ""
    data = json.loads(target.read_text(encoding="utf-8"))
    assert (data["homework"], data["part"], data["run_id"], data["questions"]) == ("hwt", "theory", 1, ["q1", "q2"])
    first = data["students"][0]
    assert (first["student_id"], first["total"], first["bonus"], first["late_days"]) == ("401000001", 7.2, 1.2, 0)
    assert first["adjustments"][0]["reason"].startswith("submitted 1403-09-10 12:00, before the bonus deadline")
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".")]  # no temp files left


def test_export_from_the_out_folder_without_a_gradebook(hw: SimpleNamespace, capsys: pytest.CaptureFixture[str]) -> None:
    grade(hw)
    hw.db.unlink()
    assert main(["export", "--out", str(hw.out)]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "401000001,7.2,2,4,0,1.2,0"


def test_export_says_when_there_is_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--out", str(tmp_path)]) == 1
    assert "nothing to export" in capsys.readouterr().err


def test_a_rubric_without_a_course_file_gets_no_policy(hw: SimpleNamespace) -> None:
    hw.rubric.write_text(hw.rubric.read_text(encoding="utf-8").replace("course: course.yaml\n", ""), encoding="utf-8")
    outcome = grade(hw)
    assert any("no submission policy applied" in n and "manifest" in n for n in outcome.notes)
    assert all(r.adjustments == () and r.submitted_at is None for r in outcome.batch.results)


def test_a_corrected_manifest_shows_in_the_diff(hw: SimpleNamespace) -> None:
    grade(hw)
    manifest = hw.subs / "manifest.csv"
    manifest.write_text(MANIFEST.replace("2024-12-16T10:00:00+03:30", "2024-12-13T10:00:00+03:30"), encoding="utf-8")
    outcome = grade(hw)
    lines = outcome.diff.lines()
    assert lines[1:] == [
        "  401000002 late_days: 0 → –",
        "  401000002 late days: 3 → 0",
        "  401000002 total: 4 → 4",
        "1 student(s) changed, 2 unchanged",
        "the manifest changed since run 1",
    ]
    with Gradebook.open(hw.db) as book:
        assert [e.days for e in book.ledger()["401000002"]] == [0]


def test_results_reader_leaves_out_what_is_not_a_result(tmp_path: Path) -> None:
    from grader.outputs.results import read_results

    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "1.json").write_text('{"student_id": "1", "homework": "hw4"}', encoding="utf-8")
    (folder / "2.json").write_text('{"student_id": "2", "homework": "hw5"}', encoding="utf-8")
    (folder / "3.json").write_text("{not json", encoding="utf-8")
    (folder / "4.json").write_text('["a list"]', encoding="utf-8")
    (folder / "5.json").write_text('{"student_id": 5, "homework": "hw4"}', encoding="utf-8")
    assert sorted(read_results(tmp_path)) == ["1", "2"]
    assert sorted(read_results(tmp_path, homework="hw4")) == ["1"]
    assert read_results(tmp_path / "nowhere") == {}
