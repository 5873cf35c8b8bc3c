"""The README's promises: its answer-forms table is read exactly as it says, and its first
command names the bundled samples."""

from __future__ import annotations

import re

import pytest

from grader.kinds import get_kind
from grader.rubric import Item
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")

ITEMS = {
    "integer": "q1.c.unet_conv2_params",
    "number": "q6.b.kaiming_std",
    "number, `percent: true`": "q4.b.reduction_percent",
    "expressions": "q5.a.output_size",
    "shape": "q1.c.unet_bottleneck",
    "matrix / tensor": "q5.b.kronecker_A",
    "choice": "q1.b.conv_bias_removal",
}


def _table_rows():
    section = README.split("## How answers may be written", 1)[1].split("\n\n", 2)[2]
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith("| kind") or line.startswith("|---"):
            if rows_started(line):
                break
            continue
        kind, forms, read_as = [c.strip() for c in line.strip("|").split(" | ")]
        yield kind, re.findall(r"`([^`]+)`", forms), re.findall(r"`([^`]+)`", read_as)


def rows_started(line: str) -> bool:
    return not line.strip()


ROWS = list(_table_rows())


def _item(hw4, kind: str) -> Item:
    if kind == "expression":
        return Item(id="q1.readme", title="t", kind="expression", points=1, variables=["W", "H", "I", "J", "K", "w", "d"])
    return hw4.item(ITEMS[kind])


def test_the_table_is_there():
    assert {kind for kind, _, _ in ROWS} == set(ITEMS) | {"expression"}
    assert sum(len(forms) for _, forms, _ in ROWS) >= 40


@pytest.mark.parametrize(("kind", "form", "read_as"), [(k, f, r) for k, forms, r in ROWS for f in forms])
def test_every_form_in_the_readme_is_read_as_stated(hw4, kind, form, read_as):
    item = _item(hw4, kind)
    module = get_kind(item.kind)
    shown = module.show(module.parse(form, item), item)  # raises AnswerError if unreadable
    if len(read_as) == 1 and "…" not in read_as[0] and kind != "expression" or (kind == "expression" and form.startswith(("W^2", "W**2", "$W", "W²"))):
        assert read_as[0].rstrip("…") in shown


def test_first_command_grades_the_samples():
    first = next(line for line in README.splitlines() if line.startswith("bash "))
    assert "scripts/setup" in first and "grade submissions/" in first
