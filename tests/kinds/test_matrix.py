"""Kinds `matrix` and `tensor`: shape first, then entries within tolerance; compact echo."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.errors import AnswerError, ReferenceSolutionError
from grader.kinds import matrix
from grader.model import Status
from tests.kinds.conftest import make_item

A = make_item("matrix", id="q5.b.kronecker_A", shape=[3, 3])
A_KEY = [[1, 0, 0], [0, 0, 0], [0, 0, 0]]
T = make_item("tensor", id="q3.a.dL_dP3", shape=[2, 2])
T_KEY = torch.tensor([[1.0, 0.5], [0.25, -0.5]], dtype=torch.float64, requires_grad=True) * 1
BIG = make_item("tensor", id="q3.a.dL_dP1", shape=[5, 5, 4])
BIG_KEY = np.arange(100, dtype=float).reshape(5, 5, 4) / 8

CASES = [
    (A, A_KEY, [[1, 0, 0], [0, 0, 0], [0, 0, 0]], Status.CORRECT),
    (A, A_KEY, "[[1,0,0],[0,0,0],[0,0,0]]", Status.CORRECT),
    (A, A_KEY, "[1 0 0; 0 0 0; 0 0 0]", Status.CORRECT),
    (A, A_KEY, "[1, 0, 0; 0, 0, 0; 0, 0, 0]", Status.CORRECT),
    (A, A_KEY, "[1 0 0\n 0 0 0\n 0 0 0]", Status.CORRECT),
    (A, A_KEY, "\\begin{bmatrix} 1 & 0 & 0 \\\\ 0 & 0 & 0 \\\\ 0 & 0 & 0 \\end{bmatrix}", Status.CORRECT),
    (A, A_KEY, "$$\\begin{pmatrix}1&0&0\\\\0&0&0\\\\0&0&0\\end{pmatrix}$$", Status.CORRECT),
    (A, A_KEY, "array([[1., 0., 0.],\n       [0., 0., 0.],\n       [0., 0., 0.]])", Status.CORRECT),
    (A, A_KEY, "tensor([[1., 0., 0.], [0., 0., 0.], [0., 0., 0.]])", Status.CORRECT),
    (A, A_KEY, "[[1. 0. 0.]\n [0. 0. 0.]\n [0. 0. 0.]]", Status.CORRECT),
    (A, A_KEY, "[[۱, ۰, ۰], [۰, ۰, ۰], [۰, ۰, ۰]]", Status.CORRECT),
    (A, A_KEY, [["1", "0", "0"], [0, 0.0, "0"], [0, 0, "0/5"]], Status.CORRECT),
    (A, A_KEY, [[1, 1, 1], [1, 1, 1], [1, 1, 1]], Status.WRONG),
    (A, A_KEY, [[0, 0, 0], [0, 0, 0], [0, 0, 1]], Status.WRONG),
    (A, A_KEY, [[1, 0], [0, 0]], Status.WRONG),
    (A, A_KEY, [1, 0, 0, 0, 0, 0, 0, 0, 0], Status.WRONG),
    (T, T_KEY, [[1, 0.5], [0.25, -0.5]], Status.CORRECT),
    (T, T_KEY, "[[1, 1/2], [1/4, -1/2]]", Status.CORRECT),
    (T, T_KEY, "[[1, \\frac{1}{2}], [0.25, −0.5]]", Status.CORRECT),
    (T, T_KEY, [[1.0005, 0.5], [0.25, -0.5]], Status.CORRECT),  # within 1e-3 relative
    (T, T_KEY, [[1.002, 0.5], [0.25, -0.5]], Status.WRONG),
    (T, T_KEY, [[1, 0.5], [0.25, 0.5]], Status.WRONG),
    (BIG, BIG_KEY, BIG_KEY.tolist(), Status.CORRECT),
    (BIG, BIG_KEY, str(BIG_KEY.tolist()), Status.CORRECT),
    (BIG, BIG_KEY, np.transpose(BIG_KEY, (0, 2, 1)).tolist(), Status.WRONG),
]


@pytest.mark.parametrize(("item", "key", "raw", "status"), CASES)
def test_forms(item, key, raw, status):
    expected = matrix.prepare(key, item)
    assert matrix.compare(matrix.parse(raw, item), expected, item).status is status


def test_shape_feedback():
    expected = matrix.prepare(BIG_KEY, BIG)
    verdict = matrix.compare(matrix.parse(np.transpose(BIG_KEY, (0, 2, 1)).tolist(), BIG), expected, BIG)
    assert verdict.feedback.startswith("expected shape 5×5×4, got 5×4×5")
    verdict = matrix.compare(matrix.parse([1, 0, 0, 0, 0, 0, 0, 0, 0], A), matrix.prepare(A_KEY, A), A)
    assert verdict.feedback == "expected shape 3×3, got 9 (the same number of entries, nested differently)"


def test_entry_feedback():
    expected = matrix.prepare(BIG_KEY, BIG)
    answer = BIG_KEY.copy()
    answer[0, 1, 2] = 0.25
    answer[4, 4, 3] = 99
    answer[2, 0, 0] = -1
    verdict = matrix.compare(matrix.parse(answer.tolist(), BIG), expected, BIG)
    assert verdict.feedback == "3 of 100 entries differ; first at [0,1,2]: expected 0.75, got 0.25; at [2,0,0]: expected 5, got -1; at [4,4,3]: expected 12.375, got 99"
    hidden = make_item("tensor", id="q.h", shape=[5, 5, 4], show_expected=False)
    assert "expected" not in matrix.compare(matrix.parse(answer.tolist(), hidden), expected, hidden).feedback


def test_tolerance_options():
    loose = make_item("tensor", id="q.l", shape=[2, 2], rel_tol=0.01)
    expected = matrix.prepare(T_KEY, loose)
    assert matrix.compare(matrix.parse([[1.009, 0.5], [0.25, -0.5]], loose), expected, loose).status is Status.CORRECT
    absolute = make_item("tensor", id="q.a", shape=[2, 2], rel_tol=0.0, abs_tol=0.1)
    assert matrix.compare(matrix.parse([[1.09, 0.55], [0.2, -0.5]], absolute), matrix.prepare(T_KEY, absolute), absolute).status is Status.CORRECT


def test_show_is_compact():
    assert matrix.show(matrix.parse("[[1, 1/2], [0, 0]]", T), T) == "[[1, 0.5], [0, 0]]"
    text = matrix.show(matrix.prepare(BIG_KEY, BIG), BIG)
    assert text == "5×5×4 tensor: [0, 0.125, 0.25, 0.375, 0.5, 0.625, …] (first entries in row-major order)"
    huge = make_item("tensor", id="q.big", shape=[300, 300])
    assert len(matrix.show(np.zeros((300, 300)), huge)) < 120


@pytest.mark.parametrize(
    ("raw", "fragment", "start"),
    [
        ("[[1,0,0],[0,0],[0,0,0]]", "ragged list: item 2 is a list of 2 but item 1 is a list of 3", 9),
        ("[1 0 0; 0 0; 0 0 0]", "ragged matrix: row 2 has 2 entries but row 1 has 3", 8),
        ("[[1,0,0],[0,0,0],[0,0,0]", "unbalanced '['", 0),
        ("[[1,0,0],[0,x,0],[0,0,0]]", "unexpected word 'x'", 12),
        ("[[1,0,0],[0,NaN,0],[0,0,0]]", "not a finite number", 12),
        ("array([[1., ..., 0.]])", "summarised", 12),
        ("A = [[1,0,0],[0,0,0],[0,0,0]]", "without '='", 2),
    ],
)
def test_invalid_with_position(raw, fragment, start):
    with pytest.raises(AnswerError) as info:
        matrix.parse(raw, A)
    assert fragment in info.value.message
    assert info.value.start == start


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ([[1, 0, 0], [0, 0], [0, 0, 0]], r"ragged list: \[1\] is a list of 2 but \[0\] is a list of 3"),
        ([[1, 0, 0], [0, "x", 0]], r"\[1\]\[1\]"),
        ([[1, 0, 0], [0, float("nan"), 0]], "finite"),
        ([0] * 10**6, "element count"),
        ({"a": 1}, "mapping"),
        (True, "bool"),
    ],
)
def test_invalid_yaml_values(raw, fragment):
    with pytest.raises(AnswerError, match=fragment):
        matrix.parse(raw, A)


@pytest.mark.parametrize("value", [A_KEY, np.array(A_KEY), torch.tensor(A_KEY, dtype=torch.float32), torch.tensor(A_KEY, dtype=torch.float64, requires_grad=True)])
def test_prepare(value):
    prepared = matrix.prepare(value, A)
    assert prepared.shape == (3, 3) and prepared[0, 0] == 1


@pytest.mark.parametrize(
    ("value", "fragment"),
    [([[1, 0], [0, 1]], "shape 2×2, but the item declares 3×3"), ([[1, 0, 0], [0, 0]], "rectangular"), ([[float("nan")] * 3] * 3, "non-finite"), ("[[1]]", "not a rectangular array")],
)
def test_prepare_rejects(value, fragment):
    with pytest.raises(ReferenceSolutionError, match=fragment):
        matrix.prepare(value, A)


def test_check_spec():
    assert matrix.check_spec(A) == []
    assert matrix.check_spec(BIG) == []
    assert matrix.check_spec(make_item("matrix")) == ["shape: a matrix item needs its shape, e.g. shape: [3, 3]"]
    assert matrix.check_spec(make_item("matrix", shape=[5, 5, 4])) == ["shape: a matrix has 1 or 2 dimensions, got 3; use kind tensor"]
    assert matrix.check_spec(make_item("tensor", shape=[1000, 1000])) == ["shape: 1000×1000 has more than 100,000 entries"]
    assert matrix.check_spec(make_item("tensor", shape=[0, 3])) == ["shape: dimensions must be positive, got [0, 3]"]
