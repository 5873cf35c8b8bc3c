"""Crash safety: every output is written atomically, and SIGKILL at any moment loses nothing.

- A static audit: every place in grader/ that writes a file goes through a temp file + rename
  (grader.output.atomic_write, or the report's write_atomic), or is SQLite (transactions).
- `grade <folder> --no-pdf --out X` on 40 generated answer files (with a manifest, so the
  policy and the late-day ledger are exercised) is killed with SIGKILL after several delays
  spread over a run, then re-run to completion: results/*.json, grades.csv and errors.json are
  byte-identical to an uninterrupted run's, and no temp file is left. (run.json and the
  gradebook hold timestamps and are not compared.)
- TA scores imported with `grade manual import` survive a re-grade killed at any of those
  moments: the gradebook still has them and the completed re-grade shows them.

HWGRADER_CRASH_DELAYS="0.05,0.3,..." (fractions of an uninterrupted run) overrides the kill
points for a longer offline run.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.adversarial.generate import make_class

ROOT = Path(__file__).resolve().parents[1]
COMPARED = ("grades.csv", "errors.json")
# Fractions of one uninterrupted run at which the re-grade is killed; the write phase is last.
FRACTIONS = [float(f) for f in os.environ.get("HWGRADER_CRASH_DELAYS", "0.5,0.85,0.95").split(",")]


# --- the writer audit ------------------------------------------------------------------------

WRITES = re.compile(
    r"""open\([^)]*["'](?:w|wb|a|ab|x|xb|w\+|r\+)["']|\.write_text\(|\.write_bytes\(|savefig\(|write_pdf\(|shutil\.(?:copy|move)|os\.rename\(|\.rename\(|mkstemp\(|NamedTemporaryFile|fdopen\("""
)
# path:line-pattern -> why it is safe
ATOMIC = {
    "grader/output.py": "atomic_write: mkstemp in the target folder, fsync, os.replace, fsync of the folder",
    "grader/report/render.py": "write_atomic: mkstemp in the target folder, os.replace (PDF bytes rendered in memory first)",
    "grader/report/charts.py": "savefig into an in-memory buffer (a data: URI), no file",
}


def _writers() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "grader").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if WRITES.search(code):
                found.setdefault(rel, []).append(f"{number}: {line.strip()}")
    return found


# Not atomic, and known (reported): each writes a new artefact that a re-run rebuilds whole.
NOT_ATOMIC = {
    "grader/kit.py": "`grade kit` copies files into a fresh student-kit folder with write_text/shutil.copy; "
    "a crash leaves a partial kit, which the next `grade kit` rebuilds (no grade or score in it)",
}


def test_every_writer_is_atomic():
    """A new `open(..., "w")`/write_text/savefig-to-a-file in grader/ must use atomic_write."""
    writers = _writers()
    unexpected = {path: lines for path, lines in writers.items() if path not in ATOMIC and path not in NOT_ATOMIC}
    assert not unexpected, f"non-atomic writers (use grader.output.atomic_write): {unexpected}"
    charts = "\n".join(writers.get("grader/report/charts.py", []))
    assert "savefig(buffer" in charts or not charts


def test_atomic_write_leaves_the_old_file_or_the_new(tmp_path):
    from grader.output import atomic_write, remove_stale_temps

    target = tmp_path / "x.json"
    atomic_write(target, "old\n")
    stale = tmp_path / ".x.json.pid999999.abcd.tmp"  # what a writer killed mid-write leaves
    stale.write_text("half", encoding="utf-8")
    live = tmp_path / f".x.json.pid{os.getpid()}.abcd.tmp"
    live.write_text("in progress", encoding="utf-8")
    atomic_write(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert remove_stale_temps(tmp_path) == [stale]
    assert live.exists()  # a live writer's temp file is never touched
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)  # readable by the TA group, as open() would make it


# --- SIGKILL during a run ----------------------------------------------------------------------


def _grade(folder: Path, out: Path, *extra: str, kill_after: float | None = None) -> tuple[int | None, float, str]:
    """Run `grade run` in a subprocess (own process group: the worker pool dies with it)."""
    argv = [sys.executable, "-c", "from grader.cli import run; run()", "run", str(folder), "--no-pdf", "--out", str(out), "--jobs", "2", *extra]
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=str(folder.parent), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    try:
        output, _ = proc.communicate(timeout=180)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # nothing of it may outlive the test
        except ProcessLookupError:
            pass
    return proc.returncode, time.monotonic() - start, output.decode("utf-8", "replace")


def _outputs(out: Path) -> dict[str, bytes]:
    files = {name: (out / name).read_bytes() for name in COMPARED}
    for path in sorted((out / "results").glob("*.json")):
        files[f"results/{path.name}"] = path.read_bytes()
    return files


def _temps(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.endswith(".tmp") or "-journal" in p.name or p.name.endswith("-wal")]


def _fill_sheet(sheet: Path) -> dict[tuple[str, str], str]:
    """Give every row of the exported sheet a score (half of the item's points)."""
    text = sheet.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows, "the sheet has no rows"
    scores = {}
    for row in rows:
        row["score"] = f"{float(row['max_points']) / 2:g}"
        scores[(row["student_id"], row["item_id"])] = row["score"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    sheet.write_text(buffer.getvalue(), encoding="utf-8-sig")
    return scores


def _cli(*argv: str) -> str:
    proc = subprocess.run([sys.executable, "-c", "from grader.cli import run; run()", *argv], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _manual_scores(out: Path) -> dict[tuple[str, str], float]:
    from grader.gradebook import Gradebook

    book = Gradebook.snapshot(out / "gradebook.sqlite")
    try:
        stored = book.manual_scores("hw4", "theory")
    finally:
        book.close()
    return {key: score.points for key, score in stored.items()}


def test_sigkill_at_any_moment_then_rerun_gives_the_same_files(tmp_path):
    folder = tmp_path / "in"
    make_class(folder, 40)

    # the reference: one uninterrupted run, TA scores imported, one uninterrupted re-grade
    ref = tmp_path / "ref"
    code, _, log = _grade(folder, ref)
    assert code == 0, log
    sheet = tmp_path / "sheet.csv"
    _cli("manual", "export", "--out", str(ref), "-o", str(sheet))
    scores = _fill_sheet(sheet)
    _cli("manual", "import", str(sheet), "--out", str(ref))
    stored = _manual_scores(ref)
    assert len(stored) == len(scores) and all(v > 0 for v in stored.values())
    out = tmp_path / "out"
    shutil.copytree(ref, out)  # the same state: graded once, TA scores in the gradebook
    code, seconds, log = _grade(folder, ref)
    assert code == 0, log
    reference = _outputs(ref)
    assert len([k for k in reference if k.startswith("results/")]) == 34
    assert b'"manual_score"' in reference["results/401100000.json"]

    for fraction in FRACTIONS:  # each: a re-grade killed at `fraction` of a run, then a complete one
        delay = max(0.05, fraction * seconds)
        code, _, log = _grade(folder, out, kill_after=delay)
        killed = code == -signal.SIGKILL
        assert _manual_scores(out) == stored, f"TA scores changed by a re-grade killed after {delay:.2f} s"
        code, _, log = _grade(folder, out)
        assert code == 0, log
        got = _outputs(out)
        assert sorted(got) == sorted(reference), f"killed={killed} after {delay:.2f} s: different files"
        for name, data in reference.items():
            assert got[name] == data, f"{name} differs after a kill at {delay:.2f} s (killed={killed})"
        assert not _temps(out), f"stray files after a kill at {delay:.2f} s: {_temps(out)}"
        assert _manual_scores(out) == stored
        print(f"kill after {delay:.2f} s of a {seconds:.2f} s run (killed: {killed}): outputs identical, TA scores kept")


def test_a_run_leaves_no_process_behind(tmp_path):
    """The worker pool of a killed run dies with its process group (no orphan keeps grading)."""
    folder = tmp_path / "in"
    make_class(folder, 30)
    argv = [sys.executable, "-c", "from grader.cli import run; run()", "run", str(folder), "--no-pdf", "--out", str(tmp_path / "out"), "--jobs", "2"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(2.0)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail("processes of the killed run are still alive")
