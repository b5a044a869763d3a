"""The plan-against-actual table as a spreadsheet (see `core.exports`)."""

from django.utils.translation import gettext_lazy as _

from core.exports import DATE, NUMBER, Column

ACTUAL_COLUMNS = [
    Column(_("Training class"), lambda r: r["class"], width=28),
    Column(_("Start date"), lambda r: r["start_date"], DATE),
    Column(_("Unit"), lambda r: r["unit"], width=24),
    Column(_("Planned seats"), lambda r: r["planned"], NUMBER, width=8),
    Column(_("Named"), lambda r: r["named"], NUMBER, width=8),
    Column(_("Attended"), lambda r: r["attended"], NUMBER, width=8),
    Column(_("Gap"), lambda r: r["gap"], NUMBER, width=8),
]
