"""Charts as PNG bytes: horizontal bars per unit, every label in the bundled CJK font.

matplotlib's object API with the Agg canvas (no pyplot, no global state), so charts can be drawn
in a worker thread (``asyncio.to_thread``) while the bot goes on.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reports.fonts import cjk_font

COLOURS = ("#1f6fb2", "#e07b22", "#c0392b", "#2e8b57")


@dataclass(frozen=True, slots=True)
class Panel:
    """One chart panel: a title, a label per bar group (top to bottom) and named series of values."""

    title: str
    labels: Sequence[str]
    series: Sequence[tuple[str, Sequence[float]]]
    limit: float | None = None  # the value axis's end (100 for scores), or automatic


def bar_chart(title: str, panels: Sequence[Panel]) -> bytes:
    """A PNG of the panels side by side under a title."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    font = cjk_font()
    rows = max((len(p.labels) for p in panels), default=1)
    figure = Figure(figsize=(6.4 * len(panels), max(3.0, 1.2 + 0.42 * rows * max(len(p.series) for p in panels))),
                    dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title, fontproperties=font, fontsize=14)
    for index, panel in enumerate(panels):
        axes = figure.add_subplot(1, len(panels), index + 1)
        count = max(len(panel.series), 1)
        height = 0.8 / count
        for number, (name, values) in enumerate(panel.series):
            positions = [i + (number - (count - 1) / 2) * height for i in range(len(panel.labels))]
            bars = axes.barh(positions, list(values), height=height, label=name, color=COLOURS[number % len(COLOURS)])
            axes.bar_label(bars, labels=[_number(v) for v in values], padding=2, fontproperties=font, fontsize=8)
        axes.set_yticks(range(len(panel.labels)), list(panel.labels))
        axes.invert_yaxis()
        axes.set_title(panel.title, fontproperties=font, fontsize=12)
        if panel.limit is not None:
            axes.set_xlim(0, panel.limit * 1.12)
        else:
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        for label in (*axes.get_yticklabels(), *axes.get_xticklabels()):
            label.set_fontproperties(font)
        if len(panel.series) > 1:
            axes.legend(prop=font, fontsize=8, loc="lower right")
        axes.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
