"""The term workspace: out/<homework>/ per homework, one term gradebook, late days across homeworks."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from grader.cli import main
from grader.workspace import OutputFolderError, adopt_flat_layout, check_out_dir, place

COURSE = """\
course: "Test course"
timezone: Asia/Tehran
policy:
  early_bonus: {fraction: 0.2}
  late_days: {per_homework: 5, per_term_per_part: 15, per_term: 15}
  late_window: {hours: 48, percent_per_hour: 2, basis: earned}
homeworks:
  hwa:
    theory: {final_deadline: "1403-09-23 23:59"}
  hwb:
    theory: {final_deadline: "1403-10-07 23:59"}
"""


def rubric(hw: str) -> str:
    return f"""\
homework: {hw}
title: "Homework {hw}"
course: course.yaml
part: theory
file_prefix: {hw.upper()}_T_
reference: reference.hw4
total: 2
questions:
  - {{id: q1, title: "Q1", points: 2}}
items:
  - {{id: q1.pick, title: "Pick one", kind: choice, points: 2, options: {{a: [], b: []}}, key: {{value: a}}}}
"""


# (student, hwa submitted, hwb submitted): s1 is 2 days late on hwa and 4 on hwb; s2 on time
TIMES = {
    "401000001": ("1403-09-25 10:00", "1403-10-11 10:00"),
    "401000002": ("1403-09-20 10:00", "1403-10-01 10:00"),
}


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    rubrics = tmp_path / "rubrics"
    rubrics.mkdir()
    (rubrics / "course.yaml").write_text(COURSE, encoding="utf-8")
    for index, hw in enumerate(("hwa", "hwb")):
        (rubrics / f"{hw}.yaml").write_text(rubric(hw), encoding="utf-8")
        folder = tmp_path / "subs" / hw
        folder.mkdir(parents=True)
        rows = ["student_id,part,submitted_at"]
        for student, times in TIMES.items():
            (folder / f"{hw.upper()}_T_{student}.yaml").write_text(json.dumps({"student_id": student, "answers": {"q1.pick": "a"}}), encoding="utf-8")
            rows.append(f"{student},theory,{times[index]}")
        (folder / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def grade(hw: str, *extra: str) -> int:
    return main([f"subs/{hw}", "--rubric", f"rubrics/{hw}.yaml", "--no-pdf", "--jobs", "1", *extra])


def late_reason(path: Path, student: str) -> str:
    data = json.loads((path / "results" / f"{student}.json").read_text(encoding="utf-8"))
    return " ".join(a["reason"] for a in data["adjustments"] if a["kind"] == "late_days")


def outputs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    ("out", "db", "expected"),
    [
        (None, None, (Path("out/hw4"), Path("out/gradebook.sqlite"), True)),
        (None, Path("term.sqlite"), (Path("out/hw4"), Path("term.sqlite"), True)),
        (Path("x"), None, (Path("x"), Path("x/gradebook.sqlite"), False)),
        (Path("x"), Path("t.sqlite"), (Path("x"), Path("t.sqlite"), False)),
    ],
)
def test_place(out, db, expected):
    where = place(homework="hw4", out=out, db=db)
    assert (where.out_dir, where.db, where.term) == expected


def test_late_days_carry_over_the_term_in_either_order(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = course / "out"
    assert grade("hwb") == 0
    first = capsys.readouterr().out
    # hwa is earlier in course.yaml and unknown to the gradebook: said, not silent
    assert "lists hwa theory before hwb theory" in first.replace("\n", " ")
    assert "4 late days used, 11 left this term" in late_reason(out / "hwb", "401000001")
    hwb_before = outputs(out / "hwb")

    assert grade("hwa") == 0
    second = " ".join(capsys.readouterr().out.split())
    assert "2 late days used, 13 left this term" in late_reason(out / "hwa", "401000001")
    assert "hwb theory (graded in run 1) now has different late days left for 1 student(s) (401000001)" in second
    assert "re-grade it (grade subs/hwb)" in second
    assert outputs(out / "hwb") == hwb_before  # hwa's run wrote nothing of hwb's

    hwa_before = outputs(out / "hwa")
    assert grade("hwb") == 0
    third = capsys.readouterr().out
    # a policy-only change is a change: the reason's 11 → 9 days left is shown
    assert "no changes" not in third
    assert "11 left this term" in third and "9 left this term" in third
    # by hand: 15 per term; 2 used on hwa, 4 on hwb → 9 left
    assert "4 late days used, 9 left this term" in late_reason(out / "hwb", "401000001")
    assert outputs(out / "hwa") == hwa_before  # hwb's run wrote nothing of hwa's
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        ledger = sorted(db.execute("SELECT student_id, homework, days FROM late_days WHERE days > 0"))
    assert ledger == [("401000001", "hwa", 2), ("401000001", "hwb", 4)]
    assert not (out / "results").exists() and not (out / "grades.csv").exists()


def test_an_out_folder_of_another_homework_is_never_written_over(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert grade("hwa", "--out", "shared") == 0
    before = outputs(course / "shared")
    assert grade("hwb", "--out", "shared") == 2
    err = capsys.readouterr().err
    assert "shared holds hwa results; hwb is not written over them" in " ".join(err.split())
    assert outputs(course / "shared") == before


def test_check_out_dir_reads_results_without_run_json(tmp_path: Path) -> None:
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "1.json").write_text(json.dumps({"homework": "hw4", "student_id": "1"}), encoding="utf-8")
    check_out_dir(tmp_path, "hw4")
    with pytest.raises(OutputFolderError, match="holds hw4 results"):
        check_out_dir(tmp_path, "hw5")
    check_out_dir(tmp_path / "empty", "hw5")  # a new folder is fine


def test_a_single_homework_out_folder_is_adopted_into_the_term_layout(course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the layout before terms: hwa's outputs and its gradebook at the top of out/
    assert grade("hwa", "--out", "out") == 0
    assert (course / "out" / "results" / "401000001.json").is_file()
    old_results = outputs(course / "out" / "results")
    capsys.readouterr()
    assert grade("hwa") == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "moved hwa's outputs of the single-homework layout" in text
    assert "no changes since run 1" in text  # the same gradebook, now the term's: history kept
    assert outputs(course / "out" / "hwa" / "results") == old_results
    assert not (course / "out" / "results").exists() and not (course / "out" / "run.json").exists()
    assert (course / "out" / "gradebook.sqlite").is_file()
    # another homework's flat outputs are left alone
    assert adopt_flat_layout(course / "out", "hwb") == []


@pytest.fixture
def mixed(course: Path) -> Path:
    folder = course / "subs" / "mixed"
    folder.mkdir()
    rows = ["student_id,homework,part,submitted_at"]
    for index, hw in enumerate(("hwa", "hwb")):
        for student, times in TIMES.items():
            name = f"{hw.upper()}_T_{student}.yaml"
            (folder / name).write_bytes((course / "subs" / hw / name).read_bytes())
            rows.append(f"{student},{hw},theory,{times[index]}")
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def test_a_mixed_folder_grades_each_homework_with_its_rubric(course: Path, mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["subs/mixed", "--no-pdf", "--jobs", "1"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "subs/mixed: answer files of hwa: 2 HWA_T_… files (hwa.yaml), hwb: 2 HWB_T_… files (hwb.yaml)" in text
    out = course / "out"
    # graded in course order (hwa first), so hwb sees hwa's late days: 15 - 2 - 4 = 9 left
    assert "4 late days used, 9 left this term" in late_reason(out / "hwb", "401000001")
    assert "2 late days used, 13 left this term" in late_reason(out / "hwa", "401000001")
    errors = json.loads((out / "hwa" / "errors.json").read_text(encoding="utf-8"))
    assert sorted(errors["skipped"], key=lambda e: e["file"]) == [
        {"file": f"HWB_T_{s}.yaml", "reason": "an answer file of hwb: graded with its own rubric"} for s in sorted(TIMES)
    ]
    assert sorted(p.name for p in (out / "hwb" / "results").iterdir()) == [f"{s}.json" for s in sorted(TIMES)]


@pytest.mark.parametrize(
    ("args", "manifest_header", "message"),
    [
        (["--out", "one"], None, "subs/mixed holds answer files of 2 homeworks (hwa: 2 HWA_T_… files (hwa.yaml), hwb: 2 HWB_T_… files (hwb.yaml)) and --out names one homework's folder"),
        ([], "student_id,part,submitted_at", "subs/mixed/manifest.csv has no homework column, but subs/mixed holds answer files of hwa, hwb"),
    ],
)
def test_a_mixed_folder_that_cannot_be_split_is_refused_in_one_sentence(
    course: Path, mixed: Path, capsys: pytest.CaptureFixture[str], args: list[str], manifest_header: str | None, message: str
) -> None:
    if manifest_header is not None:
        (mixed / "manifest.csv").write_text(manifest_header + "\n401000001,theory,1403-09-20 10:00\n", encoding="utf-8")
    assert main(["subs/mixed", "--no-pdf", "--jobs", "1", *args]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert message in err and err.count("grade: error:") == 1
    assert not (course / "out").exists() and not (course / "one").exists()


def test_a_rubric_picks_one_homework_of_a_mixed_folder(course: Path, mixed: Path) -> None:
    assert main(["subs/mixed", "--rubric", "rubrics/hwb.yaml", "--no-pdf", "--jobs", "1"]) == 0
    out = course / "out"
    assert not (out / "hwa").exists()
    # hwa not graded in this gradebook: hwb's 4 days leave 11
    assert "4 late days used, 11 left this term" in late_reason(out / "hwb", "401000001")
    skipped = json.loads((out / "hwb" / "errors.json").read_text(encoding="utf-8"))["skipped"]
    assert {e["reason"] for e in skipped} == {"an answer file of hwa: graded with its own rubric"}
