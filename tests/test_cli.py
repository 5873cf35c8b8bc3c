"""The CLI end to end on temporary folders: the main job, the self-check, templates, exit codes."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import yaml

from grader.cli import main
from tests.conftest import HW4_RUBRIC, SUBMISSIONS

PERFECT, TYPICAL, BROKEN = "401234567", "401234568", "401234569"
SHEET = "401234570"  # the filled PDF answer sheet (tests/sheet/make_sample.py)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("subs")
    for path in SUBMISSIONS.iterdir():
        shutil.copy(path, folder / path.name)
    out = tmp_path_factory.mktemp("out")
    code = main([str(folder), "--out", str(out), "--no-pdf", "--jobs", "1"])
    return code, folder, out


def _result(out: Path, sid: str) -> dict:
    return json.loads((out / "results" / f"{sid}.json").read_text(encoding="utf-8"))


def test_main_job_grades_the_samples(graded):
    code, _, out = graded
    assert code == 0
    perfect = _result(out, PERFECT)
    assert perfect["totals"]["auto"] == 52 and perfect["totals"]["bonus"] == 4
    assert all(v["status"] in ("correct", "pending") for v in perfect["items"].values())
    assert {v["status"] for k, v in perfect["items"].items() if v["manual"]} == {"pending"}
    assert perfect["totals"]["pending_manual"] == 54  # 48 regular + 6 bonus manual points


@pytest.mark.parametrize(
    ("item_id", "status", "points", "feedback"),
    [
        ("q1.a.fc_units", "wrong", 0, "official key's table prints WHI"),
        ("q1.c.unet_conv2_params", "partial", 1, "counts the weights only"),
        ("q2.dL_dW", "wrong", 0, "drops the i = 0 term"),
        ("q3.c.dL_dW2", "wrong", 0, "lacks the factor 2"),
        ("q4.a.densenet_channels", "partial", 1, "what layer 3 receives"),
        ("q4.b.reduction_percent", "partial", 1, "rounded figure"),
        ("q4.b.inception_ops", "correct", 2, "max-pool"),
        ("q5.b.kronecker_A", "wrong", 0, "nearest-neighbour"),
        ("q5.c.receptive_field_side", "wrong", 0, "differs from the key"),
        ("q6.b.kaiming_std", "correct", 3, "variance"),
        ("q6.c.sigmoid_max_grad", "wrong", 0, "expected 0.25"),
        ("q1.a.conv_units", "correct", 0.5, ""),
    ],
)
def test_typical_sample_gets_what_its_mistakes_deserve(graded, item_id, status, points, feedback):
    item = _result(graded[2], TYPICAL)["items"][item_id]
    assert (item["status"], item["points"]) == (status, points)
    assert feedback in item["feedback"]


@pytest.mark.parametrize(
    ("item_id", "fragment"),
    [
        ("q1.a.fc_units", "the answer ends after '*'"),
        ("q1.a.fc_weights", "unknown name 'Q'; the variables are W, H, I, J, K"),
        ("q1.b.conv_bias_removal", "'maybe' is not an option"),
        ("q1.c.unet_conv2_params", "groups of three digits"),
        ("q4.b.ops_plain", "'1,5' is not a number"),
        ("q5.a.output_size", "unbalanced '('"),
        ("q6.a.bound", "exponent"),
        ("q3.a.dL_dP3", "ragged"),
    ],
)
def test_format_errors_are_invalid_with_position(graded, item_id, fragment):
    item = _result(graded[2], BROKEN)["items"][item_id]
    assert item["status"] == "invalid" and item["points"] == 0
    assert fragment in item["feedback"] and "^" in item["feedback"]


def test_outputs_and_their_shape(graded):
    _, folder, out = graded
    rows = list(csv.DictReader((out / "grades.csv").open(encoding="utf-8")))
    assert [r["student_id"] for r in rows] == [PERFECT, TYPICAL, BROKEN, SHEET]
    assert rows[0]["q1.c.unet_conv2_params"] == "2" and rows[0]["q2.derivation"] == "pending"
    errors = json.loads((out / "errors.json").read_text(encoding="utf-8"))
    assert errors["unreadable"] == []
    broken = _result(out, BROKEN)
    assert broken["late_days"] == 2  # the manifest puts it 1 d 10 h after the deadline
    for result in (_result(out, sid) for sid in (PERFECT, TYPICAL, BROKEN, SHEET)):
        assert result["schema"] == "hwgrader.result/1"
        assert set(result["items"]) == set(yaml.safe_load(HW4_RUBRIC.read_text(encoding="utf-8"))["items"][i]["id"] for i in range(50))
        for item in result["items"].values():
            assert {"status", "points", "max_points", "read_as", "feedback"} <= set(item)


def test_one_bad_file_never_stops_the_batch(tmp_path):
    shutil.copy(SUBMISSIONS / f"HW4_T_{PERFECT}.yaml", tmp_path)
    (tmp_path / "HW4_T_1.yaml").write_bytes(b"\x00\x01binary")
    (tmp_path / "HW4_T_2.yaml").write_text("answers: [", encoding="utf-8")
    (tmp_path / "HW4_T_3.yaml").write_text('student_id: "4"\nanswers: {q4.b.ops_plain: "120,422,400"}\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main([str(tmp_path), "--out", str(out), "--no-pdf"]) == 0
    errors = json.loads((out / "errors.json").read_text(encoding="utf-8"))
    assert {e["file"] for e in errors["unreadable"]} == {"HW4_T_1.yaml", "HW4_T_2.yaml"}
    mismatched = _result(out, "3")
    assert mismatched["items"]["q4.b.ops_plain"]["status"] == "correct"
    assert any("file name says '3'" in w for w in mismatched["warnings"])


def test_check_reads_back_without_revealing(capsys):
    assert main(["check", str(SUBMISSIONS / f"HW4_T_{TYPICAL}.yaml")]) == 0
    out = capsys.readouterr().out
    assert "q1.a.fc_units (0.5 pts): wrong" in out and "read as: W·H·I" in out
    assert "q1.a.fc_weights (1 pt): correct" in out
    assert "q1.c.unet_conv2_params (2 pts): read OK" in out and "read as: 73728" in out
    assert "73856" not in out and "counts the weights only" not in out  # neither the key nor the feedback
    assert "Correctness is shown for 7 of 29" in out


def test_check_points_at_format_errors(capsys):
    assert main(["check", str(SUBMISSIONS / f"HW4_T_{BROKEN}.yaml")]) == 0
    out = capsys.readouterr().out
    assert "unbalanced '(': no matching ')'\n    (M-DF+D\n    ^" in out
    assert "q2.dL_dW (3 pts): wrong" in out and "expected shape 3, got 2" in out  # as the grader says


def test_check_of_an_unreadable_file_is_an_error(tmp_path, capsys):
    path = tmp_path / "HW4_T_5.yaml"
    path.write_text("answers: [", encoding="utf-8")
    assert main(["check", str(path)]) == 2
    assert "not valid YAML: line 2, column 1" in capsys.readouterr().err


def test_template_round_trip(tmp_path, hw4, hw4_keys):
    from grader.grading.item import grade_answers
    from grader.keys.prove import answer_text

    path = tmp_path / "HW4_T_401234567.yaml"
    assert main(["template", "--student", "401234567", "-o", str(path), "--rubric", str(HW4_RUBRIC)]) == 0
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["student_id"] == "401234567"
    assert list(data["answers"]) == hw4.item_ids
    assert all(v in (None, "") for v in data["answers"].values())
    registry = hw4.registry()
    assert data["instances"]["q2"] == registry.instances["q2"]("401234567")
    assert data["instances"]["q3"] == registry.instances["q3"]("401234567")
    assert "تعداد واحدهای خروجی، لایه‌ی تمام‌متصل" in text and "q3.a.dL_dP1" in text
    # fill it with the key and grade it: a template is a valid answer file
    answers = {i.id: answer_text(i, hw4_keys.expected(i, 0, "401234567")) for i in hw4.auto_items}
    results = grade_answers(answers, rubric=hw4, keys=hw4_keys, student_id="401234567")
    assert all(r.status.value in ("correct", "missing") for r in results)
    assert main(["template", "--student", "401234567", "-o", str(path), "--rubric", str(HW4_RUBRIC)]) == 2


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["/no/such/folder"], 2, "no such folder"),
        (["template", "--student", "../etc"], 2, "expected 1-64 letters"),
        (["check", "/no/such/file.yaml"], 2, "does not exist"),
    ],
)
def test_exit_codes(argv, code, message, capsys):
    assert main(argv) == code
    assert message in capsys.readouterr().err


def test_broken_rubric_is_a_one_line_author_error(tmp_path, capsys):
    rubric = yaml.safe_load(HW4_RUBRIC.read_text(encoding="utf-8"))
    rubric["items"][0]["key"] = {"ref": "q1.no_such"}
    path = tmp_path / "hw4.yaml"
    path.write_text(yaml.safe_dump(rubric, allow_unicode=True), encoding="utf-8")
    shutil.copy(HW4_RUBRIC.parent / "course.yaml", tmp_path / "course.yaml")
    (tmp_path / "subs").mkdir()
    assert main([str(tmp_path / "subs"), "--rubric", str(path), "--out", str(tmp_path / "o")]) == 3
    err = capsys.readouterr().err
    assert err.startswith("grade: error: ") and "q1.no_such" in err and "Traceback" not in err


def test_validate_passes_for_hw4(capsys):
    assert main(["validate", str(HW4_RUBRIC)]) == 0
    assert "checks passed" in capsys.readouterr().out


def test_key_markdown_lists_every_auto_item(hw4, capsys):
    assert main(["key", "--rubric", str(HW4_RUBRIC), "--markdown"]) == 0
    out = capsys.readouterr().out
    for item in hw4.auto_items:
        assert f"`{item.id}`" in out
    assert "[official key]" in out and "73856" in out


@pytest.mark.parametrize("roster_text", ["401234567\n# a comment\n401234568\n", "student_id,name\n401234567,Sara\n401234568,Reza\n"])
def test_roster_refuses_unknown_ids(tmp_path, roster_text):
    for sid in (PERFECT, TYPICAL, BROKEN):
        shutil.copy(SUBMISSIONS / f"HW4_T_{sid}.yaml", tmp_path)
    roster = tmp_path / "roster.txt"
    roster.write_text(roster_text, encoding="utf-8")
    out = tmp_path / "out"
    assert main([str(tmp_path), "--out", str(out), "--no-pdf", "--roster", str(roster)]) == 0
    assert sorted(p.stem for p in (out / "results").iterdir()) == [PERFECT, TYPICAL]
    errors = json.loads((out / "errors.json").read_text(encoding="utf-8"))
    assert [e["file"] for e in errors["unreadable"]] == [f"HW4_T_{BROKEN}.yaml"]
    assert "not in the roster" in errors["unreadable"][0]["error"]


def test_a_course_folder_s_own_rubric_is_the_one_not_also_the_checkout_s(tmp_path, monkeypatch, capsys):
    """docs/policy.md's layout: the TA runs grade from a folder holding rubrics/hw4.yaml. The
    one-homework commands take that rubric (it shadows the checkout's hw4), not "found 2"."""
    (tmp_path / "rubrics").mkdir()
    for name in ("hw4.yaml", "course.yaml"):
        shutil.copy(HW4_RUBRIC.parent / name, tmp_path / "rubrics" / name)
    with (tmp_path / "rubrics" / "hw4.yaml").open("a", encoding="utf-8") as f:
        f.write("\n# the course's own copy\n")
    monkeypatch.chdir(tmp_path)
    from grader.cli.common import all_rubric_paths, the_rubric

    assert [p.resolve() for p in all_rubric_paths()] == [(tmp_path / "rubrics" / "hw4.yaml").resolve()]
    assert the_rubric(None).resolve() == (tmp_path / "rubrics" / "hw4.yaml").resolve()
    assert main(["template", "--student", "401234567"]) == 0
    assert (tmp_path / "HW4_T_401234567.yaml").is_file()


@pytest.mark.parametrize(("name", "code", "message"), [
    ("c.pdf", 2, "c.pdf: this is the answer sheet HW4_T_401234570.pdf (its name is recorded inside it), and the course requires that name: "
                 "rename the file to HW4_T_401234570.pdf, then grade check HW4_T_401234570.pdf"),
    ("notes.pdf", 3, "no rubric matches these files"),  # a PDF that is no sheet: nothing to suggest
])
def test_check_of_a_renamed_sheet_says_its_name(tmp_path, monkeypatch, capsys, name, code, message):
    source = SUBMISSIONS / "HW4_T_401234570.pdf" if name == "c.pdf" else None
    (tmp_path / name).write_bytes(source.read_bytes() if source else b"%PDF-1.4\n%%EOF\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", name]) == code
    assert message in capsys.readouterr().err
