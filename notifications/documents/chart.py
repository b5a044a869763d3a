"""The geometry of a horizontal bar chart (`BarChart`), in points, for `_bar_chart.svg`.

A label longer than its column is wrapped between words onto as many lines as it needs
(its row grows), never cut at the left edge; the label column is as wide as the longest
label needs, within bounds, so short names leave the bars their room.

An SVG is a replaced box that WeasyPrint never splits: a chart taller than the room left
on its page is pushed to the next page (leaving the attachment's heading alone behind)
and then runs past the type area over the page number. So a chart is drawn as pieces of
at most a page each (`pieces`), every one with the chart's title and the same label
column, scale and axis, so the bars of later pages line up with the first."""

from __future__ import annotations

from notifications.documents.context import BarChart
from notifications.documents.page import LINE, TITLE_CHARS, TITLE_LINE, TYPE_HEIGHT
from notifications.documents.words import balanced_lines, set_width

LABEL_SIZE = 10.5  # 五号
VALUE_SIZE = 9.0  # a bar's value
LABEL_LINE = 13.0
LABEL_MIN, LABEL_MAX = 60.0, 150.0  # the label column's width, points
BAR_H, ROW_MIN = 13.0, 22.0  # a bar, a row
TITLE_SIZE, TITLE_PITCH = 14.0, 18.0  # the chart's title, wrapped like a label
TOP = 30.0  # the band above the bars that holds a title of one line
AXIS = 20.0  # the tick labels under the bars

# A piece may fill its page: the chart's bottom margin is dropped at a page break.
SLACK = 2.0  # rounding in WeasyPrint's layout
PAGE_ROOM = TYPE_HEIGHT - SLACK
# The first piece shares its page with an attachment's heading: 附件N on the first line,
# then a title with a blank line above and below it, of two lines at most unless it
# is the chart's own title and needs more (the circular's 附件2 is titled like its chart).
FIRST_ROOM = PAGE_ROOM - 3 * LINE - 2 * TITLE_LINE


def label_lines(label: str, width: float) -> list[str]:
    """`label` in lines of at most `width` points of 10.5 pt text."""
    return balanced_lines(str(label), width / LABEL_SIZE - 0.1)


def _rows(chart: BarChart, label_w: float) -> list[tuple[str, float, list[str], float]]:
    """(label, value, label lines, row height) of every bar."""
    rows = []
    for label, value in chart.bars:
        lines = label_lines(label, label_w)
        rows.append((label, value, lines, max(ROW_MIN, len(lines) * LABEL_LINE + 9)))
    return rows


def first_room(title: str) -> float:
    """The room for the first piece under an attachment heading titled `title`."""
    lines = len(balanced_lines(str(title), TITLE_CHARS))
    return FIRST_ROOM - max(0, lines - 2) * TITLE_LINE


def title_lines(title: str, width: float) -> list[str]:
    """The chart's title in lines that fit its width (centred, never past the edges)."""
    return balanced_lines(str(title), width / TITLE_SIZE - 0.1)


def split_rows(
    heights: list[float], first: float = FIRST_ROOM, room: float = PAGE_ROOM, top: float = TOP
):
    """`heights` (the bars' rows, in order) cut into runs that each fit a piece: the
    first at most `first` points high with its title band (`top`) and axis, the others
    `room`. A run holds at least one bar, and a chart without bars is one empty piece."""
    runs: list[list[int]] = [[]]
    used, limit = top + AXIS, first
    for k, height in enumerate(heights):
        if runs[-1] and used + height > limit:
            runs.append([])
            used, limit = top + AXIS, room
        runs[-1].append(k)
        used += height
    return runs


def _piece(chart: BarChart, rows: list, frame: dict) -> dict:
    """One piece's geometry: `rows` drawn on the chart's common `frame`."""
    x0, plot_w, maximum = frame["x0"], frame["plot_w"], frame["maximum"]
    width, top = frame["width"], frame["top"]
    bars = []
    y_row = top
    for label, value, lines, row in rows:
        y = y_row + (row - BAR_H) / 2
        w = max(0.0, min(float(value), maximum)) / maximum * plot_w
        first = y + BAR_H - 3 - (len(lines) - 1) * LABEL_LINE / 2
        shown = f"{float(value):.1f}{chart.unit}"
        bars.append(
            {
                "label": label,
                "lines": [
                    {"text": line, "y": f"{first + k * LABEL_LINE:.2f}"}
                    for k, line in enumerate(lines)
                ],
                "value": shown,
                # paper behind the value: a grid line stops at it, never strikes it through
                "value_box_x": f"{x0 + w + 2:.2f}",
                "value_box_w": f"{set_width(shown) * VALUE_SIZE + 4:.2f}",
                "y": f"{y:.2f}",
                "w": f"{w:.2f}",
                "text_y": f"{y + BAR_H - 3:.2f}",
                "value_x": f"{x0 + w + 4:.2f}",
            }
        )
        y_row += row
    bottom = y_row
    ticks = [
        {"x": f"{x0 + plot_w * k / 5:.2f}", "label": f"{maximum * k / 5:g}{chart.unit}"}
        for k in range(6)
    ]
    return {
        "title_lines": frame["title_lines"],
        "width": f"{width:.2f}",
        "height": f"{bottom + AXIS:.2f}",
        "center": f"{width / 2:.2f}",
        "top": f"{top:.2f}",
        "bottom": f"{bottom:.2f}",
        "tick_y": f"{bottom + 12:.2f}",
        "label_x": f"{frame['label_w']:.2f}",
        "x0": f"{x0:.2f}",
        "bar_h": f"{BAR_H:.2f}",
        "bars": bars,
        "ticks": ticks,
    }


def chart_geometry(chart: BarChart, width: float) -> dict:
    """The chart's `pieces`, each the geometry of one SVG of at most a page (see the
    module's docstring), in the order they are printed."""
    widest = max((set_width(str(label)) * LABEL_SIZE for label, _ in chart.bars), default=0)
    label_w = min(LABEL_MAX, max(LABEL_MIN, widest + 2))
    x0 = label_w + 8
    titled = title_lines(chart.title, width)
    frame = {
        "title_lines": [
            {"text": line, "y": f"{16 + k * TITLE_PITCH:.2f}"} for k, line in enumerate(titled)
        ],
        "top": TOP + (len(titled) - 1) * TITLE_PITCH,
        "width": width,
        "label_w": label_w,
        "x0": x0,
        "plot_w": width - x0 - 44,
        "maximum": chart.maximum or max((v for _, v in chart.bars), default=1) or 1,
    }
    rows = _rows(chart, label_w)
    runs = split_rows([row[3] for row in rows], first_room(chart.title), top=frame["top"])
    return {
        "type": "chart",
        "title": chart.title,
        "pieces": [_piece(chart, [rows[k] for k in run], frame) for run in runs],
    }
