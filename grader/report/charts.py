"""The class summary's score histogram: matplotlib on the Agg canvas, returned as a data: URI."""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence


def histogram_png(totals: Sequence[float], total_max: float, bonus_max: float = 0.0) -> bytes:
    """PNG bytes of the distribution of total scores, in bins of 5 points from 0 to the maximum."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    top = max(total_max + bonus_max, max(totals, default=0.0), 5.0)
    top = 5.0 * math.ceil(top / 5.0)
    edges = [5.0 * i for i in range(int(top // 5) + 1)]
    fig = Figure(figsize=(6.4, 2.4), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if totals:
        ax.hist(list(totals), bins=edges, color="#4a78b5", edgecolor="white", linewidth=0.8)
    else:
        ax.text(0.5, 0.5, "no submissions", ha="center", va="center", transform=ax.transAxes, color="#777")
    if total_max:
        ax.axvline(total_max, color="#999", linestyle="--", linewidth=0.8)
    ax.set_xlim(0, top)
    ax.set_xticks(edges[:: 2 if len(edges) <= 24 else 4])
    ax.set_xlabel("total points", fontsize=8)
    ax.set_ylabel("submissions", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.yaxis.get_major_locator().set_params(integer=True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
