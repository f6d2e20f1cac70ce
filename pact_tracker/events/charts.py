"""Snapshot charts: horizontal bar charts drawn on the server as SVG with matplotlib.

The same SVG serves the page (as an ``<img>``, so the page's Content Security
Policy needs no inline style) and the PDF report (WeasyPrint draws SVG). The
output is deterministic: fixed ids (``svg.hashsalt``), no creation date in the
metadata, and text kept as text (``svg.fonttype = none``) so that it stays
searchable and takes the reader's fonts.
"""

import io
from dataclasses import dataclass

from flask_babel import gettext as _

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
    # Imported here, where a chart is drawn: matplotlib is some 40 MB in every web
    # process that loads it, and most processes never draw a chart.
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

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


def breakdown_chart(rows: list[tuple], *, counted: bool) -> str:
    """A breakdown's chart: its groups' average progress, or their commitments if ``counted``.

    :param rows: ``[(exports.Group, SnapshotAggregate)]`` in the order to draw.
    """
    axis_label = _("Commitments") if counted else _("Average progress (%)")
    if len(rows) > MAX_BARS:
        # Too many groups to draw (countries): the largest, and the chart says so.
        rows = sorted(rows, key=lambda pair: -pair[1].commitments)[:MAX_BARS]
        more = _("the %(num)s groups with the most commitments", num=MAX_BARS)
        axis_label = f"{axis_label} · {more}"
    bars = []
    for group, row in rows:
        average = row.average_percent
        if counted:
            value, note = row.commitments, str(row.commitments)
        elif average is None:
            value, note = 0, _("no progress reported · %(count)s", count=row.commitments)
        else:
            value = average
            note = _("%(percent)s %% · %(count)s", percent=round(average, 1), count=row.commitments)
        bars.append(Bar(group.label, value, note, group.colour or DEFAULT_COLOUR))
    return bar_chart_svg(
        bars,
        axis_label=axis_label,
        percent=not counted,
        empty_text=_("No commitment in this snapshot."),
    )


def _shorten(label: str, length: int = 38) -> str:
    return label if len(label) <= length else label[: length - 1].rstrip() + "…"
