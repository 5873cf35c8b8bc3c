"""The student kit installs from its folder into a clean venv on the oldest and newest Python the
course supports (3.9, macOS's python3; 3.13), with pip from the package index, and runs.

Slow (two venvs, a minute or two): marked `slow`, run by CI's full pytest. Each interpreter is a
pyenv one (scripts/setup and DEVELOPERS.md); a missing one is skipped with its path. The figures
(install time, installed size) are printed (`pytest -s`) for the kit's README and the bench.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from grader.student.kit import build_kit

PYTHONS = {"3.9": Path("/root/.pyenv/versions/3.9.18/bin/python"), "3.13": Path("/root/.pyenv/versions/3.13.0/bin/python")}
pytestmark = pytest.mark.slow

NO_SIGNALS = (
    "import signal, sys\n"
    "for name in ('setitimer', 'getitimer', 'SIGALRM', 'ITIMER_REAL', 'alarm'):\n"
    "    if hasattr(signal, name): delattr(signal, name)\n"  # as on Windows
    "from grader.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


@pytest.fixture(scope="module")
def kit(tmp_path_factory, hw4):
    out = tmp_path_factory.mktemp("install") / "hw4-kit"
    build_kit(hw4, out)
    return out


@pytest.mark.parametrize("version", sorted(PYTHONS))
def test_the_kit_installs_and_checks_in_a_clean_venv(kit, tmp_path, version):
    python = PYTHONS[version]
    if not python.exists():
        pytest.skip(f"no Python {version} at {python}")
    before = _files(kit)
    venv = tmp_path / "venv"
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True, timeout=120)
    empty = _size(venv)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    start = time.monotonic()
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(kit)], env=env, capture_output=True, text=True, timeout=900)
    seconds = time.monotonic() - start
    assert pip.returncode == 0, pip.stderr[-2000:]
    assert _files(kit) == before, "pip install left files in the kit (build/, *.egg-info)"
    installed = _size(venv) - empty
    print(f"\nkit on Python {version}: pip install {seconds:.1f} s, installed size {installed / 1e6:.1f} MB")
    site = next((venv / "lib").glob("python*/site-packages"))
    dists = {p.name.split("-")[0].lower() for p in site.glob("*.dist-info")}
    assert not dists & {"sympy", "jinja2", "jdatetime", "tzdata", "torch", "weasyprint", "matplotlib"}, dists
    grade = str(venv / "bin" / "grade")
    work = tmp_path / "work"
    work.mkdir()

    def run(*args: str, script: str | None = None) -> subprocess.CompletedProcess[str]:
        command = [str(venv / "bin" / "python"), "-c", script, *args] if script else [grade, *args]
        return subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=300)

    version_out = run("--version")
    assert version_out.returncode == 0 and version_out.stdout.startswith("hwgrader-kit-hw4 "), version_out.stderr
    assert run("template", "--student", "401234567").returncode == 0
    answers = work / "HW4_T_401234567.yaml"
    text = answers.read_text(encoding="utf-8")
    for item, answer in (("q1.a.conv_units", "(W-K+1)(H-K+1)J"), ("q1.a.fc_weights", "W^2 H^2 I"), ("q4.b.reduction_percent", "0.8967")):
        text = text.replace(f"  {item}: ''", f"  {item}: '{answer}'")
    text = text.replace("  q6.a.bound: ''", "  q6.a.bound: {0.9}^{100}")  # a YAML slip, local
    answers.write_text(text, encoding="utf-8")
    outputs = []
    for script in (None, NO_SIGNALS):
        checked = run("check", answers.name, script=script)
        assert checked.returncode == 0, checked.stderr
        out = " ".join(checked.stdout.split())
        assert "q1.a.conv_units (0.5 pts): correct" in out  # a full-credit alternative
        assert "q1.a.fc_weights (1 pt): wrong" in out
        assert "was read as 0.8967%" in out
        assert 'put the answer in quotes: q6.a.bound: "{0.9}^{100}"' in out
        assert "Traceback" not in checked.stderr
        outputs.append(checked.stdout)
    assert outputs[0] == outputs[1]  # without SIGALRM (Windows) the same results
    for args in (("run", "."), (".",), ("key",), ("validate", "rubrics/hw4.yaml")):
        refused = run(*args)
        assert refused.returncode == 1 and refused.stderr.count("\n") == 1 and "not part of the student kit" in refused.stderr, (args, refused.stderr)


def test_a_student_who_lost_the_sheet_writes_it_from_the_installed_kit(kit, tmp_path):
    """`pip install ".[sheet]"` (WeasyPrint, Jinja2) in a clean venv, then `grade sheet`: the sheet
    comes out with the student's own numbers, and the kit's `grade check` reads it back."""
    python = PYTHONS["3.13"]
    if not python.exists():
        pytest.skip(f"no Python 3.13 at {python}")
    venv = tmp_path / "venv"
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True, timeout=120)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    start = time.monotonic()
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"{kit}[sheet]"], env=env, capture_output=True, text=True, timeout=900)
    assert pip.returncode == 0, pip.stderr[-2000:]
    print(f"\nkit with [sheet] on Python 3.13: pip install {time.monotonic() - start:.1f} s, installed size {_size(venv) / 1e6:.1f} MB")
    work = tmp_path / "work"
    work.mkdir()
    grade = str(venv / "bin" / "grade")
    wrote = subprocess.run([grade, "sheet", "--student", "401234567"], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert wrote.returncode == 0, wrote.stderr
    sheet = work / "HW4_T_401234567.pdf"
    import pypdf

    from grader.cli import main

    assert main(["sheet", "--student", "401234567", "-o", str(tmp_path / "ta.pdf")]) == 0  # the TA's sheet, from this checkout
    first_page = pypdf.PdfReader(sheet).pages[0].extract_text()
    assert "401234567" in first_page and first_page == pypdf.PdfReader(tmp_path / "ta.pdf").pages[0].extract_text()
    checked = subprocess.run([grade, "check", sheet.name], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0 and "50 item(s) missing or unreadable" in " ".join(checked.stdout.split()), checked.stdout + checked.stderr
