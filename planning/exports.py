"""The plan's lists as spreadsheets (see `core.exports`): the plans in reach and the seats
offered to the user's department (the list page's two tables), the plan's classes (the
lines, as the plan page shows them) and the plan-against-actual table."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.exports import DATE, NUMBER, Column, choice
from planning.documents import target_categories_label


def _mode(line) -> str:
    label = str(line.get_mode_display())
    return f"{label}（{line.named}）" if line.mode == "named" else label


def _allocations(line) -> str:
    return "、".join(f"{a.unit.name} {a.seats}" for a in line.allocations.all())


def _waiver(line) -> str:
    waiver = getattr(line, "waiver", None)  # a missing one-to-one raises: hasattr's None
    return waiver.reason if waiver else ""


def _partner(line) -> str:
    return f"{line.partner.unit.name} {line.partner_seats}" if line.partner_id else ""


LINE_COLUMNS = [
    Column(_("Class name"), lambda line: line.name, width=28),
    Column(_("Institution"), lambda line: line.institution.unit.name, width=20),
    Column(_("Start date"), lambda line: line.start_date, DATE),
    Column(_("End date"), lambda line: line.end_date, DATE),
    Column(_("Dispatch date"), lambda line: line.dispatch_date, DATE),
    Column(_("Hours"), lambda line: line.hours, NUMBER, width=8),
    Column(_("Seats"), lambda line: line.seats, NUMBER, width=8),
    Column(_("Target cadres"), target_categories_label, width=24),
    Column(_("Mode"), _mode, width=12),
    Column(_("Seats per unit"), _allocations, width=40),
    Column(_("Partner organization department"), _partner, width=20),
    Column(_("Sessions"), lambda line: line.session_count, NUMBER, width=8),
    Column(_("Indicator waiver"), _waiver, width=24),
]

ACTUAL_COLUMNS = [
    Column(_("Training class"), lambda r: r["class"], width=28),
    Column(_("Start date"), lambda r: r["start_date"], DATE),
    Column(_("Unit"), lambda r: r["unit"], width=24),
    Column(_("Planned seats"), lambda r: r["planned"], NUMBER, width=8),
    Column(_("Named"), lambda r: r["named"], NUMBER, width=8),
    Column(_("Attended"), lambda r: r["attended"], NUMBER, width=8),
    Column(_("Gap"), lambda r: r["gap"], NUMBER, width=8),
]


PLAN_COLUMNS = [
    Column(_("Title"), lambda plan: plan.title, width=36),
    Column(_("Organization department"), lambda plan: plan.org_department.unit.name, width=24),
    Column(_("Year"), lambda plan: plan.year, NUMBER, width=8),
    Column(_("Version"), lambda plan: plan.version, NUMBER, width=8),
    Column(_("Status"), choice("status"), width=10),
]

OFFERED_COLUMNS = [
    Column(_("Training class"), lambda line: line.name, width=28),
    Column(_("Organizer"), lambda line: line.plan.org_department.unit.name, width=24),
    Column(_("Offered to"), lambda line: line.partner.unit.name, width=24),
    Column(_("Start date"), lambda line: line.start_date, DATE),
    Column(_("Dispatch date"), lambda line: line.dispatch_date, DATE),
    Column(_("Seats offered to the partner"), lambda line: line.partner_seats, NUMBER, width=8),
    Column(_("Nominated"), lambda line: line.nominated, NUMBER, width=8),
]


def plan_list_table(user, table: str | None, plans):
    """One of the plan list's two tables — `table` "offered" (every line offering seats
    to a department whose dispatcher the user is; the page shows the first 100), or else
    `plans`, the page's own list of the plans in reach: its rows, columns, file name and
    ASCII file name."""
    from planning import selectors

    if table == "offered":
        rows = selectors.offered_lines(user)
        return (
            rows,
            OFFERED_COLUMNS,
            gettext("Seats offered to the departments you dispatch for"),
            "offered-seats",
        )
    return plans, PLAN_COLUMNS, gettext("Dispatch plans"), "plans"
