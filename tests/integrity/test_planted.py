"""Planted cases in a generated batch: `grade FOLDER` writes integrity.csv that finds each one.

150 synthetic students (bench/gen.py) with the cases of bench/plant.py: a copier of another
student's Q2/Q3 instance answers, a ring of three with five rare wrong answers and a paraphrased
Persian paragraph, and a popular uncovered mistake. Nobody else may appear in a finding.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

from grader.api import run_grading
from grader.cli import main
from grader.rubric import load_rubric
from tests.conftest import HW4_RUBRIC

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import gen  # noqa: E402
import plant  # noqa: E402


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted")
    gen.generate(folder, 150, seed=4)
    planted = plant.plant(folder)
    out = tmp_path_factory.mktemp("out")
    outcome = run_grading(folder, rubric=load_rubric(HW4_RUBRIC), out_dir=out, jobs=1, pdf=False)
    return folder, out, planted, outcome


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_grade_writes_both_csvs(run):
    _, out, _, outcome = run
    assert out / "integrity.csv" in outcome.written and out / "key-health.csv" in outcome.written


def test_copier_found_on_every_instance_item(run):
    _, out, planted, _ = run
    rows = [r for r in _rows(out / "integrity.csv") if r["kind"] == "instance_match"]
    assert {(r["student"], r["other"]) for r in rows} == {(planted.copier, planted.source)}
    assert {r["item"] for r in rows} == set(plant.INSTANCE_ITEMS)


def test_ring_found_by_rare_answers_and_by_text(run):
    _, out, planted, _ = run
    rows = _rows(out / "integrity.csv")
    ring = set(planted.ring)
    pairs = {(r["student"], r["other"]) for r in rows if r["kind"] == "shared_rare_wrong"}
    assert pairs == {(a, b) for a in ring for b in ring if a < b}
    assert {r["item"] for r in rows if r["kind"] == "shared_rare_wrong"} == set(planted.ring_items)
    text = {(r["student"], r["other"]) for r in rows if r["kind"] == "near_duplicate_text"}
    assert text == pairs
    assert {r["item"] for r in rows if r["kind"] == "near_duplicate_text"} == {planted.text_item}
    assert len({r["group"] for r in rows if r["student"] in ring}) == 1


def test_nobody_else_is_flagged(run):
    _, out, planted, outcome = run
    flagged = {s for r in _rows(out / "integrity.csv") for s in (r["student"], r["other"])}
    assert flagged == planted.students
    assert len(outcome.batch.results) >= 140


def test_popular_uncovered_mistake_tops_key_health(run):
    _, out, planted, _ = run
    rows = [r for r in _rows(out / "key-health.csv") if r["item"] == planted.popular_item]
    top = rows[0]
    assert top["uncovered_answer"] == str(planted.popular_answer)
    assert int(top["uncovered_count"]) == len(planted.popular_students)
    assert top["yaml"].startswith(f"- value: {planted.popular_answer}")


def test_grade_integrity_command_writes_the_same(run, capsys):
    folder, out, planted, _ = run
    before = (out / "integrity.csv").read_bytes()
    (out / "integrity.csv").unlink()
    assert main(["integrity", str(folder), "--out", str(out), "--key", "--jobs", "1"]) == 0
    assert (out / "integrity.csv").read_bytes() == before
    printed = capsys.readouterr().out
    assert planted.copier in printed and "check the key" not in printed.split("key health")[0]
    assert f"uncovered: {planted.popular_answer}" in printed


def test_grade_integrity_on_a_missing_folder_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["integrity", str(tmp_path / "nope"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("grade: error:") and "no such folder" in err and len(err.strip().splitlines()) == 1


def test_summary_view_has_the_section(run):
    from grader.integrity import analyse
    from grader.outputs.report.view import build_summary_view

    folder, _, planted, outcome = run
    report = analyse(outcome.batch.results, rubric=outcome.batch.rubric, folder=folder)
    view = build_summary_view(outcome.batch.results, outcome.batch.rubric, integrity=report)
    assert view.integrity is not None and view.integrity.flagged == len(planted.students)
    counts = {k.kind: k.count for k in view.integrity.kinds}
    assert counts == {"instance_match": 1, "shared_rare_wrong": 3, "near_duplicate_text": 3}
    text = next(k for k in view.integrity.kinds if k.text).findings[0].evidence[0]
    assert text.answer.rtl and text.other_answer.rtl  # Persian shown right-to-left
    assert build_summary_view(outcome.batch.results, outcome.batch.rubric).integrity is None


def test_a_failing_analysis_is_a_note_and_grades_are_written(tmp_path, monkeypatch):
    import grader.integrity.run as integrity_run

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(integrity_run, "analyse", broken)
    gen.generate(tmp_path / "in", 6, seed=2)
    outcome = run_grading(tmp_path / "in", rubric=load_rubric(HW4_RUBRIC), out_dir=tmp_path / "out", jobs=1, pdf=False)
    assert (tmp_path / "out" / "grades.csv").is_file() and not (tmp_path / "out" / "integrity.csv").exists()
    assert any("integrity analysis failed (RuntimeError: boom); grades are not affected" in n for n in outcome.notes)


def test_grade_integrity_defaults_to_the_term_workspace(run, tmp_path, monkeypatch):
    folder, out, _, _ = run
    monkeypatch.chdir(tmp_path)
    assert main(["integrity", str(folder), "--jobs", "1"]) == 0
    assert (tmp_path / "out" / "hw4" / "integrity.csv").read_bytes() == (out / "integrity.csv").read_bytes()
