"""Answer files as untrusted input: every broken file gives a SubmissionError naming it."""

from __future__ import annotations

import codecs
import time
from pathlib import Path

import pytest

from grader.errors import SubmissionError
from grader.readers.answer_file import find_answer_files, load_submission, student_id_from_name

PREFIX = "HW4_T_"
IDS = ["q1.a.fc_units", "q1.b.conv_bias_removal"]

GOOD = 'student_id: "401234567"\nanswers:\n  q1.a.fc_units: W*H*J\n'


def _write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "answers"),
    [
        ("HW4_T_401234567.yaml", GOOD, {"q1.a.fc_units": "W*H*J"}),
        ("HW4_T_401234567.yml", GOOD, {"q1.a.fc_units": "W*H*J"}),
        ("HW4_T_401234567.json", '{"student_id": "401234567", "answers": {"q1.a.fc_units": "W*H*J"}}', {"q1.a.fc_units": "W*H*J"}),
        ("HW4_T_401234567.yaml", codecs.BOM_UTF8 + GOOD.encode(), {"q1.a.fc_units": "W*H*J"}),
        ("HW4_T_401234567.yaml", codecs.BOM_UTF16_LE + GOOD.encode("utf-16-le"), {"q1.a.fc_units": "W*H*J"}),
        ("HW4_T_401234567.yaml", GOOD.replace("\n", "\r\n"), {"q1.a.fc_units": "W*H*J"}),
        ("HW4_T_401234567.yaml", "student_id: 401234567\nanswers:\n  q1.a.fc_units: 12\n", {"q1.a.fc_units": 12}),
    ],
)
def test_readable_files(tmp_path, name, data, answers):
    sub = load_submission(_write(tmp_path, name, data), prefix=PREFIX, item_ids=IDS)
    assert sub.student_id == "401234567"
    assert sub.answers == answers
    assert sub.warnings == ()
    assert len(sub.sha256) == 64


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "the file is empty"),
        (b"   \n\n", "the file is empty"),
        (b"\x00\x01\x02garbage\xff", "binary data"),
        (b"caf\xe9 not utf8 \xc3\x28", "not UTF-8 text"),
        (b"\xff\xfe\x00\xd8", "broken UTF-16"),
        ("answers: [unclosed", "not valid YAML: line"),
        ("- a\n- b\n", "expected a mapping with student_id and answers, got a list"),
        ("student_id: '401234567'\nanswers: [1, 2]\n", "answers: expected a mapping"),
        (BOMB, "YAML aliases"),
        ("a:" + " [" * 60 + " ]" * 60, "nested deeper than"),
    ],
)
def test_broken_files_are_submission_errors(tmp_path, data, fragment):
    path = _write(tmp_path, "HW4_T_401234567.yaml", data)
    with pytest.raises(SubmissionError) as info:
        load_submission(path, prefix=PREFIX, item_ids=IDS)
    assert fragment in str(info.value)
    assert "HW4_T_401234567.yaml" in str(info.value)


def test_yaml_bomb_is_rejected_fast(tmp_path):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        levels.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]")
    path = _write(tmp_path, "HW4_T_1.yaml", "\n".join(levels) + "\n")
    start = time.perf_counter()
    with pytest.raises(SubmissionError, match="aliases"):
        load_submission(path, prefix=PREFIX)
    assert time.perf_counter() - start < 1.0


def test_too_large_file(tmp_path):
    path = _write(tmp_path, "HW4_T_1.yaml", b"a: " + b"x" * 1_100_000)
    with pytest.raises(SubmissionError, match="file too large"):
        load_submission(path, prefix=PREFIX)


def test_json_nan_is_refused(tmp_path):
    path = _write(tmp_path, "HW4_T_1.json", '{"student_id": "1", "answers": {"a": NaN}}')
    with pytest.raises(SubmissionError, match="NaN is not a valid JSON value"):
        load_submission(path, prefix=PREFIX)


@pytest.mark.parametrize(
    ("data", "warning"),
    [
        ('student_id: "999"\nanswers: {}\n', "student_id in the file is '999' but the file name says '401234567'"),
        ("answers: {}\n", "the file has no student_id"),
        ('student_id: "401234567"\n', "no answers mapping"),
        ('student_id: "401234567"\nanswers:\n  q9.z: 1\n', "unknown item ids ignored: q9.z"),
        ('student_id: "401234567"\nextra: 1\nanswers: {}\n', "unknown top-level keys ignored: extra"),
        ('student_id: "401234567"\nq1.a.fc_units: 1\nextra: 1\n', "q1.a.fc_units: item ids at the top level were not read; put them under `answers:`"),
    ],
)
def test_warnings(tmp_path, data, warning):
    sub = load_submission(_write(tmp_path, "HW4_T_401234567.yaml", data), prefix=PREFIX, item_ids=IDS)
    assert sub.student_id == "401234567"
    assert any(warning in w for w in sub.warnings), sub.warnings


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("HW4_T_401234567.yaml", "401234567"),
        ("hw4_t_401234567.YAML", "401234567"),
        ("HW4_T_.yaml", ""),
        ("HW4_P1_401234567.yaml", None),
        ("HW4_T_401234567.pdf", "401234567"),  # the answer sheet (grader.student.sheet)
        ("HW4_T_401234567.docx", None),
    ],
)
def test_student_id_from_name(name, expected):
    assert student_id_from_name(Path(name), PREFIX) == expected


@pytest.mark.parametrize("bad_id", ["..", "a" * 65, "x y", "-lead", "a.b"])
def test_unsafe_ids_in_file_names_are_refused(tmp_path, bad_id):
    """The id is never used raw in a path: a name that is not a plain id is refused."""
    path = tmp_path / f"HW4_T_{bad_id}.yaml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(SubmissionError, match="student id in the file name"):
        load_submission(path, prefix=PREFIX)


@pytest.mark.parametrize("bad_id", ["", "a/b", "../x", "a\x00b", "a" * 300])
def test_valid_student_id_rejects_path_like_ids(bad_id):
    from grader.readers.answer_file import valid_student_id

    assert not valid_student_id(bad_id)


def test_find_answer_files(tmp_path):
    for name in ["HW4_T_1.yaml", "HW4_T_2.json", "notes.txt", "other.yaml", ".hidden.yaml"]:
        (tmp_path / name).write_text(GOOD, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    files, skipped = find_answer_files(tmp_path, PREFIX)
    assert [f.name for f in files] == ["HW4_T_1.yaml", "HW4_T_2.json"]
    assert [s[0] for s in skipped] == [".hidden.yaml", "notes.txt", "other.yaml", "sub"]  # every entry accounted for


def test_find_answer_files_missing_folder(tmp_path):
    with pytest.raises(SubmissionError, match="no such folder"):
        find_answer_files(tmp_path / "nope", PREFIX)


# --- the one-pass YAML reader against the full loader --------------------------------------------

_YAML_CASES = [
    GOOD,
    "student_id: 401234567\nanswers:\n  a: 12\n  b: -0\n  c: 0x1F\n  d: 0123\n  e: 1_000\n  f: 1:2\n  g: 1.5e3\n  h: .inf\n  i: .nan\n",
    "answers: {a: no, b: yes, c: true, d: False, e: null, f: ~, g: '', h: 2001-02-30, i: 12:30:00}\n",
    "answers:\n  m: [[1, 0], [0, 1]]\n  t:\n    - [1, 2]\n    - - 3\n      - 4\n  s: \"x\\u00e9\"\n  l: |\n    line\n  f: >-\n    folded\n",
    "answers: {q: 73,856, r: '73,856', s: \"\\\\frac{1}{2}\", t: W^2*H, u: [1 0; 0 1]}\n",
    "a: 1\na: 2\nb: {1: x, 1.0: y, true: z, null: w}\n",  # duplicate keys: the last wins
    "answers:\n  big: " + "9" * 1500 + "\n",  # an overlong integer stays text
    "x: &a 1\ny: 2\n",  # an anchor without an alias
    "x: !!str 12\ny: !!int '7'\n",  # explicit tags
    "base: {a: 1}\nmerged: {<<: {b: 2}, c: 3}\n",  # a merge key
    "? [complex, key]\n: v\n",
    "=: value key\n",
    "--- a\n--- b\n",  # two documents
    "---\n...\n",
    "# only a comment\n",
    "k: !!int abc\n",
    "k: !!binary aGk=\n",
    "k: !custom x\n",
    "k: *undefined\n",
    "a: &x 1\nb: &x 2\n",  # a duplicate anchor
    "answers: [unclosed",
    "a: [1, 2\nb: 3\n",
    "a:" + " [" * 40 + " ]" * 40,
    "a:" + " [" * 39 + " ]" * 39,
    "- " * 41 + "x\n",
    "[" + "1, " * 200_001 + "]",
    "\ta: 1\n",
]


def _full_loader_only(monkeypatch):
    from grader.readers import answer_file as submission

    monkeypatch.setattr(submission, "_load_plain_yaml", lambda text, name, duplicates=None: submission._UNUSUAL)


def _outcome(text):
    from grader.readers.answer_file import parse_document

    try:
        return ("ok", repr(parse_document(text, "f.yaml")))  # repr: types, key order, nan, -0.0
    except SubmissionError as exc:
        return ("error", str(exc))


def _random_documents(count):
    import random

    import yaml

    rnd = random.Random(4)
    chars = "ab:-#{}[],&*!|>'\"%@ \t\n\\01.e+xé٫۱٪×√^_~=<?"
    words = ["0x1F", "0123", "1_000", "1:2", "no", "on", "Null", "~", "2001-01-01", "1e3", ".5", "+1", "-0", "<<", "=", "W^2*H", "[1 0; 0 1]", "73,856", "x: y", "- z"]

    def scalar():
        pick = rnd.randint(0, 5)
        if pick == 0:
            return rnd.randint(-(10**6), 10**6)
        if pick == 1:
            return rnd.choice([0.5, -1e300, float("inf"), 1e-7, 3.0, True, False, None])
        if pick == 2:
            return "".join(rnd.choice(chars) for _ in range(rnd.randint(0, 10)))
        return rnd.choice(words)

    def value(depth=0):
        pick = rnd.randint(0, 4 if depth < 4 else 1)
        if pick <= 1:
            return scalar()
        if pick == 2:
            return [value(depth + 1) for _ in range(rnd.randint(0, 4))]
        return {scalar(): value(depth + 1) for _ in range(rnd.randint(0, 4))}

    docs = []
    for _ in range(count):
        data = {"student_id": scalar(), "answers": value()}
        docs.append(yaml.dump(data, default_flow_style=rnd.choice([None, True, False]), allow_unicode=rnd.random() < 0.5, sort_keys=False))
        docs.append("answers:\n" + "".join(f"  q{i}: {scalar()}\n" for i in range(rnd.randint(1, 6))))
    return docs


@pytest.mark.parametrize("text", _YAML_CASES + _random_documents(150))
def test_one_pass_yaml_reads_what_the_full_loader_reads(text, monkeypatch):
    fast = _outcome(text)
    _full_loader_only(monkeypatch)
    assert fast == _outcome(text)


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("HW4_T_401234567 (1).yaml", "; rename it to HW4_T_401234567.yaml"),
        ("HW4_T_401234567 (2) (1).pdf", "; rename it to HW4_T_401234567.pdf"),
        ("HW4_T_401234567 - Copy.yaml", "; rename it to HW4_T_401234567.yaml"),
        ("HW4_T_40 12 34.yaml", ""),  # no safe guess: no rename suggested
    ],
)
def test_a_second_download_s_name_says_the_name_to_use(tmp_path, name, hint):
    path = tmp_path / name
    path.write_text('answers:\n  q1.a.fc_units: "5"\n', encoding="utf-8")
    with pytest.raises(SubmissionError) as info:
        load_submission(path, prefix="HW4_T_")
    assert str(info.value) == f"{name}: the student id in the file name must be 1-64 letters, digits, '-' or '_'{hint}"
