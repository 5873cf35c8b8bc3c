"""Every accepted answer form, one row each: (form, raw answer, outcome, read-as or error).

The forms are those listed in docs/answer-forms.md. Each row builds the item of its form, prepares
the key like the engine does, parses the raw answer (a YAML scalar or list, exactly as a student's
file would give it) and checks the verdict and the canonical "read as" echo, or, for an unreadable
answer, that an `AnswerError` is raised whose message contains the given text.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.errors import AnswerError
from grader.kinds import get_kind
from grader.kinds.base import Formula
from grader.model import Status
from grader.rubric import Item

CORRECT, WRONG, INVALID = Status.CORRECT, Status.WRONG, Status.INVALID
_FV = ("W", "H", "I", "J", "K")
_DV = ("M", "N", "F", "D")


def _item(kind: str, id: str, **options) -> Item:  # noqa: A002
    return Item(id=id, title="t", kind=kind, points=1, key=None, **options)


FORMS = {
    "integer": (_item("integer", "q.int"), 73856),
    "ops": (_item("integer", "q.ops"), 120422400),
    "number": (_item("number", "q.num"), math.sqrt(2 / 192)),
    "bound": (_item("number", "q.bound", rel_tol=1e-3), 0.9**100),
    "percent": (_item("number", "q.pct", percent=True, abs_tol=0.1), 100 * (1 - 12443648 / 120422400)),
    "fraction%": (_item("number", "q.frac", percent=True, allow_fraction=True, abs_tol=0.1), 100 * (1 - 12443648 / 120422400)),
    "expression": (_item("expression", "q.fc", variables=list(_FV)), Formula(lambda W, H, I, J: (W * H * I) * (W * H * J), _FV, ("W", "H", "I", "J"))),  # noqa: E741
    "conv": (_item("expression", "q.conv", variables=list(_FV)), Formula(lambda W, H, I, J, K: (W * H * J) * (K * K * I), _FV, _FV)),  # noqa: E741
    "dilated": (_item("expression", "q.dil", variables=list(_DV)), Formula(lambda M, F, D: M - ((F - 1) * D + 1) + 1, _DV, ("M", "F", "D"))),
    "expressions": (_item("expressions", "q.out", variables=list(_DV), length=2), Formula(lambda M, N, F, D: (M - (F - 1) * D, N - (F - 1) * D), _DV, _DV)),
    "shape": (_item("shape", "q.shape"), [16, 16]),
    "pixels": (_item("shape", "q.px"), 256),
    "matrix": (_item("matrix", "q.mat", shape=[3, 3]), [[1, 0, 0], [0, 0, 0], [0, 0, 0]]),
    "tensor": (_item("tensor", "q.ten", shape=[2, 2]), np.array([[1, 0.5], [0.25, -0.5]])),
}

ROWS = [
    # -- integer (key 73,856): digits, separators, scientific notation, arithmetic
    ('integer', '73856', CORRECT, '73856'),
    ('integer', 73856, CORRECT, '73856'),
    ('integer', '73,856', CORRECT, '73856'),
    ('integer', '73 856', CORRECT, '73856'),
    ('integer', '73\xa0856', CORRECT, '73856'),
    ('integer', '73\u202f856', CORRECT, '73856'),
    ('integer', '۷۳۸۵۶', CORRECT, '73856'),
    ('integer', '٧٣٨٥٦', CORRECT, '73856'),
    ('integer', '۷۳٬۸۵۶', CORRECT, '73856'),
    ('integer', '۷۳,۸۵۶', CORRECT, '73856'),
    ('integer', '7.3856e4', CORRECT, '7.3856e4 = 73856'),
    ('integer', '7.3856E+4', CORRECT, '7.3856e4 = 73856'),
    ('integer', '7.3856×10^4', CORRECT, '7.3856·10^4 = 73856'),
    ('integer', '7.3856 \\times 10^{4}', CORRECT, '7.3856·10^4 = 73856'),
    ('integer', '7.3856*10**4', CORRECT, '7.3856·10^4 = 73856'),
    ('integer', '(3*3*64+1)*128', CORRECT, '(3·3·64 + 1)·128 = 73856'),
    ('integer', '(3·3·64 + 1)·128', CORRECT, '(3·3·64 + 1)·128 = 73856'),
    ('integer', '(3×3×64+1)×128', CORRECT, '(3·3·64 + 1)·128 = 73856'),
    ('integer', '$(3 \\cdot 3 \\cdot 64 + 1) \\cdot 128$', CORRECT, '(3·3·64 + 1)·128 = 73856'),
    ('integer', '\u200f73856\u200e', CORRECT, '73856'),
    ('integer', '73856.0', CORRECT, '73856'),
    ('integer', '73728', WRONG, '73728'),
    ('integer', '73856.5', WRONG, '73856.5'),
    ('integer', '7.38565e4', WRONG, '73856.5'),
    ('integer', '1,5', INVALID, "'1,5' is not a number: a comma must separate groups of"),
    ('integer', '73,85', INVALID, "'73,85' is not a number: a comma must separate groups of"),
    ('integer', '7,3856', INVALID, "'7,3856' is not a number: a comma must separate groups of"),
    ('integer', '73856%', INVALID, 'expected a whole number, not a percentage'),
    ('integer', '73856 parameters', INVALID, "unexpected word 'parameters': only a number is expected"),
    ('integer', 'NaN', INVALID, "'NaN' is not a finite number"),
    ('integer', '1e999', INVALID, "number size: '1e999' is beyond ±1.8e308"),
    ('integer', '10^10^10', INVALID, 'exponent size: the exponent 10000000000 is beyond the limit'),
    # -- integer (key 120,422,400): products as written in solutions
    ('ops', '28*28*192*32*25', CORRECT, '28·28·192·32·25 = 120422400'),
    ('ops', '28 × 28 × 192 × 32 × 25', CORRECT, '28·28·192·32·25 = 120422400'),
    ('ops', '28·28·32·5·5·192', CORRECT, '28·28·32·5·5·192 = 120422400'),
    ('ops', '120,422,400', CORRECT, '120422400'),
    ('ops', '120 422 400', CORRECT, '120422400'),
    ('ops', '1.204224e8', CORRECT, '1.204224e8 = 120422400'),
    ('ops', '1.2e8', WRONG, '1.2e8 = 120000000'),
    ('ops', '120,422,40', INVALID, "'120,422,40' is not a number: a comma must separate groups"),
    # -- number (key √(2/192) ≈ 0.102, 1% relative): arithmetic, roots, LaTeX
    ('number', 'sqrt(2/192)', CORRECT, 'sqrt(2/192) = 0.102062'),
    ('number', '√(2/192)', CORRECT, 'sqrt(2/192) = 0.102062'),
    ('number', '√(2 / 192)', CORRECT, 'sqrt(2/192) = 0.102062'),
    ('number', '\\sqrt{\\frac{2}{192}}', CORRECT, 'sqrt(2/192) = 0.102062'),
    ('number', '\\sqrt{\\dfrac{2}{192}}', CORRECT, 'sqrt(2/192) = 0.102062'),
    ('number', '$\\sqrt{2/192}$', CORRECT, 'sqrt(2/192) = 0.102062'),
    ('number', '√2/√192', CORRECT, 'sqrt(2)/sqrt(192) = 0.102062'),
    ('number', 'sqrt(1/96)', CORRECT, 'sqrt(1/96) = 0.102062'),
    ('number', '0.102', CORRECT, '0.102'),
    ('number', '0.10206', CORRECT, '0.10206'),
    ('number', '1.0206e-1', CORRECT, '1.0206e-1'),
    ('number', '1.0206E-1', CORRECT, '1.0206e-1'),
    ('number', '۰٫۱۰۲', CORRECT, '0.102'),
    ('number', '٠٫١٠٢', CORRECT, '0.102'),
    ('number', '1/sqrt(96)', CORRECT, '1/sqrt(96) = 0.102062'),
    ('number', '2/192', WRONG, '2/192 = 0.0104167'),
    ('number', '0.1', WRONG, '0.1'),
    ('number', 'sqrt(2/512)', WRONG, 'sqrt(2/512) = 0.0625'),
    ('number', '0,102', INVALID, "'0,102' is not a number: a comma must separate groups of"),
    ('number', 'sqrt(-2/192)', INVALID, 'the square root of a negative number has no real value'),
    ('number', 'sqrt(2/0)', INVALID, 'division by zero'),
    ('number', 'inf', INVALID, "'inf' is not a finite number"),
    ('number', '0.1.2', INVALID, "'0.1.2…' has two decimal points"),
    ('number', 'sqrt(2/192', INVALID, "unbalanced '(': no matching ')'"),
    # -- number (key 0.9^100, 1e-3 relative): powers, superscripts, ×10^n
    ('bound', '0.9^100', CORRECT, '0.9^100 = 2.65614e-05'),
    ('bound', '(0.9)**100', CORRECT, '0.9^100 = 2.65614e-05'),
    ('bound', '0.9**100', CORRECT, '0.9^100 = 2.65614e-05'),
    ('bound', '0.9¹⁰⁰', CORRECT, '0.9^100 = 2.65614e-05'),
    ('bound', '{0.9}^{100}', CORRECT, '0.9^100 = 2.65614e-05'),
    ('bound', '2.6561e-5', CORRECT, '2.6561e-5'),
    ('bound', '2.6561×10^-5', CORRECT, '2.6561·10^(-5) = 0.000026561'),
    ('bound', '2.6561 \\times 10^{-5}', CORRECT, '2.6561·10^(-5) = 0.000026561'),
    ('bound', 'exp(100 ln(0.9))', CORRECT, 'exp(100·ln(0.9)) = 2.65614e-05'),
    ('bound', '1.4^100', WRONG, '1.4^100 = 4.10019e+14'),
    ('bound', '0.9^10', WRONG, '0.9^10 = 0.3486784401'),
    ('bound', '9^9^9^9', INVALID, 'exponent size: the exponent 387420489 is beyond the limit'),
    ('bound', '2^(2^100)', INVALID, 'exponent size: the exponent 1267650600…205376 is beyond the'),
    # -- percent item (key 89.67%, ±0.1): signs and spellings
    ('percent', '89.7%', CORRECT, '89.7%'),
    ('percent', '89.7 %', CORRECT, '89.7%'),
    ('percent', '89.7 ٪', CORRECT, '89.7%'),
    ('percent', '89.7٪', CORRECT, '89.7%'),
    ('percent', '89.7％', CORRECT, '89.7%'),
    ('percent', '89.7 percent', CORRECT, '89.7%'),
    ('percent', '89.7\\%', CORRECT, '89.7%'),
    ('percent', '۸۹٫۷٪', CORRECT, '89.7%'),
    ('percent', '89.7', CORRECT, '89.7%'),
    ('percent', 89.7, CORRECT, '89.7%'),
    ('percent', '(1 - 12443648/120422400)*100%', CORRECT, '(1 - 12443648/120422400)·100% = 89.6667%'),
    ('percent', '0.897', WRONG, '0.897%'),
    ('percent', '90%', WRONG, '90%'),
    ('percent', '%89.7', INVALID, "'%' may only come at the very end of the answer"),
    ('percent', '89.7%%', INVALID, "'%' may only come at the very end of the answer"),
    # -- percent item with allow_fraction: a bare fraction reads as a percentage
    ('fraction%', '0.897', CORRECT, '0.897 = 89.7%'),
    ('fraction%', 0.8967, CORRECT, '0.8967 = 89.67%'),
    ('fraction%', '1 - 12443648/120422400', CORRECT, '1 - 12443648/120422400 = 89.6667%'),
    ('fraction%', '89.7%', CORRECT, '89.7%'),
    ('fraction%', '89.7', CORRECT, '89.7%'),
    ('fraction%', '0.9', WRONG, '0.9 = 90%'),
    # -- expression (key W²H²IJ): operators, Unicode, LaTeX, invisible marks
    ('expression', 'W^2*H^2*I*J', CORRECT, 'W^2·H^2·I·J'),
    ('expression', 'W**2 H**2 I J', CORRECT, 'W^2·H^2·I·J'),
    ('expression', '(W H)^2 I J', CORRECT, '(W·H)^2·I·J'),
    ('expression', 'W²H²IJ', CORRECT, 'W^2·H^2·I·J'),
    ('expression', 'W^2H^2IJ', CORRECT, 'W^2·H^2·I·J'),
    ('expression', '(WHI)(WHJ)', CORRECT, 'W·H·I·W·H·J'),
    ('expression', '(W·H·I)·(W·H·J)', CORRECT, 'W·H·I·W·H·J'),
    ('expression', 'W^2 × H^2 × I × J', CORRECT, 'W^2·H^2·I·J'),
    ('expression', 'W^2 ⋅ H^2 ⋅ I ⋅ J', CORRECT, 'W^2·H^2·I·J'),
    ('expression', 'W^2 ∗ H^2 ∗ I ∗ J', CORRECT, 'W^2·H^2·I·J'),
    ('expression', '$W^{2}H^{2}IJ$', CORRECT, 'W^2·H^2·I·J'),
    ('expression', '$$W^{2}H^{2}IJ$$', CORRECT, 'W^2·H^2·I·J'),
    ('expression', '\\(W^2 H^2 I J\\)', CORRECT, 'W^2·H^2·I·J'),
    ('expression', '\\[W^2 H^2 I J\\]', CORRECT, 'W^2·H^2·I·J'),
    ('expression', 'W^{2} \\cdot H^{2} \\cdot I \\cdot J', CORRECT, 'W^2·H^2·I·J'),
    ('expression', 'W^{2} \\times H^{2} \\times I \\times J', CORRECT, 'W^2·H^2·I·J'),
    ('expression', '\\left(W H\\right)^{2} I J', CORRECT, '(W·H)^2·I·J'),
    ('expression', 'W^2\\,H^2\\,I\\,J', CORRECT, 'W^2·H^2·I·J'),
    ('expression', 'W^2\\ H^2\\ I\\ J', CORRECT, 'W^2·H^2·I·J'),
    ('expression', '\\frac{W^2 H^2 I J^2}{J}', CORRECT, 'W^2·H^2·I·J^2/J'),
    ('expression', '\\dfrac{(WH)^2 IJ}{1}', CORRECT, '(W·H)^2·I·J/1'),
    ('expression', 'W^۲H^۲IJ', CORRECT, 'W^2·H^2·I·J'),
    ('expression', 'W\u200c^2 H^2 I J', CORRECT, 'W^2·H^2·I·J'),
    ('expression', 'W^2\xa0H^2\xa0I\xa0J', CORRECT, 'W^2·H^2·I·J'),
    ('expression', '\u202bW^2H^2IJ\u202c', CORRECT, 'W^2·H^2·I·J'),
    ('expression', 'W^2H^2IJ − 0', CORRECT, 'W^2·H^2·I·J - 0'),
    ('expression', 'W^2H^2IJ – 0', CORRECT, 'W^2·H^2·I·J - 0'),
    ('expression', 'WHIJ', WRONG, 'W·H·I·J'),
    ('expression', 'W^2H^2I^2', WRONG, 'W^2·H^2·I^2'),
    ('expression', 'W·H·I', WRONG, 'W·H·I'),
    ('expression', 'W^2H^2IJ + 1', WRONG, 'W^2·H^2·I·J + 1'),
    ('expression', 'x^2', INVALID, "unknown name 'x'; the variables are W, H, I, J, K"),
    ('expression', 'w^2h^2ij', INVALID, "unknown name 'w'; the variables are W, H, I, J, K (names"),
    ('expression', 'W^2H^2IJ)', INVALID, "unbalanced ')': no matching opening bracket"),
    ('expression', '(W^2H^2IJ', INVALID, "unbalanced '(': no matching ')'"),
    ('expression', 'W^2H^2IJ = N', INVALID, "write only the answer, without '='"),
    ('expression', 'W^', INVALID, "the answer ends after '^': expected an exponent"),
    ('expression', 'W 2', INVALID, "missing operator between 'W' and '2': write * between them"),
    # -- expression (key WHK²IJ): split names, superscripts, roots
    ('conv', 'WHK^2IJ', CORRECT, 'W·H·K^2·I·J'),
    ('conv', 'W H K² I J', CORRECT, 'W·H·K^2·I·J'),
    ('conv', 'W·H·K²·I·J', CORRECT, 'W·H·K^2·I·J'),
    ('conv', '(W H J)(K K I)', CORRECT, 'W·H·J·K·K·I'),
    ('conv', '\\sqrt{W^2H^2K^4I^2J^2}', CORRECT, 'sqrt(W^2·H^2·K^4·I^2·J^2)'),
    ('conv', '√(W^2H^2K^4I^2J^2)', CORRECT, 'sqrt(W^2·H^2·K^4·I^2·J^2)'),
    ('conv', 'WHK^2I', WRONG, 'W·H·K^2·I'),
    ('conv', 'WHKIJ', WRONG, 'W·H·K·I·J'),
    ('conv', 'WHQ^2IJ', INVALID, "unknown name 'WHQ'; the variables are W, H, I, J, K"),
    # -- expression (key M − DF + D)
    ('dilated', 'M-DF+D', CORRECT, 'M - D·F + D'),
    ('dilated', 'M − DF + D', CORRECT, 'M - D·F + D'),
    ('dilated', 'M – D F + D', CORRECT, 'M - D·F + D'),
    ('dilated', 'M - D(F-1)', CORRECT, 'M - D·(F - 1)'),
    ('dilated', 'M - (F-1)D', CORRECT, 'M - (F - 1)·D'),
    ('dilated', 'M-((F-1)D+1)+1', CORRECT, 'M - ((F - 1)·D + 1) + 1'),
    ('dilated', 'M - D*F + D', CORRECT, 'M - D·F + D'),
    ('dilated', 'M-DF', WRONG, 'M - D·F'),
    ('dilated', 'M-DF+1', WRONG, 'M - D·F + 1'),
    ('dilated', 'M-df+d', INVALID, "unknown name 'df'; the variables are M, N, F, D (names are"),
    # -- expressions (key [M − DF + D, N − DF + D])
    ('expressions', '[M-DF+D, N-DF+D]', CORRECT, '[M - D·F + D, N - D·F + D]'),
    ('expressions', '(M-DF+D, N-DF+D)', CORRECT, '[M - D·F + D, N - D·F + D]'),
    ('expressions', '(M-DF+D) x (N-DF+D)', CORRECT, '[M - D·F + D, N - D·F + D]'),
    ('expressions', '(M-DF+D)x(N-DF+D)', CORRECT, '[M - D·F + D, N - D·F + D]'),
    ('expressions', '(M-DF+D) × (N-DF+D)', CORRECT, '[M - D·F + D, N - D·F + D]'),
    ('expressions', '(M-DF+D) \\times (N-DF+D)', CORRECT, '[M - D·F + D, N - D·F + D]'),
    ('expressions', 'M-DF+D by N-DF+D', CORRECT, '[M - D·F + D, N - D·F + D]'),
    ('expressions', ['M-DF+D', 'N-DF+D'], CORRECT, '[M - D·F + D, N - D·F + D]'),
    ('expressions', ['M - D(F-1)', 'N - D(F-1)'], CORRECT, '[M - D·(F - 1), N - D·(F - 1)]'),
    ('expressions', '[M − DF + D، N − DF + D]', CORRECT, '[M - D·F + D, N - D·F + D]'),
    ('expressions', '[N-DF+D, M-DF+D]', WRONG, '[N - D·F + D, M - D·F + D]'),
    ('expressions', 'M-DF+D', WRONG, '[M - D·F + D]'),
    ('expressions', ['M-DF+D'], WRONG, '[M - D·F + D]'),
    ('expressions', '[M-DF+D, N-DF+D', INVALID, "unbalanced '[': no matching ']'"),
    ('expressions', '[M-DF+D, , N-DF+D]', INVALID, "empty item before ','"),
    # -- shape (key 16×16)
    ('shape', '16x16', CORRECT, '16×16'),
    ('shape', '16X16', CORRECT, '16×16'),
    ('shape', '16×16', CORRECT, '16×16'),
    ('shape', '16 * 16', CORRECT, '16×16'),
    ('shape', '[16, 16]', CORRECT, '16×16'),
    ('shape', '(16,16)', CORRECT, '16×16'),
    ('shape', [16, 16], CORRECT, '16×16'),
    ('shape', '16 by 16', CORRECT, '16×16'),
    ('shape', '۱۶×۱۶', CORRECT, '16×16'),
    ('shape', '$16 \\times 16$', CORRECT, '16×16'),
    ('shape', '256', WRONG, '256'),
    ('shape', '32x32', WRONG, '32×32'),
    ('shape', '16x16x64', WRONG, '16×16×64'),
    ('shape', '16.5x16', INVALID, "'16.5' is not a size: each dimension must be a positive"),
    ('shape', '0x16', INVALID, "'0' is not a size: each dimension must be a positive whole"),
    # -- shape alternative with a plain int key (256)
    ('pixels', '256', CORRECT, '256'),
    ('pixels', 256, CORRECT, '256'),
    ('pixels', '16x16', WRONG, '16×16'),
    # -- matrix (key A = e₁e₁ᵀ, 3×3)
    ('matrix', [[1, 0, 0], [0, 0, 0], [0, 0, 0]], CORRECT, '[[1, 0, 0], [0, 0, 0], [0, 0, 0]]'),
    ('matrix', '[[1,0,0],[0,0,0],[0,0,0]]', CORRECT, '[[1, 0, 0], [0, 0, 0], [0, 0, 0]]'),
    ('matrix', '[[1, 0, 0], [0, 0, 0], [0, 0, 0]]', CORRECT, '[[1, 0, 0], [0, 0, 0], [0, 0, 0]]'),
    ('matrix', '[1 0 0; 0 0 0; 0 0 0]', CORRECT, '[[1, 0, 0], [0, 0, 0], [0, 0, 0]]'),
    ('matrix', '[1,0,0;0,0,0;0,0,0]', CORRECT, '[[1, 0, 0], [0, 0, 0], [0, 0, 0]]'),
    ('matrix', '\\begin{bmatrix} 1 & 0 & 0 \\\\ 0 & 0 & 0 \\\\ 0 & 0 & 0 \\end{bmatrix}', CORRECT, '[[1, 0, 0], [0, 0, 0], [0, 0, 0]]'),
    ('matrix', '\\begin{pmatrix} 1 & 0 & 0 \\\\ 0 & 0 & 0 \\\\ 0 & 0 & 0 \\end{pmatrix}', CORRECT, '[[1, 0, 0], [0, 0, 0], [0, 0, 0]]'),
    ('matrix', '$$\\begin{bmatrix}1&0&0\\\\0&0&0\\\\0&0&0\\\\\\end{bmatrix}$$', CORRECT, '[[1, 0, 0], [0, 0, 0], [0, 0, 0]]'),
    ('matrix', 'array([[1., 0., 0.], [0., 0., 0.], [0., 0., 0.]])', CORRECT, '[[1, 0, 0], [0, 0, 0], [0, 0, 0]]'),
    ('matrix', 'np.array([[1, 0, 0], [0, 0, 0], [0, 0, 0]])', CORRECT, '[[1, 0, 0], [0, 0, 0], [0, 0, 0]]'),
    ('matrix', 'tensor([[1., 0., 0.], [0., 0., 0.], [0., 0., 0.]])', CORRECT, '[[1, 0, 0], [0, 0, 0], [0, 0, 0]]'),
    ('matrix', 'tensor([[1., 0., 0.],\n        [0., 0., 0.],\n        [0., 0., 0.]], dtype=torch.float64)', CORRECT, '[[1, 0, 0], [0, 0, 0], [0, 0, 0]]'),
    ('matrix', '[[1. 0. 0.]\n [0. 0. 0.]\n [0. 0. 0.]]', CORRECT, '[[1, 0, 0], [0, 0, 0], [0, 0, 0]]'),
    ('matrix', '[[۱, ۰, ۰], [۰, ۰, ۰], [۰, ۰, ۰]]', CORRECT, '[[1, 0, 0], [0, 0, 0], [0, 0, 0]]'),
    ('matrix', [[1, 1, 1], [1, 1, 1], [1, 1, 1]], WRONG, '[[1, 1, 1], [1, 1, 1], [1, 1, 1]]'),
    ('matrix', '[1 0; 0 0]', WRONG, '[[1, 0], [0, 0]]'),
    ('matrix', '[[1,0,0],[0,0],[0,0,0]]', INVALID, 'ragged list: item 2 is a list of 2 but item 1 is a list of 3'),
    ('matrix', [[1, 0, 0], [0, 0], [0, 0, 0]], INVALID, 'ragged list: [1] is a list of 2 but [0] is a list of 3'),
    ('matrix', '[[1,0,0],[0,0,0],[0,0,0]', INVALID, "unbalanced '[': no matching ']'"),
    ('matrix', "eval('[[1,0,0]]')", INVALID, "unexpected character '''"),
    ('matrix', "__import__('os').system('true')", INVALID, "unexpected character '_'"),
    # -- tensor (key [[1, ½], [¼, −½]], 2×2)
    ('tensor', [[1, 0.5], [0.25, -0.5]], CORRECT, '[[1, 0.5], [0.25, -0.5]]'),
    ('tensor', '[[1, 1/2], [1/4, -1/2]]', CORRECT, '[[1, 0.5], [0.25, -0.5]]'),
    ('tensor', '[[1, 0.5], [0.25, −0.5]]', CORRECT, '[[1, 0.5], [0.25, -0.5]]'),
    ('tensor', '[[1, \\frac{1}{2}], [\\frac{1}{4}, -\\frac{1}{2}]]', CORRECT, '[[1, 0.5], [0.25, -0.5]]'),
    ('tensor', [['1', '1/2'], ['0.25', '-0.5']], CORRECT, '[[1, 0.5], [0.25, -0.5]]'),
    ('tensor', '[[۱, ۰٫۵], [۰٫۲۵, -۰٫۵]]', CORRECT, '[[1, 0.5], [0.25, -0.5]]'),
    ('tensor', '[1 0.5; 0.25 -0.5]', CORRECT, '[[1, 0.5], [0.25, -0.5]]'),
    ('tensor', '[1 0.5; 0.25 - 0.5]', INVALID, 'ragged matrix: row 2 has 1 entry but row 1 has 2'),
    ('tensor', 'tensor([[ 1.0000,  0.5000],\n        [ 0.2500, -0.5000]], requires_grad=True)', CORRECT, '[[1, 0.5], [0.25, -0.5]]'),
    ('tensor', [[1, 0.5], [0.25, 0.5]], WRONG, '[[1, 0.5], [0.25, 0.5]]'),
    ('tensor', [[1, 0.5, 0], [0.25, -0.5, 0]], WRONG, '[[1, 0.5, 0], [0.25, -0.5, 0]]'),
    ('tensor', [[1, 'nan'], [0.25, -0.5]], INVALID, "[0][1]: 'nan' is not a finite number"),
]


def test_enough_rows():
    assert len(ROWS) >= 150
    assert {form for form, *_ in ROWS} == set(FORMS)


@pytest.mark.parametrize(("form", "raw", "outcome", "detail"), ROWS)
def test_answer_form(form, raw, outcome, detail):
    item, key = FORMS[form]
    kind = get_kind(item.kind)
    expected = kind.prepare(key, item)
    if outcome is INVALID:
        with pytest.raises(AnswerError) as info:
            kind.parse(raw, item)
        assert detail in info.value.message
        return
    parsed = kind.parse(raw, item)
    assert kind.show(parsed, item) == detail
    verdict = kind.compare(parsed, expected, item)
    assert verdict.status is outcome, verdict.feedback
    assert (verdict.feedback == "") is (outcome is CORRECT) or "symbolically" in verdict.feedback


# -- property: any string or YAML value into any kind gives a reading or an AnswerError ---------

_TEXT = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from([*"0123456789.,;+-*/^()[]{} WHIJKMNDFx%√²π\\$&=", "۱", "٫", "٬", "−", "×", "·", "\u200c", "\n", "frac", "sqrt", "by", "e5", "array(", "begin{bmatrix}"]), max_size=30).map("".join),
)
_YAML = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _TEXT),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=2),
    max_leaves=16,
)
_PREPARED = {form: get_kind(item.kind).prepare(key, item) for form, (item, key) in FORMS.items()}


def _read_and_compare(raw):
    for form, (item, _key) in FORMS.items():
        kind = get_kind(item.kind)
        try:
            parsed = kind.parse(raw, item)
        except AnswerError:
            continue
        assert isinstance(kind.show(parsed, item), str)
        assert kind.compare(parsed, _PREPARED[form], item).status in (CORRECT, WRONG)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_any_string_is_read_or_rejected_cleanly(raw):
    _read_and_compare(raw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_YAML)
def test_any_yaml_value_is_read_or_rejected_cleanly(raw):
    _read_and_compare(raw)
