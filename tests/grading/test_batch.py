"""Parallel batch grading gives byte-identical results to grading in one process."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from grader.api import run_grading
from grader.grading import batch as engine
from grader.rubric import load_rubric
from tests.conftest import HW4_RUBRIC

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import gen  # noqa: E402  (bench/gen.py: synthetic HW4 submissions)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    made = gen.generate(folder, 30, seed=7)
    assert made.files == 30
    return folder


def _outputs(out: Path) -> dict[str, bytes]:
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted((out / "results").glob("*.json"))}
    for name in ("grades.csv", "errors.json"):
        files[name] = (out / name).read_bytes()
    return files


def test_jobs_1_and_2_write_the_same_bytes(generated, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "SMALL_BATCH", 4)  # 30 files: use the process pool
    rubric = load_rubric(HW4_RUBRIC)
    one = run_grading(generated, rubric=rubric, out_dir=tmp_path / "one", jobs=1, pdf=False)
    two = run_grading(generated, rubric=rubric, out_dir=tmp_path / "two", jobs=2, pdf=False)
    assert len(one.batch.results) >= 25 and one.batch.results == two.batch.results
    a, b = _outputs(tmp_path / "one"), _outputs(tmp_path / "two")
    assert a.keys() == b.keys() and len(a) >= 27
    assert [name for name in a if a[name] != b[name]] == []


def test_worker_pool_is_really_used(generated, monkeypatch):
    """With SMALL_BATCH lowered, jobs=2 grades in worker processes, not in this one."""
    monkeypatch.setattr(engine, "SMALL_BATCH", 4)
    calls = []
    monkeypatch.setattr(engine, "grade_file", lambda *a, **k: calls.append(a) or pytest.fail("graded in-process"))
    batch = engine.grade_batch(generated, rubric=load_rubric(HW4_RUBRIC), jobs=2)
    assert calls == [] and len(batch.results) + len(batch.errors) == 30
