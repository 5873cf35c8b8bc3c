"""Kind `shape`: dimensions compared exactly; an expected plain int is a 1-tuple."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.errors import AnswerError, ReferenceSolutionError
from grader.kinds import shape
from grader.model import Status
from tests.kinds.conftest import make_item

ITEM = make_item("shape", id="q1.c.unet_bottleneck")

CASES = [
    ("16x16", (16, 16), Status.CORRECT),
    ("16X16", (16, 16), Status.CORRECT),
    ("16×16", (16, 16), Status.CORRECT),
    ("16 × 16", (16, 16), Status.CORRECT),
    ("16 * 16", (16, 16), Status.CORRECT),
    ("16*16", (16, 16), Status.CORRECT),
    ("16·16", (16, 16), Status.CORRECT),
    ("[16, 16]", (16, 16), Status.CORRECT),
    ("(16,16)", (16, 16), Status.CORRECT),
    ("16 by 16", (16, 16), Status.CORRECT),
    ("16, 16", (16, 16), Status.CORRECT),
    ("16 16", (16, 16), Status.CORRECT),
    ("۱۶×۱۶", (16, 16), Status.CORRECT),
    ("$16 \\times 16$", (16, 16), Status.CORRECT),
    ([16, 16], (16, 16), Status.CORRECT),
    (["16", "16"], (16, 16), Status.CORRECT),
    ("32x32", (32, 32), Status.WRONG),
    ("16x16x1", (16, 16, 1), Status.WRONG),
    ("256", (256,), Status.WRONG),
    (256, (256,), Status.WRONG),
]


@pytest.mark.parametrize(("raw", "parsed", "status"), CASES)
def test_forms(raw, parsed, status):
    assert shape.parse(raw, ITEM) == parsed
    assert shape.compare(shape.parse(raw, ITEM), shape.prepare([16, 16], ITEM), ITEM).status is status


def test_pixel_count_alternative():
    expected = shape.prepare(256, ITEM)
    assert expected == (256,)
    assert shape.compare(shape.parse("256", ITEM), expected, ITEM).status is Status.CORRECT
    assert shape.compare(shape.parse(256, ITEM), 256, ITEM).status is Status.CORRECT  # a bare int expected
    assert shape.compare(shape.parse("16x16", ITEM), expected, ITEM).status is Status.WRONG


def test_feedback_and_show():
    verdict = shape.compare(shape.parse("32x32", ITEM), (16, 16), ITEM)
    assert (verdict.read_as, verdict.feedback) == ("32×32", "expected 16×16, got 32×32")
    hidden = make_item("shape", show_expected=False)
    assert "16" not in shape.compare(shape.parse("32x32", hidden), (16, 16), hidden).feedback
    assert shape.show((256,), ITEM) == "256"
    assert shape.show(256, ITEM) == "256"


@pytest.mark.parametrize(
    ("raw", "fragment", "start"),
    [
        ("16.5x16", "'16.5' is not a size", 0),
        ("0x16", "'0' is not a size", 0),
        ("16x", "nothing after 'x'", 2),
        ("16 x x 16", "empty item", 5),
        ("16xW", "unexpected word 'W'", 3),
        ("(16, 16", "unbalanced '('", 0),
    ],
)
def test_invalid_with_position(raw, fragment, start):
    with pytest.raises(AnswerError) as info:
        shape.parse(raw, ITEM)
    assert fragment in info.value.message
    assert info.value.start == start


@pytest.mark.parametrize("raw", [[16, 0], [16, -1], [16, 2.5], [16, True], [[16]], [], True, {"h": 16}])
def test_invalid_yaml_values(raw):
    with pytest.raises(AnswerError):
        shape.parse(raw, ITEM)


@pytest.mark.parametrize("value", [[16, 16], (16, 16), torch.Size([16, 16]), np.array([16, 16]), [np.int64(16), 16.0]])
def test_prepare(value):
    assert shape.prepare(value, ITEM) == (16, 16)


@pytest.mark.parametrize("value", [[16, 0], [16, 2.5], "16x16", [], [True]])
def test_prepare_rejects(value):
    with pytest.raises(ReferenceSolutionError):
        shape.prepare(value, ITEM)


def test_check_spec():
    assert shape.check_spec(ITEM) == []
    assert shape.check_spec(make_item("shape", length=0)) == ["length: expected a positive number of dimensions, got 0"]
