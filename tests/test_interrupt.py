"""Report workers leave no font copies behind (issue case 12), and Ctrl-C is exit 130, one line,
no temp files (case 13)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.store.test_manual import make_homework


def _grade(tmp: Path, out: Path, subs: Path, rubric: Path, jobs: int, **kw: object) -> subprocess.Popen[str]:
    env = {**os.environ, "TMPDIR": str(tmp)}
    code = "import sys; from grader.cli import main; sys.exit(main(sys.argv[1:]))"
    args = [sys.executable, "-c", code, "run", str(subs), "--rubric", str(rubric), "--out", str(out), "-j", str(jobs)]
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1], **kw)  # type: ignore[call-overload]


def _leftovers(tmp: Path) -> list[str]:
    return sorted(p.name for p in tmp.iterdir() if p.name.startswith(("weasyprint-", "hwgrader-report-")))


@pytest.mark.parametrize("jobs", [1, 2])
def test_issue_case_12_a_run_leaves_no_font_copies_in_the_temp_folder(tmp_path: Path, jobs: int) -> None:
    hw = make_homework(tmp_path)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    before = _leftovers(tmp)
    proc = _grade(tmp, hw.out, hw.subs, hw.rubric, jobs)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert sorted((hw.out / "reports").glob("*.pdf")), out
    assert before == [] and _leftovers(tmp) == []


def test_issue_case_13_ctrl_c_is_one_line_exit_130_and_no_temp_files(tmp_path: Path) -> None:
    hw = make_homework(tmp_path)
    for i in range(40):  # enough reports that the interrupt lands while they render
        (hw.subs / f"HWT_4010001{i:02d}.yaml").write_text(f'{{"student_id": "4010001{i:02d}", "answers": {{"q1.pick": "a"}}}}', encoding="utf-8")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = _grade(tmp, hw.out, hw.subs, hw.rubric, 2, start_new_session=True)
    deadline = time.monotonic() + 240
    while not (hw.out / "results").is_dir() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
    out, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the run finished before the interrupt")
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == "grade: interrupted"
    assert len([line for line in err.splitlines() if line.strip()]) <= 2, err
    time.sleep(0.5)
    stray = [p for p in hw.out.rglob("*") if p.name.endswith(".tmp")]
    assert stray == []
    assert _leftovers(tmp) == []
