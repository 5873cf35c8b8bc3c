"""The adversarial corpus, graded as a folder by the library and by the CLI.

Every file must end as its manifest.yaml entry says (graded with the listed verdicts, unreadable
with a message naming the problem, skipped, superseded), nothing may crash, hang, print a
traceback, run student text or write outside the output folder.
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest

from grader.grading.batch import grade_batch
from grader.model import Status
from tests.adversarial.conftest import NOT_IN_ROSTER, build_corpus, tree
from tests.bounds import cpu_bounded
from tests.conftest import HW4_RUBRIC

CORPUS_SECONDS = 90.0  # generous: catches a hang, not a slowdown (measured: ~3-6 s, ~15 s with the hostile PDFs)
PWNED = [Path("/tmp/hwgrader-pwned"), Path("/tmp/hwgrader-evil")]
TRACEBACK = "Traceback (most recent call last)"


def _check_graded(name, expected, result, rubric):
    assert result.student_id == expected["student"], name
    answered = {item_id for item_id in expected.get("items", {})}
    listed = expected.get("items", {})
    for item in rubric.items:
        got = result.item(item.id)
        text = f"{got.verdict.feedback}\n{got.verdict.read_as or ''}"
        if item.id in listed:
            status, fragment = listed[item.id]
        elif got.verdict.status is Status.MISSING and item.id not in answered:
            continue  # not answered in the file: checked below for files with defaults
        elif item.manual and "text" in expected:
            status, fragment = expected["text"]
        elif not item.manual and "auto" in expected:
            status, fragment = expected["auto"]
        else:
            raise AssertionError(f"{name}: {item.id} is {got.verdict.status.value} ({got.verdict.feedback!r}) but the manifest does not list it")
        assert got.verdict.status.value == status, f"{name}: {item.id}: expected {status}, got {got.verdict.status.value}: {got.verdict.feedback!r}"
        assert fragment in text, f"{name}: {item.id}: {fragment!r} not in {text!r}"
        assert "internal error" not in got.verdict.feedback, f"{name}: {item.id}: {got.verdict.feedback}"
    for fragment in expected.get("warnings", []):
        assert any(fragment in w for w in result.warnings), f"{name}: no warning with {fragment!r} in {result.warnings}"


def check_batch(batch, manifest, rubric, *, roster_refused=()):
    """Every manifest entry ends as listed, and every answer file is accounted for exactly once."""
    results = {r.source: r for r in batch.results}
    errors = {e.file: e.message for e in batch.errors}
    skipped = {e.file: e.message for e in batch.skipped}
    for name, expected in manifest.items():
        outcome = expected["outcome"]
        if name in roster_refused:
            assert "is not in the roster" in errors.get(name, ""), name
            continue
        if outcome == "graded":
            assert name in results, f"{name}: expected graded; error: {errors.get(name)}; skipped: {skipped.get(name)}"
            _check_graded(name, expected, results[name], rubric)
        elif outcome == "unreadable":
            assert name in errors, f"{name}: expected unreadable; graded: {name in results}"
            assert expected["message"] in errors[name], f"{name}: {expected['message']!r} not in {errors[name]!r}"
            assert name in errors[name] or "�" in name, f"{name}: the message must name the file: {errors[name]!r}"
        elif outcome in ("skipped", "superseded"):
            assert name in skipped, f"{name}: expected {outcome}"
            assert expected["message"] in skipped[name], skipped[name]
        else:
            assert outcome == "ignored", outcome
            assert name not in results and name not in errors and name not in skipped
    accounted = list(results) + list(errors) + list(skipped)
    assert len(accounted) == len(set(accounted)), "a file is reported twice"
    unlisted = set(accounted) - set(manifest)
    assert not unlisted, f"files without an expected outcome in manifest.yaml: {sorted(unlisted)}"
    for text in [*errors.values(), *skipped.values(), *(v.verdict.feedback for r in batch.results for v in r.items), *(w for r in batch.results for w in r.warnings)]:
        assert TRACEBACK not in text


def test_corpus_files_all_have_an_expected_outcome(manifest):
    from tests.adversarial.conftest import FILES

    names = {p.name for p in FILES.iterdir()}
    assert names <= set(manifest), sorted(names - set(manifest))
    assert len(names) >= 50


def test_corpus_through_grade_batch(corpus_dir, manifest, hw4):
    before = tree(corpus_dir.parent)
    start = time.perf_counter()
    batch = grade_batch(corpus_dir, rubric=hw4, jobs=1)
    seconds = time.perf_counter() - start
    print(f"\ncorpus: {len(manifest)} files graded by grade_batch in {seconds:.2f} s")
    assert seconds < CORPUS_SECONDS
    check_batch(batch, manifest, hw4)
    assert tree(corpus_dir.parent) == before  # grading reads; it writes nothing
    assert not any(p.exists() for p in PWNED)


ROSTER_SAMPLE = ["HW4_T_401234567.yaml", "HW4_T_adv_html.yaml", "HW4_T_adv_bomb_laughs.yaml", "HW4_T_...yaml"]


def _roster_folder(corpus_dir: Path, target: Path) -> Path:
    """A few corpus files and the one whose id is not in the roster (a small batch: fast)."""
    import shutil

    target.mkdir()
    for name in ROSTER_SAMPLE + [f"HW4_T_{NOT_IN_ROSTER}.yaml"]:
        shutil.copy2(corpus_dir / name, target / name)
    return target


def test_roster_refuses_files_of_other_ids(corpus_dir, manifest, hw4, tmp_path):
    folder = _roster_folder(corpus_dir, tmp_path / "in")
    roster = ["adv_html", "adv_bomb_laughs", " 401234567 "]  # ids compare after stripping spaces
    batch = grade_batch(folder, rubric=hw4, jobs=1, roster=roster)
    name = f"HW4_T_{NOT_IN_ROSTER}.yaml"
    sample = {k: manifest[k] for k in ROSTER_SAMPLE + [name]}
    check_batch(batch, sample, hw4, roster_refused={name})
    assert {r.student_id for r in batch.results} == {"401234567", "adv_html"}
    message = {e.file: e.message for e in batch.errors}[name]
    assert message == f"{name}: student id '{NOT_IN_ROSTER}' is not in the roster; the file was not graded"
    # a malformed id is reported as malformed, not as missing from the roster
    assert "must be 1-64 letters" in {e.file: e.message for e in batch.errors}["HW4_T_...yaml"]


def _cli(argv: list[str], capsys) -> tuple[int, str, str]:
    from grader.cli import main

    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _check_cli_outputs(out: Path, batch_like: dict, manifest: dict, *, refused=()):
    graded = {e["student"]: name for name, e in manifest.items() if e["outcome"] == "graded" and name not in refused}
    results = {p.stem for p in (out / "results").glob("*.json")}
    assert results == set(graded), sorted(results ^ set(graded))
    for student, name in graded.items():
        data = json.loads((out / "results" / f"{student}.json").read_text(encoding="utf-8"))
        assert data["source"] == name
        expected = manifest[name]
        for item_id, (status, fragment) in expected.get("items", {}).items():
            item = data["items"][item_id]
            assert item["status"] == status, (name, item_id, item)
            assert fragment in f"{item['feedback']}\n{item['read_as'] or ''}", (name, item_id, item)
    errors = json.loads((out / "errors.json").read_text(encoding="utf-8"))
    unreadable = {e["file"]: e["error"] for e in errors["unreadable"]}
    skipped = {e["file"]: e["reason"] for e in errors["skipped"]}
    for name, expected in manifest.items():
        if name in refused:
            assert "not in the roster" in unreadable[name]
        elif expected["outcome"] == "unreadable":
            assert expected["message"] in unreadable[name], (name, unreadable.get(name))
        elif expected["outcome"] in ("skipped", "superseded"):
            assert expected["message"] in skipped[name], (name, skipped.get(name))
    with (out / "grades.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["student_id"] for r in rows) == sorted(graded)
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".csv"):
            assert TRACEBACK not in path.read_text(encoding="utf-8")


def _run_cli_on(folder: Path, tmp_path: Path, manifest: dict, capsys, *extra: str, refused=()) -> tuple[str, str]:
    out = tmp_path / "out"
    before = tree(tmp_path)
    start = time.perf_counter()
    code, stdout, stderr = _cli(["run", str(folder), "--no-pdf", "--out", str(out), "--jobs", "2", *extra], capsys)
    seconds = time.perf_counter() - start
    print(f"\ncorpus: {len(manifest)} files through `grade run` in {seconds:.2f} s")
    assert code == 0, stderr[-3000:]
    assert seconds < CORPUS_SECONDS
    assert TRACEBACK not in stdout and TRACEBACK not in stderr
    after = tree(tmp_path)
    outside = {p for p in after - before if not p.startswith("out")}
    assert not outside, f"files written outside the output folder: {sorted(outside)}"
    assert not any(p.exists() for p in PWNED)
    assert not [p for p in out.rglob("*.tmp")], "stray temp files"
    _check_cli_outputs(out, {}, manifest, refused=refused)
    return stdout, stderr


MARKUP_FILE = "HW4_T_adv_markup_id.yaml"


def test_corpus_through_cli(tmp_path, manifest, capsys):
    folder = build_corpus(tmp_path / "in")
    stdout, _ = _run_cli_on(folder, tmp_path, manifest, capsys)
    assert "\x1b[31mANSI" not in stdout  # student text never reaches the terminal as escapes


def test_corpus_through_cli_with_a_roster(corpus_dir, tmp_path, manifest, capsys):
    folder = _roster_folder(corpus_dir, tmp_path / "in")
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\n401234567,A\nadv_html,B\nadv_bomb_laughs,C\n", encoding="utf-8")
    name = f"HW4_T_{NOT_IN_ROSTER}.yaml"
    sample = {k: manifest[k] for k in ROSTER_SAMPLE + [name]}
    _run_cli_on(folder, tmp_path, sample, capsys, "--roster", str(roster), refused={name})


@pytest.mark.parametrize("command", ["run", "check"])
def test_markup_in_a_student_id_is_printed_as_text(tmp_path, capsys, command):
    from tests.adversarial.conftest import FILES

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / MARKUP_FILE).write_bytes((FILES / MARKUP_FILE).read_bytes())
    if command == "run":
        argv = ["run", str(folder), "--no-pdf", "--out", str(tmp_path / "out"), "--jobs", "1"]
    else:
        argv = ["check", str(folder / MARKUP_FILE)]
    code, stdout, stderr = _cli(argv, capsys)
    assert code == 0, stderr[-2000:]
    assert "[/red][bold]x[/bold]" in stdout


def test_empty_folder_grades_nothing_and_writes_empty_outputs(tmp_path, hw4, capsys):
    empty = tmp_path / "HW4_empty"
    empty.mkdir()
    batch = grade_batch(empty, rubric=hw4, jobs=2)
    assert batch.results == () and batch.errors == () and batch.skipped == ()
    out = tmp_path / "out"
    code, stdout, stderr = _cli(["run", str(empty), "--rubric", str(HW4_RUBRIC), "--no-pdf", "--out", str(out)], capsys)
    assert code == 0, stderr
    assert list((out / "results").glob("*.json")) == [] if (out / "results").exists() else True
    assert (out / "grades.csv").read_text(encoding="utf-8").count("\n") == 1  # the header only
    assert json.loads((out / "errors.json").read_text(encoding="utf-8")) == {"unreadable": [], "skipped": []}


def test_unreadable_files_fail_fast(corpus_dir, manifest):
    """Each limit of the loader costs well under a second, however large or deep the file; a PDF
    at most its reading bound (pypdf parses a 10 MB string in ~2 s before our limit sees it)."""
    from grader.errors import SubmissionError
    from grader.readers.answer_file import load_submission
    from grader.readers.pdf_sheet import PDF_SECONDS

    for name, expected in manifest.items():
        if expected["outcome"] != "unreadable" or "�" in name:
            continue
        with cpu_bounded(PDF_SECONDS + 1.0 if name.endswith(".pdf") else 3.0, name), pytest.raises(SubmissionError):
            load_submission(corpus_dir / name, prefix="HW4_T_")


def test_the_ten_million_entry_tensor_is_refused_quickly(hw4):
    """The kind's element limit on raw lists, before any per-entry work (the file path: manifest)."""
    from grader.errors import LimitExceeded
    from grader.kinds import get_kind
    from tests.adversarial.conftest import tensor_text

    kind = get_kind("tensor")
    item = hw4.item("q3.a.dL_dP1")
    row = [0.0] * 1000
    raw = [[row] * 100 for _ in range(100)]  # 10^7 entries, as YAML lists would give them
    with cpu_bounded(3.0, "a 10^7-entry list"), pytest.raises(LimitExceeded, match="element count"):
        kind.parse(raw, item)
    text = tensor_text(10_000_000)
    with cpu_bounded(3.0, "a 10^7-entry text"), pytest.raises(LimitExceeded, match="text length"):
        kind.parse(text, item)


def test_html_reaches_the_report_as_text_and_loads_nothing(tmp_path, hw4, hw4_keys):
    """Escaping is the report's job: the markup is printed, no file is read or attached."""
    pytest.importorskip("weasyprint")
    pypdf = pytest.importorskip("pypdf")
    from grader.grading.batch import grade_file
    from grader.outputs import report
    from tests.adversarial.conftest import FILES

    source = tmp_path / "HW4_T_adv_html.yaml"
    source.write_bytes((FILES / source.name).read_bytes())
    result = grade_file(source, rubric=hw4, keys=hw4_keys)
    pdf = tmp_path / "adv_html.pdf"
    report.render_student_report(result, hw4, pdf)
    reader = pypdf.PdfReader(str(pdf))
    text = "".join(page.extract_text() for page in reader.pages)

    def flat(value: str) -> str:  # pypdf mirrors brackets next to the Persian titles: ignore them
        return " ".join(value.translate({ord("("): None, ord(")"): None}).split())

    for fragment in ['<img src="file:///etc/passwd">', "</td><script>alert('x')</script>", "@import url(file:///etc/passwd)", "<b>Mallory</b><script>alert(1)</script>"]:
        assert flat(fragment) in flat(text), fragment
    assert "root:x:0:0" not in text  # /etc/passwd was not fetched into the page
    _nothing_attached(reader)

    # the class summary lists unreadable files by name and message: markup there is text too
    name = 'HW4_T_<img src="file:///etc/passwd">.yaml'
    summary = tmp_path / "summary.pdf"
    report.render_summary([result], hw4, summary, unreadable=[(name, f"{name}: bad </td><script>x</script>")])
    reader = pypdf.PdfReader(str(summary))
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    assert "".join(f"{name}: bad </td><script>x</script>".split()) in text
    _nothing_attached(reader)


def _nothing_attached(reader) -> None:  # type: ignore[no-untyped-def]
    root = reader.trailer["/Root"]
    assert "/EmbeddedFiles" not in root.get("/Names", {}), "a file was attached to the PDF"
    for page in reader.pages:
        for annot in page.get("/Annots", []) or []:
            assert annot.get_object().get("/Subtype") != "/FileAttachment"


HOSTILE_IDS = ["../../evil", "a/b", "..", "x" * 300, "a\x00b", "[/red]", "/etc/passwd"]


def test_hostile_ids_in_a_sheet_a_manifest_and_a_roster_never_reach_a_path(tmp_path, capsys):
    """Ids also arrive in the TA's sheet, the submission-time manifest and the roster: none of
    them may name a file; the only files written are under the output folder."""
    import csv
    import io
    import shutil

    from tests.adversarial.conftest import FILES

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FILES / "HW4_T_401234567.yaml", folder)
    out = tmp_path / "out"
    sheet = tmp_path / "sheet.csv"
    roster = tmp_path / "roster.txt"
    roster.write_text("\n".join(["401234567", *HOSTILE_IDS[:-3]]) + "\n", encoding="utf-8")
    code, _, err = _cli(["run", str(folder), "--no-pdf", "--out", str(out), "--jobs", "1"], capsys)
    assert code == 0, err
    assert _cli(["manual", "export", "--out", str(out), "-o", str(sheet)], capsys)[0] == 0
    before = tree(tmp_path)

    rows = list(csv.DictReader(io.StringIO(sheet.read_text(encoding="utf-8-sig"))))
    evil = [{**rows[0], "student_id": sid, "score": "1"} for sid in HOSTILE_IDS]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows + evil)
    bad_sheet = tmp_path / "sheet-evil.csv"
    bad_sheet.write_text(buffer.getvalue(), encoding="utf-8-sig")
    code, stdout, stderr = _cli(["manual", "import", str(bad_sheet), "--out", str(out)], capsys)
    assert code == 2 and "unknown student '../../evil'" in stderr and "nothing was imported" in stderr
    manifest = folder / "manifest.csv"
    manifest.write_text("student_id,part,submitted_at\n" + "".join(f"{sid},theory,1403-09-10 12:00\n" for sid in ["401234567", *HOSTILE_IDS[:3]]), encoding="utf-8")
    code, stdout, stderr = _cli(["run", str(folder), "--no-pdf", "--out", str(out), "--jobs", "1", "--roster", str(roster)], capsys)
    assert code == 0, stderr
    assert TRACEBACK not in stdout + stderr
    after = tree(tmp_path)
    new = {p for p in after - before if not p.startswith("out")}
    assert new == {"sheet-evil.csv", "in/manifest.csv"}, sorted(new)  # the two files this test wrote
    assert {p.name for p in (out / "results").iterdir()} == {"401234567.json"}
    assert not Path("/tmp/evil").exists() and not (tmp_path.parent / "evil").exists()
