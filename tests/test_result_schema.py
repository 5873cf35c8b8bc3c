"""grader.result_schema: the one JSON form of a result, and its exact inverse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.model import Adjustment, AdjustmentKind, ItemResult, ManualScore, SheetPages, Status, SubmissionResult, Verdict
from grader.result_schema import SCHEMA, result_doc, result_from_json, result_json

ROOT = Path(__file__).resolve().parents[1]


def _same(a: SubmissionResult, b: SubmissionResult) -> None:
    """Equal, and equal in what `==` leaves out (file time, pages, the TA's flag)."""
    assert a == b
    assert (a.modified_at, a.pdf) == (b.modified_at, b.pdf)
    assert [(i.manual_score.answer_changed if i.manual_score else None) for i in a.items] == [
        (i.manual_score.answer_changed if i.manual_score else None) for i in b.items
    ]


def _round_trip(result: SubmissionResult) -> SubmissionResult:
    return result_from_json(json.loads(json.dumps(result_json(result))))


@pytest.fixture(scope="module")
def graded() -> list[SubmissionResult]:
    """The bundled samples (YAML and the filled PDF sheet) as `grade` makes them, policy included."""
    import tempfile

    from grader.api import run_grading
    from grader.rubric import load_rubric

    with tempfile.TemporaryDirectory() as out:
        outcome = run_grading(ROOT / "submissions", rubric=load_rubric(ROOT / "rubrics" / "hw4.yaml"), out_dir=Path(out), jobs=1, pdf=False)
    return list(outcome.batch.results)


def test_every_graded_sample_round_trips(graded: list[SubmissionResult]) -> None:
    assert len(graded) >= 4 and any(r.pdf is not None for r in graded) and any(r.adjustments for r in graded)
    for result in graded:
        _same(_round_trip(result), result)


def _item(item_id: str, verdict: Verdict, *, manual: bool = False, score: ManualScore | None = None, expected: str | None = None) -> ItemResult:
    return ItemResult(item_id, item_id.split(".")[0], 2.0, False, manual, verdict, score, expected)


@pytest.mark.parametrize(
    "item",
    [
        _item("q1.a", Verdict(Status.PARTIAL, 1 / 3, "x·y", "close", matched="a slip"), expected="x^2"),
        _item("q1.b", Verdict.invalid("bad ~~^", "7,5")),
        _item("q1.c", Verdict.missing()),
        _item("q2.t", Verdict.pending("an essay"), manual=True),
        _item("q2.u", Verdict.pending("text"), manual=True, score=ManualScore(1.5, "fine", "ta_a", answer_changed=True)),
        _item("q2.v", Verdict.pending("text"), manual=True, score=ManualScore(2.0, "", "")),
    ],
)
def test_each_kind_of_item_round_trips(item: ItemResult) -> None:
    result = SubmissionResult(
        "401", "hw4", "HW4_T_401.pdf", (item,), ("a warning",),
        (Adjustment(AdjustmentKind.LATE_PENALTY, -1.25, "late", 2),), "2024-12-06T20:15:00+03:30", "ab" * 32, "Sara",
        modified_at="2024-12-06T16:45:00+00:00", pdf=SheetPages(7, 5),
    )
    again = _round_trip(result)
    _same(again, result)
    assert again.items[0].verdict.status is item.verdict.status and again.items[0].status is item.status


def test_the_json_names_its_schema_and_is_canonical(graded: list[SubmissionResult]) -> None:
    doc = result_doc(graded[0])
    assert doc.data["schema"] == SCHEMA
    assert doc.text == json.dumps(result_json(graded[0]), ensure_ascii=False, sort_keys=True)
    assert result_doc(_round_trip(graded[0])).digest == doc.digest


@pytest.mark.parametrize("broken", [{}, {"student_id": "1"}, {"schema": SCHEMA, "items": []}])
def test_json_of_another_shape_is_an_error_not_a_result(broken: dict[str, object]) -> None:
    with pytest.raises((KeyError, TypeError, ValueError, AttributeError)):
        result_from_json(broken)
