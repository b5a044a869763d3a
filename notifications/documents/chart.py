"""The geometry of a horizontal bar chart (`BarChart`), in points, for `_bar_chart.svg`.

A label longer than its column is wrapped between words onto as many lines as it needs
(its row grows), never cut at the left edge; the label column is as wide as the longest
label needs, within bounds, so short names leave the bars their room."""

from __future__ import annotations

from notifications.documents.context import BarChart
from notifications.documents.words import balanced_lines, set_width

LABEL_SIZE = 10.5  # 五号
LABEL_LINE = 13.0
LABEL_MIN, LABEL_MAX = 60.0, 150.0  # the label column's width, points


def label_lines(label: str, width: float) -> list[str]:
    """`label` in lines of at most `width` points of 10.5 pt text."""
    return balanced_lines(str(label), width / LABEL_SIZE - 0.1)


def chart_geometry(chart: BarChart, width: float) -> dict:
    widest = max((set_width(str(label)) * LABEL_SIZE for label, _ in chart.bars), default=0)
    label_w = min(LABEL_MAX, max(LABEL_MIN, widest + 2))
    x0 = label_w + 8
    plot_w = width - x0 - 44
    bar_h, top = 13.0, 30.0
    maximum = chart.maximum or max((v for _, v in chart.bars), default=1) or 1
    bars = []
    y_row = top
    for label, value in chart.bars:
        lines = label_lines(label, label_w)
        row = max(22.0, len(lines) * LABEL_LINE + 9)
        y = y_row + (row - bar_h) / 2
        w = max(0.0, min(float(value), maximum)) / maximum * plot_w
        first = y + bar_h - 3 - (len(lines) - 1) * LABEL_LINE / 2
        bars.append(
            {
                "label": label,
                "lines": [
                    {"text": line, "y": f"{first + k * LABEL_LINE:.2f}"}
                    for k, line in enumerate(lines)
                ],
                "value": f"{float(value):.1f}{chart.unit}",
                "y": f"{y:.2f}",
                "w": f"{w:.2f}",
                "text_y": f"{y + bar_h - 3:.2f}",
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
        "type": "chart",
        "title": chart.title,
        "width": f"{width:.2f}",
        "height": f"{bottom + 20:.2f}",
        "center": f"{width / 2:.2f}",
        "top": f"{top:.2f}",
        "bottom": f"{bottom:.2f}",
        "tick_y": f"{bottom + 12:.2f}",
        "label_x": f"{label_w:.2f}",
        "x0": f"{x0:.2f}",
        "bar_h": f"{bar_h:.2f}",
        "bars": bars,
        "ticks": ticks,
    }
