"""Helpers for the kind tests: build rubric `Item`s directly (no rubric file, no key rule)."""

from __future__ import annotations

from typing import Any

import pytest

from grader.rubric import Item


def make_item(kind: str, **options: Any) -> Item:
    options.setdefault("id", "q1.a.x")
    return Item(title="t", kind=kind, points=1, key=None, **options)


@pytest.fixture
def item_of():
    return make_item
