"""A circular's figures when downloaded from its task pages (see `core.exports`): one line
per unit as tables 1 and 2 print them, then the total line; rates as percentages
(numbers, one decimal)."""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from circulars import services as circular_services
from core.exports import NUMBER, Column


def _percent(value):
    return None if value is None else round(100 * value, 1)


def _line(row) -> dict:
    rates = circular_services.circular_summary({"totals": row})
    return {
        **row,
        "attendance_rate": _percent(rates["attendance_rate"]),
        "ack_rate": _percent(rates["ack_rate"]),
        "compliance_rate": _percent(rates["compliance_rate"]),
    }


def figure_rows(circular) -> list[dict]:
    """The circular's unit lines and the total line, as the task pages show them."""
    rows = circular_services.circular_rows(circular.figures)
    if not rows:
        return []
    total = {k: sum(r[k] for r in rows) for k in rows[0] if k != "unit"}
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
