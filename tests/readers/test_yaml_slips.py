"""YAML slips in answer files: the item is named with what to do, the self-check reads the rest,
and the silent surprises (duplicate keys, another student's instances, ۰/۲۵) are warnings."""

from __future__ import annotations

import pytest
import yaml

from grader.cli import main
from grader.errors import SubmissionError
from grader.readers.answer_file import load_submission, parse_document
from grader.readers.yaml_slips import persian_slash_warnings
from grader.student.template import render_template

HEAD = 'student_id: "401234567"\nanswers:\n  q1.a.fc_units: W H J\n'

SLIPS = [
    # the bad line, what the message must say
    ("  q6.a.bound: {0.9}^{100}\n", ["line 4: q6.a.bound:", "put the answer in quotes: q6.a.bound: \"{0.9}^{100}\""]),
    ("  q3.a.dL_dP3: [[-1.  0.]\n", ["line 4", "q3.a.dL_dP3:", "start of a list", "put the answer in quotes: q3.a.dL_dP3: \"[[-1.  0.]\""]),
    ("  q4.b.reduction_percent: %89.67\n", ["q4.b.reduction_percent:", "put the answer in quotes: q4.b.reduction_percent: \"%89.67\""]),
    ("\tq1.a.conv_units: W H J\n", ["q1.a.conv_units:", "tab", "replace the tab with spaces"]),
    ("  q6.a.bound: `0.9^100`\n", ["q6.a.bound:", "put the answer in quotes"]),
    ("  q6.a.why: it is: small\n", ["q6.a.why:", "a ':' inside the answer", "put the answer in quotes: q6.a.why: \"it is: small\""]),
    ("  q6.a.bound: \\frac{1}{2}: x\n", ["put the answer in quotes: q6.a.bound: '\\frac{1}{2}: x'"]),  # LaTeX: single quotes
    # free text begun on the `|` line: quoting would keep the `|` in the answer
    ("  q1.a.data_efficiency: | Not necessarily\n", ["q1.a.data_efficiency:", "text on the same line after a quoted answer or a '|'", "write the text on the lines after `q1.a.data_efficiency: |`"]),
]


@pytest.mark.parametrize(("line", "expected"), SLIPS)
def test_a_yaml_slip_names_the_item_and_the_fix(line, expected):
    text = HEAD + line + "  q6.b.x: 3\n"
    with pytest.raises(SubmissionError) as info:
        parse_document(text, "HW4_T_401234567.yaml")
    message = str(info.value)
    assert message.startswith("HW4_T_401234567.yaml: not valid YAML: ")
    for part in expected:
        assert part in message, message
    fix = message.split("put the answer in quotes: ", 1)
    if len(fix) == 2:  # the suggested line is valid YAML and reads as the answer
        key, value = fix[1].split(": ", 1)
        assert yaml.safe_load(fix[1]) == {key: yaml.safe_load(value)}


def test_an_alias_says_to_quote():
    with pytest.raises(SubmissionError, match=r"line 4: YAML aliases \(\*W\) are not allowed in answer files; an answer that starts with \* goes in quotes"):
        parse_document(HEAD + "  q1.a.fc_weights: *W H\n", "f.yaml")


def test_a_broken_frame_is_described_without_a_quoting_hint():
    for text in ("answers: [\n", "answers: [\n  q1.a.fc_units: W\n"):
        with pytest.raises(SubmissionError, match=r"^f.yaml: not valid YAML: line \d+, column \d+: ") as info:
            parse_document(text, "f.yaml")
        assert "quotes" not in str(info.value)


BROKEN = (
    'student_id: "401234567"\n'
    "answers:\n"
    "  q1.a.fc_units: W H J\n"
    "  q6.a.bound: {0.9}^{100}\n"
    "  q3.a.dL_dP3: [[-1.  0.]\n"
    "  q4.b.reduction_percent: 89.67%\n"
    "\tq1.a.conv_units: W H J\n"
    "  q1.a.fc_weights: W^2 H^2 I J\n"
)


def test_check_reads_the_rest_of_a_file_with_local_damage(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "400")  # one line per message
    (tmp_path / "HW4_T_401234567.yaml").write_text(BROKEN, encoding="utf-8")
    assert main(["check", "HW4_T_401234567.yaml"]) == 0
    out = capsys.readouterr().out.replace("\n    ", " ").replace("\n", " ")
    assert "q1.a.fc_units (0.5 pts): correct" in out and "q1.a.fc_weights (1 pt): correct" in out
    assert "q4.b.reduction_percent (2 pts): read OK" in out
    assert "q6.a.bound (4 pts, bonus): invalid" in out and 'put the answer in quotes: q6.a.bound: "{0.9}^{100}"' in out
    assert "q3.a.dL_dP3 (2 pts): invalid" in out and "q1.a.conv_units (0.5 pts): invalid" in out
    assert "the grader cannot read this file at all" in out
    # the grader still refuses the file, naming the first item
    with pytest.raises(SubmissionError, match="q6.a.bound: .*put the answer in quotes"):
        load_submission(tmp_path / "HW4_T_401234567.yaml", prefix="HW4_T_")


def test_damage_the_reader_cannot_place_is_still_an_error(tmp_path):
    path = tmp_path / "HW4_T_1.yaml"
    path.write_text("answers: [\n", encoding="utf-8")
    with pytest.raises(SubmissionError, match="not valid YAML"):
        load_submission(path, prefix="HW4_T_", recover=True)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_duplicate_key_is_a_warning(tmp_path, suffix):
    path = tmp_path / f"HW4_T_1{suffix}"
    if suffix == ".json":
        path.write_text('{"student_id": "1", "answers": {"q1.a.fc_units": "W H I", "q1.a.fc_units": "W H J"}}', encoding="utf-8")
    else:
        path.write_text('student_id: "1"\nanswers:\n  q1.a.fc_units: W H I\n  q1.a.fc_units: W H J\n', encoding="utf-8")
    submission = load_submission(path, prefix="HW4_T_")
    assert submission.answers["q1.a.fc_units"] == "W H J"
    assert any("q1.a.fc_units is given more than once" in w and "the last one is used" in w for w in submission.warnings)
    if suffix == ".yaml":
        assert any("again at line 4" in w for w in submission.warnings)


@pytest.mark.parametrize(
    ("answer", "warned"),
    [
        ("۰/۲۵", "۰/۲۵ was read as 0/25, a division (= 0); if you meant the decimal 0.25, write ۰٫۲۵ or 0.25"),
        ("۱۲/۵", "= 2.4); if you meant the decimal 12.5, write ۱۲٫۵ or 12.5"),
        ("۳/۰", "a division (= undefined (division by zero))"),
        ("۰٫۲۵", None),
        ("3/4", None),  # ASCII digits: a fraction, as written
        ("۱۲۸۰۴۹۱۵۲", None),
    ],
)
def test_a_slash_between_persian_digits_is_a_warning(answer, warned):
    warnings = persian_slash_warnings({"q4.b.ops_plain": answer})
    if warned is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and warnings[0].startswith("q4.b.ops_plain: ") and warned in warnings[0]


def test_a_template_made_for_another_id_is_a_warning(tmp_path, capsys, monkeypatch, hw4):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "400")  # one line per message
    other = render_template(hw4, "401234568").replace('student_id: "401234568"', 'student_id: "401234567"')
    (tmp_path / "HW4_T_401234567.yaml").write_text(other, encoding="utf-8")
    assert main(["check", "HW4_T_401234567.yaml"]) == 0
    out = capsys.readouterr().out.replace("\n", " ")
    assert "the instances block in this file is not the one of student 401234567" in out
    (tmp_path / "HW4_T_401234567.yaml").write_text(render_template(hw4, "401234567"), encoding="utf-8")
    assert main(["check", "HW4_T_401234567.yaml"]) == 0
    assert "instances block" not in capsys.readouterr().out


def test_the_template_quotes_every_answer_slot(hw4):
    text = render_template(hw4, "401234567")
    slots = [line for line in text.split("\nanswers:\n", 1)[1].splitlines() if line.startswith("  q") and ":" in line]
    assert len(slots) == len(hw4.items)
    for item, line in zip(hw4.items, slots, strict=True):
        assert line == f"  {item.id}: " + ("|" if item.manual else "''")
    filled = text.replace("  q6.a.bound: ''", "  q6.a.bound: '{0.9}^{100}'").replace("  q3.a.dL_dP3: ''", "  q3.a.dL_dP3: '[[-1.  0.]'")
    filled = filled.replace("  q4.b.reduction_percent: ''", "  q4.b.reduction_percent: '%89.67'")
    data = parse_document(filled, "HW4_T_401234567.yaml")
    assert data["answers"]["q6.a.bound"] == "{0.9}^{100}" and data["answers"]["q4.b.reduction_percent"] == "%89.67"
    assert data["answers"]["q1.a.fc_units"] == ""

