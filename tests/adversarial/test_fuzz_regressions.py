"""Every crash the fuzz target (tests/fuzz/fuzz_answers.py) or the property tests found, minimized.

A parser must give a value or raise `AnswerError`; the loader must give a Submission or raise
`SubmissionError`. Each case was a crash (StopIteration in the lexer on '0 422', int()'s digit limit on a
5,000-digit literal inside a list, ZeroDivisionError on a divisor that underflows to 0.0); all are
fixed and stay here so they stay fixed.
"""

from __future__ import annotations

import pytest

from grader.errors import AnswerError, SubmissionError
from grader.grading.item import match_rules
from grader.kinds import get_kind
from grader.readers.answer_file import parse_document
from tests.conftest import HW4_RUBRIC

# (item id, raw answer as the YAML loader gives it)
PARSER_CASES = [
    pytest.param("q6.c.sigmoid_max_grad", "0 422", id="number-0_422"),
    pytest.param("q4.b.ops_plain", "0 422", id="integer-0_422"),
    pytest.param("q1.a.fc_units", "0 422", id="expression-0_422"),
    pytest.param("q1.a.fc_units", "00 422", id="expression-00_422"),  # found by test_properties
    pytest.param("q1.a.fc_units", ",0 422", id="expression-comma-0_422"),
    pytest.param("q1.a.fc_units", "10 4220 422", id="expression-10_4220_422"),
    pytest.param("q1.c.unet_bottleneck", ["0 030"], id="shape-list-0_030"),
    pytest.param("q5.b.kronecker_A", "9" * 5000, id="matrix-5000-digits"),
    pytest.param("q2.dL_dW", "[" + "9" * 5000 + ", 0, 0]", id="tensor-5000-digits"),
    pytest.param("q5.a.output_size", "[" + "1" * 5000 + ", N]", id="expressions-5000-digits"),
    pytest.param("q1.c.unet_bottleneck", "1" * 5000, id="shape-5000-digits"),
    pytest.param("q1.a.conv_units", "√2/1e-999", id="expression-underflow"),
    pytest.param("q6.b.kaiming_std", "sqrt(2)/1e-999", id="number-underflow"),
    # found and fixed elsewhere; kept so they stay fixed
    pytest.param("q1.c.unet_conv2_params", "9" * 5000, id="integer-5000-digits"),
    pytest.param("q6.b.kaiming_std", "0.0" + "0" * 5000 + "1", id="number-5000-digit-fraction"),
    pytest.param("q3.a.dL_dP1", [[[0.0] * 1000] * 100] * 100, id="tensor-1e7-raw"),
]


@pytest.fixture(scope="module")
def rubric_and_keys():
    from grader.keys.keybook import KeyBook
    from grader.rubric import load_rubric

    rubric = load_rubric(HW4_RUBRIC)
    keys = KeyBook(rubric)
    keys.warm()
    return rubric, keys


@pytest.mark.parametrize(("item_id", "raw"), PARSER_CASES)
def test_parser_gives_a_value_or_an_answer_error(rubric_and_keys, item_id, raw):
    rubric, keys = rubric_and_keys
    item = rubric.item(item_id)
    kind = get_kind(item.kind)
    try:
        parsed = kind.parse(raw, item)
        read_as = kind.show(parsed, item)
        match_rules(item, parsed, read_as, keys=keys, student_id="401234567")
    except AnswerError as exc:
        assert exc.describe()


# Loader inputs that raised bare ValueError/KeyError/TypeError before grader/readers/answer_file.py was
# made total (commit "submission: make loading total on hostile files"); (name, text, outcome).
LOADER_CASES = [
    ("a.yaml", "answers: {x: " + "9" * 5000 + "}\n", "ok"),
    ("a.json", '{"answers": {"x": ' + "9" * 5000 + "}}", "ok"),
    ("a.yaml", "answers: {x: 0x" + "f" * 5000 + "}\n", "ok"),
    ("a.yaml", "answers: {x: 1" + ":59" * 3000 + "}\n", "ok"),
    ("a.yaml", "student_id: " + "9" * 5000 + "\nanswers: {}\n", "ok"),
    ("a.yaml", "answers: {x: !!timestamp 2001-13-45}\n", "ok"),
    ("a.yaml", "answers: {x: 2001-02-30}\n", "ok"),
    ("a.yaml", "answers: {x: !!timestamp 2001-12-14t21:59:43.10+99:99}\n", "ok"),
    ("a.yaml", "answers: {x: !!int abc}\n", "cannot read the value 'abc'"),
    ("a.yaml", "answers: {x: !!bool maybe}\n", "cannot read the value 'maybe'"),
    ("a.yaml", "answers: {x: !!float zz}\n", "cannot read the value 'zz'"),
    ("a.json", '{"answers": {"x": ' + "[" * 45 + "]" * 45 + "}}", "nested deeper than 40 levels"),
    ("a.json", '{"answers": {"x": "\\ud800", "\\udc00k": 1}}', "ok"),
]


@pytest.mark.parametrize(("name", "text", "outcome"), LOADER_CASES)
def test_loader_gives_data_or_a_submission_error(name, text, outcome):
    if outcome == "ok":
        document = parse_document(text, name)
        assert isinstance(document, dict)
        assert "\ud800" not in str(document) and "\udc00" not in str(document)
    else:
        with pytest.raises(SubmissionError, match=outcome.replace("(", r"\(")):
            parse_document(text, name)
