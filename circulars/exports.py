"""A circular's figures when downloaded from its task pages (see `core.exports`): one line
per unit as tables 1 and 2 print them, then the total line; rates as percentages
(numbers, one decimal, as the pages and the PDF print them: `core.formatting.percent`)."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from circulars import lines as circular_lines
from core.exports import NUMBER, Column
from core.formatting import percent


def _line(row) -> dict:
    rates = circular_lines.rate_counts(row)
    return {**row, **{key: percent(*counts) for key, counts in rates.items()}}


def figure_rows(circular) -> list[dict]:
    """The circular's unit lines and the total line, as the task pages show them."""
    rows = circular_lines.circular_rows(circular.figures)
    if not rows:
        return []
    total = circular_lines.total_line(rows)
    total["unit"] = pgettext("circular column", "Total")
    return [_line(row) for row in [*rows, total]]


def _count(key, label):
    return Column(pgettext_lazy("circular column", label), lambda r: r[key], NUMBER, width=8)


def _rate(key, label):
    header = format_lazy("{}（%）", pgettext_lazy("circular column", label))
    return Column(header, lambda r: r[key], NUMBER, width=10)


FIGURES = [
    Column(gettext_lazy("Unit"), lambda r: r["unit"], width=28),
    _count("named", "Named"),
    _count("attended", "Attended"),
    _count("leave", "Leave"),
    _count("deferred", "Deferred"),
    _count("exempt", "Exempt"),
    _count("absent", "Absent without approval"),
    _count("withdrawn", "Withdrawn"),
    _count("in_progress", "In progress"),
    _rate("attendance_rate", "Attendance rate"),
    _count("makeup_owed", "Makeup owed"),
    _count("makeup_overdue", "Makeup overdue"),
    _count("notified", "Notified"),
    _count("acknowledged", "Acknowledged"),
    _rate("ack_rate", "Acknowledgement rate"),
    _rate("compliance_rate", "Hours-compliance rate"),
]
