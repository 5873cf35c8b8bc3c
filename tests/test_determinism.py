"""Determinism: the same inputs give byte-identical JSON and CSV, run after run and --jobs 1 vs 2.

The folder mixes the generated class (40 files, a manifest spanning the policy) with adversarial
files (markup, towers, non-finite numbers, two files for one student, unreadable ones), so
feedback texts, policy adjustments and errors are all compared. Fresh processes (other hash
seeds) are compared in tests/test_crash_safety.py.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.adversarial.conftest import FILES
from tests.adversarial.generate import TIME, make_class

EXTRA = [
    "HW4_T_adv_html.yaml", "HW4_T_adv_limits.yaml", "HW4_T_adv_nonfinite.yaml", "HW4_T_adv_types.yaml",
    "HW4_T_adv_dup.yaml", "HW4_T_adv_dup.json", "HW4_T_adv_bomb_laughs.yaml", "HW4_T_adv_binary.yaml",
    "HW4_T_adv_surrogate.json", "HW4_T_adv_utf16.yaml", "other.yaml",
]
COMPARED = ("grades.csv", "errors.json")


def _outputs(out: Path) -> dict[str, bytes]:
    files = {name: (out / name).read_bytes() for name in COMPARED}
    for path in sorted((out / "results").glob("*.json")):
        files[f"results/{path.name}"] = path.read_bytes()
    return files


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("determinism") / "in"
    make_class(root, 40)
    for name in EXTRA:
        shutil.copyfile(FILES / name, root / name)
        os.utime(root / name, (TIME, TIME + (60 if name.endswith("dup.json") else 0)))
    return root


def _run(folder: Path, out: Path, jobs: int) -> dict[str, bytes]:
    from grader.cli import main

    assert main(["run", str(folder), "--no-pdf", "--out", str(out), "--jobs", str(jobs)]) == 0
    return _outputs(out)


@pytest.fixture(scope="module")
def runs(folder, tmp_path_factory) -> tuple[dict[str, bytes], ...]:
    """Two runs with --jobs 1 and one with --jobs 2 (a worker pool), each into a new folder."""
    out = tmp_path_factory.mktemp("determinism-out")
    return _run(folder, out / "a", jobs=1), _run(folder, out / "b", jobs=1), _run(folder, out / "c", jobs=2)


def test_same_bytes_run_after_run_and_with_any_number_of_jobs(runs):
    first, second, pooled = runs
    assert len([k for k in first if k.startswith("results/")]) == 34 + 7
    for name, data in first.items():
        assert second[name] == data, f"{name} differs between two runs"
        assert pooled[name] == data, f"{name} differs between --jobs 1 and --jobs 2"
    assert sorted(first) == sorted(second) == sorted(pooled)


def test_outputs_hold_no_timestamp_of_the_run(runs):
    outputs = runs[0]
    today = datetime.now(timezone.utc)
    stamps = {today.strftime("%Y-%m-%d"), today.strftime("%Y%m%d"), str(today.year)}
    for name, data in outputs.items():
        text = data.decode("utf-8")
        for stamp in stamps:
            if stamp == str(today.year) and today.year == 2024:
                continue  # the fixed submission times are in 2024
            assert stamp not in text, f"{name} contains {stamp}: a timestamp of the run"


def test_outputs_are_sorted(runs):
    outputs = runs[0]
    rows = list(csv.reader(outputs["grades.csv"].decode("utf-8").splitlines()))
    ids = [row[0] for row in rows[1:]]
    assert ids == sorted(ids)
    errors = json.loads(outputs["errors.json"])
    for key in ("unreadable", "skipped"):
        files = [e["file"] for e in errors[key]]
        assert files == sorted(files), key
    from grader.rubric import load_rubric
    from tests.conftest import HW4_RUBRIC

    order = load_rubric(HW4_RUBRIC).item_ids
    for name, data in outputs.items():
        if name.startswith("results/"):
            assert list(json.loads(data)["items"]) == order
            assert re.search(rb"\r", data) is None


def test_a_timed_out_check_reads_the_same_every_run(hw4, hw4_keys, monkeypatch):
    from grader.grading import item as engine
    from grader.grading.item import grade_item

    monkeypatch.setattr(engine, "ITEM_SECONDS", 0.4)  # the same bug, sooner

    item = hw4.item("q5.c.receptive_field_pixels")
    feedback = {grade_item(item, "(w+d)^1000", keys=hw4_keys, student_id="1").verdict.feedback for _ in range(2)}
    assert len(feedback) == 1, feedback
