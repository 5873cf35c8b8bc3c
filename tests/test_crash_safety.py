"""Crash safety: every output is written atomically, and SIGKILL at any moment loses nothing.

- A static audit: every place in grader/ that writes a file goes through a temp file + rename
  (grader.fsio.atomic_write), or is SQLite (transactions).
- `grade <folder> --no-pdf --out X` on 40 generated answer files (with a manifest, so the
  policy and the late-day ledger are exercised) is killed with SIGKILL at several moments (a
  fraction of a run's time, and the instant it starts writing results/, grades.csv,
  errors.json), then re-run to completion: results/*.json, grades.csv and errors.json are
  byte-identical to an uninterrupted run's, and no temp file is left. (run.json and the
  gradebook hold timestamps and are not compared.)
- TA scores imported with `grade manual import` survive a re-grade killed at any of those
  moments: the gradebook still has them and the completed re-grade shows them.
- No process of a killed run (forkserver, workers) outlives it.

HWGRADER_CRASH_DELAYS="0.05,0.3,0.7,..." (fractions of an uninterrupted run; none by default,
to keep CI short) adds time-based kill points for a longer offline run.
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
FRACTIONS = [float(f) for f in os.environ.get("HWGRADER_CRASH_DELAYS", "").split(",") if f]


# --- the writer audit ------------------------------------------------------------------------

WRITES = re.compile(
    r"""open\([^)]*["'](?:w|wb|a|ab|x|xb|w\+|r\+)["']|\.write_text\(|\.write_bytes\(|savefig\(|write_pdf\(|shutil\.(?:copy|move)|os\.rename\(|\.rename\(|mkstemp\(|NamedTemporaryFile|fdopen\("""
)
# path:line-pattern -> why it is safe
ATOMIC = {
    "grader/fsio.py": "atomic_write: mkstemp in the target folder, fsync, os.replace, fsync of the folder",
    "grader/outputs/report/render.py": "grader.fsio.atomic_write (PDF bytes rendered in memory first)",
    "grader/outputs/report/charts.py": "savefig into an in-memory buffer (a data: URI), no file",
    "grader/student/sheet/write.py": "write_pdf() to bytes in memory; files only through grader.fsio.atomic_write",
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


# Writers that are atomic at a coarser grain than a file: each builds a whole artefact elsewhere
# and renames it into place.
NOT_ATOMIC = {
    "grader/student/kit.py": "`grade kit` writes the kit into a sibling folder and renames the folder into place",
    "grader/store/journal.py": "the manual-score journal is append-only (synced lines; a torn last line is skipped on reading)",
}


def test_every_writer_is_atomic():
    """A new `open(..., "w")`/write_text/savefig-to-a-file in grader/ must use atomic_write."""
    writers = _writers()
    unexpected = {path: lines for path, lines in writers.items() if path not in ATOMIC and path not in NOT_ATOMIC}
    assert not unexpected, f"non-atomic writers (use grader.fsio.atomic_write): {unexpected}"
    charts = "\n".join(writers.get("grader/outputs/report/charts.py", []))
    assert "savefig(buffer" in charts or not charts


def test_atomic_write_leaves_the_old_file_or_the_new(tmp_path):
    from grader.fsio import atomic_write, remove_stale_temps

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


def _written_since(out: Path, what: str, since_ns: int) -> bool:
    """Has the run started writing `what` (results/, grades.csv, errors.json)? Temps count."""
    folder = out / "results" if what == "results" else out
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return False
    for entry in entries:
        if what == "results" or what in entry.name:
            try:
                if entry.stat(follow_symlinks=False).st_mtime_ns > since_ns:
                    return True
            except FileNotFoundError:  # a temp file renamed away in between: writing has started
                return True
    return False


def _grade(folder: Path, out: Path, *, jobs: int = 1, kill_after: float | None = None, kill_when: str | None = None) -> tuple[int | None, float, str]:
    """Run `grade run` in a subprocess (own process group: the worker pool dies with it).

    `kill_after`: SIGKILL after that many seconds; `kill_when`: SIGKILL as soon as the run
    starts writing results/, grades.csv or errors.json (polled every 2 ms).
    """
    argv = [sys.executable, "-c", "from grader.cli import run; run()", "run", str(folder), "--no-pdf", "--out", str(out), "--jobs", str(jobs)]
    start = time.monotonic()
    since = time.time_ns()
    proc = subprocess.Popen(argv, cwd=str(folder.parent), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    elif kill_when is not None:
        while proc.poll() is None and time.monotonic() - start < 120:
            if _written_since(out, kill_when, since):
                os.killpg(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.002)
    try:
        output, _ = proc.communicate(timeout=180)
    finally:
        _no_survivors(proc.pid)
    return proc.returncode, time.monotonic() - start, output.decode("utf-8", "replace")


def _no_survivors(pgid: int) -> None:
    """Every process of the run (the CLI, the forkserver, the workers) is gone: no orphan goes on
    grading or writing after the CLI died."""
    deadline = time.monotonic() + 10
    while True:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            os.killpg(pgid, signal.SIGKILL)
            pytest.fail("processes of a killed run outlived it")
        time.sleep(0.05)


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
    from grader.store.gradebook import Gradebook

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

    # each: a re-grade killed at that moment, then a complete one (a fresh process: another
    # hash seed, so this also checks that nothing depends on set or dict order)
    # (the one with --jobs 2 kills the worker pool mid-batch too)
    kills = [("after", f, 1) for f in FRACTIONS] + [("when", "results", 2), ("when", "grades.csv", 1), ("when", "errors.json", 1)]
    for how, when, jobs in kills:
        if how == "after":
            delay = max(0.05, float(when) * seconds)
            code, took, log = _grade(folder, out, jobs=jobs, kill_after=delay)
            moment = f"after {delay:.2f} s of a {seconds:.2f} s run"
        else:
            code, took, log = _grade(folder, out, jobs=jobs, kill_when=str(when))
            moment = f"when it started writing {when} ({took:.2f} s in, --jobs {jobs})"
        killed = code == -signal.SIGKILL
        left = len(_temps(out))  # temp files the kill left behind (the re-run must clean them)
        assert _manual_scores(out) == stored, f"TA scores changed by a re-grade killed {moment}"
        code, _, log = _grade(folder, out)
        assert code == 0, log
        got = _outputs(out)
        assert sorted(got) == sorted(reference), f"killed {moment} (killed={killed}): different files"
        for name, data in reference.items():
            assert got[name] == data, f"{name} differs after a kill {moment} (killed={killed})"
        assert not _temps(out), f"stray files after a kill {moment}: {_temps(out)}"
        assert _manual_scores(out) == stored
        print(f"killed {moment} (killed: {killed}, {left} temp files left): outputs identical, TA scores kept")


def test_a_killed_render_leaves_no_temp_after_the_next_one(tmp_path, hw4, hw4_keys):
    pytest.importorskip("weasyprint")
    from grader.grading.batch import grade_file
    from grader.outputs import report
    from tests.adversarial.conftest import FILES

    source = tmp_path / "HW4_T_401234567.yaml"
    source.write_bytes((FILES / source.name).read_bytes())
    result = grade_file(source, rubric=hw4, keys=hw4_keys)
    reports = tmp_path / "reports"
    reports.mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()  # a pid that no longer runs: the writer that was killed
    (reports / f".401234567.pdf.pid{dead.pid}.k1ll3d__.tmp").write_bytes(b"%PDF-1.7 half a report")  # what a kill leaves
    report.render_reports([result], hw4, reports, jobs=1, force=True)
    assert (reports / "401234567.pdf").is_file()
    assert not list(reports.glob("*.tmp")), sorted(p.name for p in reports.glob("*.tmp"))


def test_unchanged_results_are_not_rewritten(tmp_path):
    from grader.fsio import write_if_changed

    path = tmp_path / "r.json"
    assert write_if_changed(path, "{}\n") is True
    before = path.stat().st_mtime_ns, path.stat().st_ino
    assert write_if_changed(path, "{}\n") is False
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == before
    assert write_if_changed(path, '{"a": 1}\n') is True
    assert path.read_text(encoding="utf-8") == '{"a": 1}\n'


def test_results_already_written_are_not_formatted_again_but_edits_are_repaired(tmp_path, monkeypatch):
    import grader.outputs.results as output
    from tests.outputs.report.fixtures import make_result

    results = [make_result("401000001"), make_result("401000002")]
    output.write_results(results, tmp_path)
    first = (tmp_path / "results" / "401000001.json").read_text(encoding="utf-8")
    formatted: list[object] = []
    real_dumps = output.dumps
    monkeypatch.setattr(output, "dumps", lambda data: formatted.append(data) or real_dumps(data))

    output.write_results(results, tmp_path)  # same results, files untouched: nothing formatted
    assert formatted == []
    # a hand-edited (or damaged) file no longer matches what was written: it is written again
    (tmp_path / "results" / "401000001.json").write_text("{}", encoding="utf-8")
    output.write_results(results, tmp_path)
    assert len(formatted) == 1 and (tmp_path / "results" / "401000001.json").read_text(encoding="utf-8") == first
    # a changed result is written; a damaged index only costs formatting everything once
    results[1] = make_result("401000002", params_answer="73856")
    output.write_results(results, tmp_path)
    assert len(formatted) == 2 and '"73856"' in (tmp_path / "results" / "401000002.json").read_text(encoding="utf-8")
    (tmp_path / output.RESULTS_INDEX).write_text("[not an index", encoding="utf-8")
    output.write_results(results, tmp_path)
    assert len(formatted) == 4


def test_reports_started_early_appear_only_when_the_run_completes(tmp_path, hw4):
    """With a pool the report workers render while the run still diffs and writes; a run that
    stops before the end publishes none of it (no PDF, no staged temp file), and a complete run
    publishes all of it."""
    from grader.api import run_grading

    def stop(diff):
        raise KeyboardInterrupt

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run_grading(ROOT / "submissions", rubric=hw4, out_dir=out, jobs=2, on_diff=stop)
    reports = out / "reports"
    assert not reports.exists() or sorted(p.name for p in reports.iterdir()) == []
    assert not (out / "results").exists()

    outcome = run_grading(ROOT / "submissions", rubric=hw4, out_dir=out, jobs=2)
    names = sorted(p.name for p in reports.iterdir())
    assert names == [".report-index.json", "401234567.pdf", "401234568.pdf", "401234569.pdf", "401234570.pdf", "summary.pdf"], names
    assert outcome.report_note.startswith("4 reports rendered, 0 unchanged")
