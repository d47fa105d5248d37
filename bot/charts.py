"""PNG charts with matplotlib's object API (Agg canvas: no display, no pyplot state).

Draws a core ``Picture``: panels of labelled horizontal bars with their values written on them.
"""

from __future__ import annotations

import math
from pathlib import Path

from matplotlib.figure import Figure

from bot.core.pictures import Panel, Picture

COLORS = ("#4a7bd0", "#5bb381", "#e07a5f", "#f2b134")
ROW_INCHES = 0.42


def figure(picture: Picture) -> Figure:
    """The picture as a matplotlib Figure (two panels per row, values on the bars)."""
    columns = 1 if len(picture.panels) == 1 else 2
    rows = math.ceil(len(picture.panels) / columns)
    tallest = max((len(p.bars) for p in picture.panels), default=1)
    height = 1.0 + rows * (0.9 + ROW_INCHES * max(tallest, 2))
    fig = Figure(figsize=(7.5 * columns, height), dpi=100)
    fig.suptitle(picture.title, fontsize=15, fontweight="bold")
    fig.text(0.5, 1 - 0.55 / height, picture.subtitle, ha="center", fontsize=10, color="#555")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for n, (ax, panel) in enumerate(zip(axes, picture.panels, strict=False)):
        _panel(ax, panel, COLORS[n % len(COLORS)])
    for ax in axes[len(picture.panels) :]:
        ax.set_visible(False)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.6 / height))
    return fig


def _panel(ax: object, panel: Panel, color: str) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    ax.set_title(panel.title, loc="left", fontsize=11, fontweight="bold")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if not panel.bars:
        ax.text(0.5, 0.5, panel.empty, ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
        ax.set_yticks([])
        return
    labels = [b.label for b in panel.bars]
    values = [b.value for b in panel.bars]
    top = panel.limit or max(values) or 1.0
    positions = range(len(labels))
    ax.barh(positions, values, color=color, height=0.6)
    ax.set_yticks(list(positions), labels, fontsize=9)
    ax.invert_yaxis()  # first bar on top, as people read a list
    ax.set_xlim(0, top * 1.35)
    ax.set_xticks([])
    for y, bar in zip(positions, panel.bars, strict=True):
        ax.text(bar.value + top * 0.02, y, bar.text, va="center", fontsize=9, color="#222")


def draw(path: Path, picture: Picture) -> Path:
    """Save the picture as a PNG at ``path``."""
    fig = figure(picture)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", bbox_inches="tight")
    return path


progress_chart = draw
"""The ChartDrawer the app wires in (name kept for existing imports)."""
