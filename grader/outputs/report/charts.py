"""The class summary's score histogram, as geometry for an inline SVG template (`_histogram.svg`).

It used to be drawn by matplotlib; importing matplotlib took 0.8 s of the 2 s a re-grade after
one TA score may take, for a chart of a few dozen rectangles. Pure standard library: the bars,
ticks and labels are computed here, the template only writes them out, WeasyPrint draws them
(text in the bundled fonts, like the rest of the page).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

BIN = 5.0  # points per bar
WIDTH, HEIGHT = 640.0, 210.0  # the SVG's user units (its width is the page's text width)
LEFT, RIGHT, TOP, BOTTOM = 44.0, 12.0, 10.0, 38.0  # room for axis labels


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    low: float
    high: float
    count: int


@dataclass(frozen=True)
class Tick:
    at: float  # x (or y) in user units
    label: str


@dataclass(frozen=True)
class Histogram:
    width: float
    height: float
    left: float
    top: float
    plot_width: float
    plot_height: float
    bars: tuple[Bar, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    max_line: float | None  # x of the dashed line at the maximum score (without bonus)
    empty: bool


def _label(value: float) -> str:
    return f"{value:g}"


def bin_counts(totals: Sequence[float], top: float) -> list[int]:
    """Submissions per bin [0, 5), [5, 10), ... with the maximum in the last bin (like numpy's
    histogram, whose last bin is closed); a negative total (penalties) counts in the first."""
    n = max(1, int(round(top / BIN)))
    counts = [0] * n
    for total in totals:
        index = min(max(int(math.floor(total / BIN)), 0), n - 1)
        counts[index] += 1
    return counts


def _y_step(highest: int) -> int:
    """An integer tick step giving at most 6 steps: 1, 2, 5, 10, 20, 50, ..."""
    step, k = 1, 0
    while highest / step > 6:
        step = int(step * (2, 2.5, 2)[k % 3])
        k += 1
    return step


def histogram(totals: Sequence[float], total_max: float, bonus_max: float = 0.0) -> Histogram:
    """The distribution of total scores in bins of 5 points from 0 to the maximum (with bonus)."""
    top = max(total_max + bonus_max, max(totals, default=0.0), BIN)
    top = BIN * math.ceil(top / BIN)
    counts = bin_counts(totals, top)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    highest = max(counts, default=0)
    step = _y_step(max(highest, 1))
    y_top = max(step * math.ceil(max(highest, 1) / step), 1)

    def x_of(points: float) -> float:
        return round(LEFT + plot_w * points / top, 2)

    def y_of(count: float) -> float:
        return round(TOP + plot_h * (1 - count / y_top), 2)

    bars = []
    for i, count in enumerate(counts):
        if count:
            x0, x1 = x_of(i * BIN), x_of((i + 1) * BIN)
            bars.append(Bar(x0 + 0.6, y_of(count), round(x1 - x0 - 1.2, 2), round(TOP + plot_h - y_of(count), 2), i * BIN, (i + 1) * BIN, count))
    edges = [i * BIN for i in range(len(counts) + 1)]
    every = 2 if len(edges) <= 24 else 4
    return Histogram(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        top=TOP,
        plot_width=plot_w,
        plot_height=plot_h,
        bars=tuple(bars),
        x_ticks=tuple(Tick(x_of(e), _label(e)) for e in edges[::every]),
        y_ticks=tuple(Tick(y_of(c), str(c)) for c in range(0, y_top + 1, step)),
        max_line=x_of(total_max) if total_max and total_max < top else None,
        empty=not totals,
    )
