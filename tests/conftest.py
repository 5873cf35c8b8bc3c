"""Shared fixtures: the real HW4 rubric (loaded once) and its key book."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HW4_RUBRIC = ROOT / "rubrics" / "hw4.yaml"
SUBMISSIONS = ROOT / "submissions"


@pytest.fixture(scope="session")
def hw4():
    from grader.rubric import load_rubric

    return load_rubric(HW4_RUBRIC)


@pytest.fixture(scope="session")
def hw4_keys(hw4):
    from grader.keys.keybook import KeyBook

    keys = KeyBook(hw4)
    keys.warm()
    return keys
