"""Text and answer normalisation: the variants students type read as one."""

from __future__ import annotations

import pytest

from grader.integrity.normalise import array_class, canonical_read_as, normalise_text, words


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("كتاب", "کتاب"),  # Arabic kaf
        ("يك", "یک"),  # Arabic yeh and kaf
        ("می‌شود", "میشود"),  # ZWNJ
        ("۱۲۳ و ٤٥", "123 و 45"),  # Persian and Arabic-Indic digits
        ("Hello,  World!\n", "hello world"),
        ("a\u200fb", "ab"),  # a bidi mark
        ("کـــتاب", "کتاب"),  # tatweel
        ("ﻛﺘﺎﺏ", "کتاب"),  # presentation forms (NFKC)
        ("dL/dW (sum)", "dl dw sum"),
    ],
)
def test_variants_normalise_alike(a, b):
    assert normalise_text(a) == normalise_text(b)


@pytest.mark.parametrize(("a", "b"), [("کتاب", "کتب"), ("123", "124"), ("hello world", "hello word")])
def test_different_text_stays_different(a, b):
    assert normalise_text(a) != normalise_text(b)


def test_words_leave_out_single_letters_and_digits():
    assert words("dL/dW = x + 2 of the kernel") == ["dl", "dw", "of", "the", "kernel"]


@pytest.mark.parametrize(
    ("read_as", "expected"),
    [
        ("(3·3·64 + 1)·128 = 73856", "73856"),
        ("  W·H·J ", "W·H·J"),
        ("W  ·  H", "W · H"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_canonical_read_as(read_as, expected):
    assert canonical_read_as(read_as) == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ([1.0, 2.0], [1, 2], True),
        ([0.1 + 0.2], [0.3], True),  # equal to 6 significant digits
        ([1.0, 2.0], [2.0, 1.0], False),
        ([[1.0, 2.0]], [1.0, 2.0], False),  # the shape is part of the class
        ([-0.0], [0.0], True),
    ],
)
def test_array_class(a, b, same):
    assert (array_class(a) == array_class(b)) is same
