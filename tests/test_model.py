"""Results model: totals are derived from items, manual scores decide manual items."""

from __future__ import annotations

import pytest

from grader.model import Adjustment, AdjustmentKind, ItemResult, ManualScore, Status, SubmissionResult, Verdict


def item(item_id, verdict, max_points=2.0, *, bonus=False, manual=False, manual_score=None):
    return ItemResult(item_id, item_id.split(".")[0], max_points, bonus, manual, verdict, manual_score)


@pytest.mark.parametrize(
    ("verdict", "points"),
    [
        (Verdict.correct("x"), 2.0),
        (Verdict(Status.PARTIAL, 0.5, "x"), 1.0),
        (Verdict.wrong("x"), 0.0),
        (Verdict.invalid("bad"), 0.0),
        (Verdict.missing(), 0.0),
    ],
)
def test_auto_item_points(verdict, points):
    assert item("q1.a", verdict).points == points


@pytest.mark.parametrize(
    ("score", "status", "points", "pending"),
    [
        (None, Status.PENDING, 0.0, True),
        (ManualScore(2.0), Status.CORRECT, 2.0, False),
        (ManualScore(1.5, "ok"), Status.PARTIAL, 1.5, False),
        (ManualScore(0.0), Status.WRONG, 0.0, False),
    ],
)
def test_manual_item(score, status, points, pending):
    result = item("q1.t", Verdict.pending("text"), manual=True, manual_score=score)
    assert (result.status, result.points, result.pending) == (status, points, pending)


def test_totals_are_derived():
    items = (
        item("q1.a", Verdict.correct(), 2),
        item("q1.b", Verdict(Status.PARTIAL, 0.5), 4),
        item("q1.t", Verdict.pending(), 3, manual=True),
        item("q2.t", Verdict.pending(), 5, manual=True, manual_score=ManualScore(4)),
        item("q6.x", Verdict.correct(), 4, bonus=True),
        item("q6.y", Verdict.missing(), 6, bonus=True, manual=True),
    )
    result = SubmissionResult("1", "hw4", "f.yaml", items, adjustments=(Adjustment(AdjustmentKind.LATE_PENALTY, -1.5, "late"),))
    assert result.auto_points == 4
    assert result.manual_points == 4
    assert result.bonus_points == 4
    assert result.pending_points == 3
    assert result.max_points == 14 and result.max_bonus == 10
    assert result.raw_total == 12
    assert result.total == 10.5
    assert result.question_points() == {"q1": 4, "q2": 4, "q6": 4}
    assert result.count(Status.CORRECT) == 2 and result.count(Status.PARTIAL) == 2


def test_total_never_negative():
    result = SubmissionResult("1", "hw4", "f", (item("q1.a", Verdict.correct(), 1),), adjustments=(Adjustment(AdjustmentKind.TOO_LATE, -5, "x"),))
    assert result.total == 0


def _mixed_items(seed: int) -> tuple[ItemResult, ...]:
    import random

    rng = random.Random(seed)
    verdicts = [Verdict.correct("x"), Verdict(Status.PARTIAL, 0.3, "x"), Verdict.wrong("x"), Verdict.missing(), Verdict.pending("t")]
    out = []
    for i in range(rng.randint(0, 40)):
        manual = rng.random() < 0.4
        score = ManualScore(round(rng.uniform(0, 3), 2)) if manual and rng.random() < 0.5 else None
        out.append(item(f"q{i % 6}.i{i}", rng.choice(verdicts[4:] if manual else verdicts[:4]), round(rng.uniform(0.1, 3), 1),
                        bonus=rng.random() < 0.2, manual=manual, manual_score=score))
    return tuple(out)


@pytest.mark.parametrize("seed", range(12))
def test_one_pass_totals_equal_the_plain_sums(seed):
    items = _mixed_items(seed)
    r = SubmissionResult("s", "hw4", "f.yaml", items)
    plain = lambda values: round(sum(values), 6)  # noqa: E731
    assert r.auto_points == plain(i.points for i in items if not i.manual and not i.bonus)
    assert r.manual_points == plain(i.points for i in items if i.manual and not i.bonus)
    assert r.bonus_points == plain(i.points for i in items if i.bonus)
    assert r.pending_points == plain(i.max_points for i in items if i.pending)
    assert r.max_points == plain(i.max_points for i in items if not i.bonus)
    assert r.max_bonus == plain(i.max_points for i in items if i.bonus)
    assert r.raw_total == plain(i.points for i in items)
