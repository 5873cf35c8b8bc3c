"""The summary histogram's geometry: bins, bar heights, ticks, the maximum line."""

from __future__ import annotations

import itertools

import pytest

from grader.outputs.report.charts import BIN, HEIGHT, WIDTH, _y_step, bin_counts, histogram


@pytest.mark.parametrize(
    ("totals", "top", "expected"),
    [
        ([], 10, [0, 0]),
        ([0, 4.99, 5, 9.5], 10, [2, 2]),
        ([10], 10, [0, 1]),  # the maximum counts in the last bin (closed, like numpy)
        ([-3, 0.5], 10, [2, 0]),  # a total below 0 (penalties) in the first bin
        ([52, 56.5, 110], 110, [0] * 10 + [1, 1] + [0] * 9 + [1]),
    ],
)
def test_bin_counts(totals, top, expected):
    assert bin_counts(totals, top) == expected


@pytest.mark.parametrize(("highest", "step"), [(1, 1), (6, 1), (7, 2), (12, 2), (13, 5), (30, 5), (31, 10), (61, 20), (301, 100)])
def test_y_step(highest, step):
    assert _y_step(highest) == step


def test_histogram_geometry():
    h = histogram([12, 13, 14, 47.5, 100, 104], total_max=100, bonus_max=10)
    assert (h.width, h.height) == (WIDTH, HEIGHT) and not h.empty
    assert [(b.low, b.high, b.count) for b in h.bars] == [(10, 15, 3), (45, 50, 1), (100, 105, 2)]
    tall, short = h.bars[0], h.bars[1]
    assert tall.y + tall.height == pytest.approx(h.top + h.plot_height)  # bars stand on the axis
    assert tall.height == pytest.approx(3 * short.height)
    assert [t.label for t in h.x_ticks] == [str(10 * i) for i in range(12)]  # 0..110 every 10
    assert [t.label for t in h.y_ticks] == ["0", "1", "2", "3"]
    assert h.x_ticks[0].at == h.left and h.x_ticks[-1].at == pytest.approx(h.left + h.plot_width)
    # the dashed line at 100 of 110 points
    assert h.max_line == pytest.approx(h.left + h.plot_width * 100 / 110, abs=0.01)
    # bars never overlap and stay inside the plot
    for a, b in itertools.pairwise(h.bars):
        assert a.x + a.width < b.x
    assert all(h.left <= b.x and b.x + b.width <= h.left + h.plot_width for b in h.bars)


def test_histogram_without_submissions():
    h = histogram([], total_max=100)
    assert h.empty and h.bars == () and len(h.x_ticks) == int(100 / BIN / 2) + 1
