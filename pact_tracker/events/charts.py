"""Snapshot charts: horizontal bar charts drawn on the server as SVG with matplotlib.

The same SVG serves the page (as an ``<img>``, so the page's Content Security
Policy needs no inline style) and the PDF report (WeasyPrint draws SVG). The
output is deterministic: fixed ids (``svg.hashsalt``), no creation date in the
metadata, and text kept as text (``svg.fonttype = none``) so that it stays
searchable and takes the reader's fonts.
"""

import io
from dataclasses import dataclass

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

#: Most bars in one chart; the page's tables have every group.
MAX_BARS = 20
#: The bars' colour when the group has none of its own (SDG goals have theirs).
DEFAULT_COLOUR = "#2b6cb0"
_STYLE = {
    "svg.hashsalt": "pact-tracker",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 9,
}


@dataclass(frozen=True)
class Bar:
    label: str
    #: The bar's length: an average percentage (0-100) or a count.
    value: float
    #: Text written at the end of the bar.
    note: str
    colour: str = DEFAULT_COLOUR


def bar_chart_svg(bars: list[Bar], *, axis_label: str, percent: bool, empty_text: str) -> str:
    """A horizontal bar chart as an SVG document (text), the first bar on top."""
    if len(bars) > MAX_BARS:
        raise ValueError(f"at most {MAX_BARS} bars in a chart")
    with matplotlib.rc_context(_STYLE):
        height = 0.8 + 0.32 * max(len(bars), 1)
        figure = Figure(figsize=(7.5, height), layout="constrained")
        FigureCanvasSVG(figure)
        axes = figure.add_subplot()
        if not bars:
            axes.set_axis_off()
            axes.text(0.5, 0.5, empty_text, ha="center", va="center", transform=axes.transAxes)
        else:
            positions = range(len(bars))
            values = [bar.value for bar in bars]
            axes.barh(positions, values, color=[bar.colour for bar in bars], height=0.7, zorder=2)
            axes.set_yticks(list(positions), [_shorten(bar.label) for bar in bars])
            axes.invert_yaxis()
            top = 100 if percent else max(max(values), 1)
            axes.set_xlim(0, top * 1.18)
            if not percent:
                axes.xaxis.set_major_locator(MaxNLocator(integer=True))
            for position, bar in zip(positions, bars, strict=True):
                axes.text(
                    bar.value + top * 0.01, position, bar.note, va="center", fontsize=8, zorder=3
                )
            axes.set_xlabel(axis_label)
            axes.grid(axis="x", color="#dddddd", zorder=0)
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def _shorten(label: str, length: int = 38) -> str:
    return label if len(label) <= length else label[: length - 1].rstrip() + "…"
