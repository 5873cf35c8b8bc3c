"""The grading cache: a re-run reuses results of unchanged files, gives the same bytes, and is
invalidated by any change to a file, the rubric, the reference code or the grader."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from grader.api import run_grading
from grader.grading import batch
from grader.grading import cache as gradecache
from grader.grading.cache import CACHE_NAME, GradeCache, cacheable, decode, encode
from grader.model import Status, Verdict
from grader.rubric import load_rubric
from tests.conftest import HW4_RUBRIC, SUBMISSIONS

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import gen  # noqa: E402


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    gen.generate(folder, 12, seed=11)
    for sample in SUBMISSIONS.glob("HW4_T_*.yaml"):
        shutil.copy2(sample, folder / sample.name)
    (folder / "HW4_T_999000001.yaml").write_text("answers: [unclosed\n", encoding="utf-8")  # unreadable
    return folder


def _outputs(out: Path) -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in sorted((out / "results").glob("*.json"))}
    for name in ("grades.csv", "errors.json"):
        files[name] = (out / name).read_bytes()
    return files


def _graded(monkeypatch) -> list[str]:
    """Names of the files the engine really grades from now on."""
    seen: list[str] = []
    real = batch.grade_file

    def spy(path, **kwargs):
        seen.append(path.name)
        return real(path, **kwargs)

    monkeypatch.setattr(batch, "grade_file", spy)
    return seen


def test_rerun_reuses_every_result_and_writes_the_same_bytes(generated, tmp_path, monkeypatch):
    rubric = load_rubric(HW4_RUBRIC)
    first = run_grading(generated, rubric=rubric, out_dir=tmp_path / "out", jobs=1, pdf=False)
    assert (tmp_path / "out" / CACHE_NAME).is_file()
    before = _outputs(tmp_path / "out")
    cache_file = (tmp_path / "out" / CACHE_NAME).stat()
    seen = _graded(monkeypatch)
    second = run_grading(generated, rubric=rubric, out_dir=tmp_path / "out", jobs=1, pdf=False)
    assert seen == []  # nothing graded again, the unreadable file included
    after = (tmp_path / "out" / CACHE_NAME).stat()  # and the cache, unchanged, is not rewritten
    assert (after.st_ino, after.st_mtime_ns) == (cache_file.st_ino, cache_file.st_mtime_ns)
    assert second.batch.results == first.batch.results and second.batch.errors == first.batch.errors
    assert _outputs(tmp_path / "out") == before
    # and the same as a run without any cache
    fresh = run_grading(generated, rubric=rubric, out_dir=tmp_path / "fresh", jobs=1, pdf=False)
    assert fresh.batch.results == second.batch.results
    assert _outputs(tmp_path / "fresh") == before


def test_changed_or_touched_files_are_graded_again(generated, tmp_path, monkeypatch):
    folder = tmp_path / "subs"
    shutil.copytree(generated, folder)
    rubric = load_rubric(HW4_RUBRIC)
    run_grading(folder, rubric=rubric, out_dir=tmp_path / "out", jobs=1, pdf=False)
    changed = folder / "HW4_T_401234568.yaml"
    changed.write_text(changed.read_text(encoding="utf-8").replace("q1.c.unet_conv2_params: 73728", "q1.c.unet_conv2_params: 73856"), encoding="utf-8")
    touched = folder / "HW4_T_401234567.yaml"
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    link = folder / "HW4_T_401234569.yaml"  # replaced by a symbolic link to the same bytes
    target = tmp_path / "elsewhere.yaml"
    shutil.copy2(link, target)
    link.unlink()
    link.symlink_to(target)
    seen = _graded(monkeypatch)
    again = run_grading(folder, rubric=rubric, out_dir=tmp_path / "out", jobs=1, pdf=False)
    assert sorted(seen) == sorted([changed.name, touched.name, link.name])
    assert again.batch.results == run_grading(folder, rubric=rubric, out_dir=tmp_path / "fresh", jobs=1, pdf=False).batch.results
    assert any("symbolic link" in e.message for e in again.batch.errors)  # the loader's own check ran


def test_any_change_to_rubric_reference_or_grader_empties_the_cache(tmp_path, monkeypatch):
    rubric_copy = tmp_path / "rubrics" / "hw4.yaml"
    rubric_copy.parent.mkdir()
    shutil.copy2(HW4_RUBRIC, rubric_copy)
    shutil.copy2(HW4_RUBRIC.parent / "course.yaml", rubric_copy.parent / "course.yaml")
    key = gradecache.cache_key(load_rubric(rubric_copy))
    assert gradecache.cache_key(load_rubric(rubric_copy)) == key  # stable
    # the rubric: any byte
    rubric_copy.write_text(rubric_copy.read_text(encoding="utf-8").replace("Number of output units", "Number of output units "), encoding="utf-8")
    assert gradecache.cache_key(load_rubric(rubric_copy)) != key
    shutil.copy2(HW4_RUBRIC, rubric_copy)
    assert gradecache.cache_key(load_rubric(rubric_copy)) == key
    # the reference code and the grader's own sources
    import grader.keys.keybook

    monkeypatch.setattr(grader.keys.keybook, "reference_fingerprint", lambda rubric: "another reference")
    assert gradecache.cache_key(load_rubric(rubric_copy)) != key
    monkeypatch.undo()
    monkeypatch.setattr(gradecache, "grader_fingerprint", lambda: "another grader")
    assert gradecache.cache_key(load_rubric(rubric_copy)) != key


def test_grader_fingerprint_covers_every_source_file(tmp_path, monkeypatch):
    package = tmp_path / "grader"
    shutil.copytree(Path(gradecache.__file__).parents[1], package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(gradecache, "__file__", str(package / "grading" / "cache.py"))
    base = gradecache.grader_fingerprint()
    for source in (package / "kinds" / "expression.py", package / "mathparse" / "parser.py", package / "grading" / "item.py"):
        original = source.read_bytes()
        source.write_bytes(original + b"\n# changed\n")
        assert gradecache.grader_fingerprint() != base, source.name
        source.write_bytes(original)
    assert gradecache.grader_fingerprint() == base


def test_a_foreign_or_damaged_cache_is_ignored(generated, tmp_path, monkeypatch):
    rubric = load_rubric(HW4_RUBRIC)
    out = tmp_path / "out"
    run_grading(generated, rubric=rubric, out_dir=out, jobs=1, pdf=False)
    data = json.loads((out / CACHE_NAME).read_text(encoding="utf-8"))
    for damage in ("{not json", json.dumps({**data, "key": "0" * 64}), json.dumps({**data, "version": 99})):
        (out / CACHE_NAME).write_text(damage, encoding="utf-8")
        assert GradeCache.load(out, rubric).split(sorted(generated.glob("HW4_T_*")))[0] == []
    # an entry whose stored result was tampered with does not match the file's hash: graded again
    tampered = {**data, "files": {k: {**v, "sha256": "0" * 64} for k, v in data["files"].items()}}
    (out / CACHE_NAME).write_text(json.dumps(tampered), encoding="utf-8")
    assert GradeCache.load(out, rubric).split(sorted(generated.glob("HW4_T_*")))[0] == []


def test_results_round_trip_and_luck_is_not_cached(generated):
    rubric = load_rubric(HW4_RUBRIC)
    graded = batch.grade_batch(generated, rubric=rubric, jobs=1)
    for result in graded.results:
        again = decode(json.loads(json.dumps(encode(result))))
        assert again == result and (again.modified_at, again.pdf) == (result.modified_at, result.pdf)
        assert cacheable(result)
    result = graded.results[0]
    item = result.items[0]
    # the verdict's state decides, not its words: rewording a message changes nothing
    for feedback in ("took longer than 2 s to check item q1.a.fc_units; the answer was not graded",
                     "could not be compared with the key at enough points, and the symbolic check did not finish (x)",
                     "internal error: the grader failed on this answer (KeyError)",
                     "expected a number, got 'x'"):
        for luck, cached in ((False, False), (True, True)):
            verdict = Verdict(Status.INVALID, 0.0, None, feedback, cacheable=luck)
            lucky = dataclasses.replace(item, verdict=verdict)
            assert cacheable(dataclasses.replace(result, items=(lucky, *result.items[1:]))) is cached
