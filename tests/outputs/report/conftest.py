"""Fixtures for the report tests (builders live in tests/outputs/report/fixtures.py)."""

from __future__ import annotations

import pytest

from grader.model import SubmissionResult
from grader.rubric import Rubric
from tests.outputs.report.fixtures import make_result, make_rubric


@pytest.fixture
def rubric() -> Rubric:
    return make_rubric()


@pytest.fixture
def result() -> SubmissionResult:
    return make_result()
