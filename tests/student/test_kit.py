"""The student kit: the same checker with no keys inside, and fingerprints that still say
"correct" for the formula items the rubric makes visible."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grader.kinds import get_kind
from grader.rubric import Kind, SelfCheck
from grader.student.kit import answer_digest, build_kit, digest_verdict, key_digest
from tests.conftest import SUBMISSIONS


@pytest.fixture(scope="module")
def kit(tmp_path_factory, hw4):
    out = tmp_path_factory.mktemp("kit")
    notes = build_kit(hw4, out, force=True)
    return out, notes


def _in_kit(kit_dir: Path, script: str, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """Run `script` in a fresh interpreter that sees the kit's files only (as after installing
    it); the script gets the kit's folder as sys.argv[1]."""
    env = {**os.environ, "PYTHONPATH": str(kit_dir)}
    return subprocess.run([sys.executable, "-c", script, str(kit_dir)], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _kit_rubric(kit_dir: Path) -> dict:
    return yaml.safe_load((kit_dir / "kit_reference" / "rubrics" / "hw4.yaml").read_text(encoding="utf-8"))


def test_kit_rubric_carries_no_keys(kit, hw4):
    data = _kit_rubric(kit[0])
    assert data["kit"] is True and data["reference"] == "kit_reference.hw4"
    for raw in data["items"]:
        assert not {"key", "accept", "mistakes", "notes"} & set(raw), raw["id"]
    digests = {raw["id"] for raw in data["items"] if "key_digest" in raw}
    visible = {i.id for i in hw4.auto_items if i.self_check is SelfCheck.CORRECTNESS}
    assert digests == visible and len(digests) == 7
    assert not list(kit[0].rglob("q1.py")) and not list(kit[0].rglob("q3.py"))


def _key_texts(hw4, keys) -> set[str]:
    """Every key, alternative and known mistake as it would be written, where it is specific."""
    texts: set[str] = set()
    for item in hw4.auto_items:
        kind = get_kind(item.kind)
        for index, rule in enumerate(item.rules()):
            if rule.range is not None or rule.value is not None:
                continue
            text = kind.show(keys.expected(item, index, "401234567"), item)
            if item.kind is Kind.CHOICE:
                continue  # option keys are public: the template lists them
            digits = re.sub(r"\D", "", text)
            if item.kind in (Kind.EXPRESSION, Kind.EXPRESSIONS) or len(digits.lstrip("0")) >= 4:
                texts.add(text)
            if item.kind is Kind.INTEGER and len(digits) >= 4:
                texts.add(f"{int(text):,}")
    return texts


def test_no_key_value_appears_anywhere_in_the_kit(kit, hw4, hw4_keys):
    texts = _key_texts(hw4, hw4_keys)
    assert "73856" in texts and "W^2·H^2·I·J" in texts and "120,422,400" in texts
    for path in kit[0].rglob("*"):
        if path.is_file() and path.suffix in (".py", ".yaml", ".md", ".toml", ".html", ".css"):
            content = path.read_text(encoding="utf-8")
            leaked = [t for t in texts if t in content]
            assert not leaked, f"{path.relative_to(kit[0])} contains {leaked}"


@pytest.mark.parametrize(
    ("item_id", "answer", "expected"),
    [
        ("q1.a.fc_weights", "W^2 H^2 I J", True),
        ("q1.a.fc_weights", "(W H)^2 I J", True),
        ("q1.a.fc_weights", "$W^{2}H^{2}IJ$", True),
        ("q1.a.fc_weights", "W^2 H^2 I", False),
        ("q1.a.conv_units", "W*H*J", True),
        ("q5.a.output_size", "(M-DF+D) x (N-DF+D)", True),
        ("q5.a.output_size", "[N-DF+D, M-DF+D]", False),
        ("q5.a.output_size", "[M-DF+D]", False),
        ("q1.a.fc_weights", "W^2 H^2 I J sqrt(2)/sqrt(2)", None),  # not exact: cannot be told offline
        ("q1.a.fc_weights", "W^2 H^2 I J +", None),  # unreadable
    ],
)
def test_digest_tells_right_from_wrong(hw4, hw4_keys, item_id, answer, expected):
    item = hw4.item(item_id).model_copy(update={"key_digest": key_digest(hw4.item(item_id), hw4_keys.expected(hw4.item(item_id), 0))})
    assert digest_verdict(item, answer) is expected


def test_digest_depends_on_the_item(hw4, hw4_keys):
    a, b = hw4.item("q1.a.fc_weights"), hw4.item("q1.a.fc_connections")
    assert key_digest(a, hw4_keys.expected(a, 0)) != key_digest(b, hw4_keys.expected(b, 0))
    parsed = get_kind(a.kind).parse("W^2 H^2 I J", a)
    assert answer_digest(a, parsed) == key_digest(a, hw4_keys.expected(a, 0))


def test_the_kit_checks_and_templates_on_its_own(kit, tmp_path):
    """Run from the kit's files only (PYTHONPATH), as a student would after installing it."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "HW4_T_401234568.yaml").write_bytes((SUBMISSIONS / "HW4_T_401234568.yaml").read_bytes())
    script = (
        "import sys, grader, kit_reference; assert grader.__file__.startswith(sys.argv[1]), grader.__file__\n"
        "from grader.cli import main\n"
        "code = main(['template', '--student', '401234567'])\n"
        "code = code or main(['check', 'HW4_T_401234568.yaml'])\n"
        "assert 'torch' not in sys.modules\n"
        "sys.exit(code)\n"
    )
    proc = _in_kit(kit[0], script, work, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "q1.a.fc_units (0.5 pts): wrong" in out and "q1.a.fc_weights (1 pt): correct" in out
    assert "q1.c.unet_conv2_params (2 pts): read OK" in out
    assert "Correctness is shown for 7 of 29" in out
    template = yaml.safe_load((work / "HW4_T_401234567.yaml").read_text(encoding="utf-8"))
    from reference.hw4 import REFERENCES

    assert template["instances"]["q3"] == REFERENCES.instances["q3"]("401234567")


def test_the_kit_has_its_docs_its_python_and_no_ta_parts(kit):
    out = kit[0]
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "`cd` into it" in readme and "Windows" in readme and ".venv\\Scripts\\grade check" in readme and ".venv/bin/grade check" in readme
    forms = (out / "docs" / "answer-forms.md").read_text(encoding="utf-8")
    assert "## Formulas (expression items)" in forms and "## The answer file itself (YAML)" in forms
    project = (out / "pyproject.toml").read_text(encoding="utf-8")
    assert 'requires-python = ">=3.9"' in project and "hatchling" in project
    required = next(line for line in project.splitlines() if line.startswith("dependencies = "))
    for heavy in ("sympy", "Jinja2", "jdatetime", "tzdata", "torch", "weasyprint"):
        assert heavy not in required
    for extra in ("weasyprint", "Jinja2"):  # `grade sheet`: the optional [sheet] extra only
        assert extra in next(line for line in project.splitlines() if line.startswith("sheet = "))
    for ta_part in ("outputs", "store", "review", "integrity"):
        assert not (out / "grader" / ta_part).exists(), ta_part
    assert (out / "grader" / "_kit.py").exists()
    assert sorted(p.name for p in (out / "grader" / "typeset" / "fonts").iterdir()) == [
        "DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSansMono.ttf", "LICENSE_DEJAVU",
    ]


def test_the_kit_checks_a_filled_pdf_sheet(kit, tmp_path):
    """From the kit's files only: `grade check` reads the bundled filled sheet (pypdf, a kit
    requirement) with the same verdicts the kit gives for YAML."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "HW4_T_401234570.pdf").write_bytes((SUBMISSIONS / "HW4_T_401234570.pdf").read_bytes())
    script = (
        "import sys, grader; assert grader.__file__.startswith(sys.argv[1]), grader.__file__\n"
        "from grader.cli import main\n"
        "code = main(['check', 'HW4_T_401234570.pdf'])\n"
        "assert 'torch' not in sys.modules and 'weasyprint' not in sys.modules\n"
        "sys.exit(code)\n"
    )
    proc = _in_kit(kit[0], script, work)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "q1.a.fc_weights (1 pt): correct" in out and "q6.c.sigmoid_max_grad (1 pt): invalid" in out
    assert "q1.c.unet_conv2_params (2 pts)" in out
    from grader.student.kit import KIT_REQUIREMENTS

    assert "pypdf" in KIT_REQUIREMENTS


def test_the_kit_writes_the_same_answer_sheet_as_the_grader(kit, tmp_path):
    """A student who lost the sheet makes it again from the kit's files only (no reports, no
    gradebook, no keys, fonts from the kit): the same fields, pages and text as the TA's sheet."""
    import pypdf

    from grader.cli import main
    from grader.readers.pdf_sheet import read_sheet

    work = tmp_path / "work"
    work.mkdir()
    script = (
        "import sys, grader; assert grader.__file__.startswith(sys.argv[1]), grader.__file__\n"
        "from grader.cli import main\n"
        "code = main(['sheet', '--student', '401234567'])\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('grader.outputs', 'grader.store', 'torch', 'matplotlib')))\n"
        "assert not loaded, loaded\n"
        "from grader.typeset.pdf import font_dir\n"
        "assert str(font_dir()).startswith(sys.argv[1]), font_dir()\n"
        "sys.exit(code)\n"
    )
    proc = _in_kit(kit[0], script, work)
    assert proc.returncode == 0, proc.stderr
    assert "wrote HW4_T_401234567.pdf" in proc.stdout
    assert main(["sheet", "--student", "401234567", "-o", str(tmp_path / "ta.pdf")]) == 0
    mine, theirs = (work / "HW4_T_401234567.pdf").read_bytes(), (tmp_path / "ta.pdf").read_bytes()
    a, b = read_sheet(mine, "kit", prefix="HW4_T_"), read_sheet(theirs, "ta", prefix="HW4_T_")
    assert (a.pages, a.sheet_pages, a.document) == (b.pages, b.sheet_pages, b.document)
    text = [page.extract_text() for page in pypdf.PdfReader(work / "HW4_T_401234567.pdf").pages]
    assert text == [page.extract_text() for page in pypdf.PdfReader(tmp_path / "ta.pdf").pages]
    assert "401234567" in text[0]


def test_the_kit_without_weasyprint_says_how_to_get_the_sheet(kit, tmp_path):
    script = (
        "import sys, importlib.util\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'weasyprint' else real(name, *a)\n"
        "from grader.cli import main\n"
        "sys.exit(main(['sheet', '--student', '401234567']))\n"
    )
    proc = _in_kit(kit[0], script, tmp_path, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        'grade: error: writing a sheet needs weasyprint, which is not installed: in the kit\'s folder, `pip install ".[sheet]"` '
        "(the kit's README says more); `grade template` writes a YAML answer file instead"
    ]
    assert not list(tmp_path.glob("*.pdf"))


def test_a_missing_course_file_is_a_rubric_error_and_leaves_no_half_kit(tmp_path, hw4):
    from grader.errors import RubricError
    from grader.rubric import load_rubric

    (tmp_path / "rubrics").mkdir()
    shutil.copy(hw4.path, tmp_path / "rubrics" / "hw4.yaml")  # without the course.yaml it names
    rubric = load_rubric(tmp_path / "rubrics" / "hw4.yaml")
    with pytest.raises(RubricError, match=r"course\.yaml: cannot read the course file: No such file"):
        build_kit(rubric, tmp_path / "kit")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rubrics"]
