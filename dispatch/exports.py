"""The columns of the dispatch lists when downloaded (see `core.exports`): what each
page shows, with dates as dates and figures as numbers. Cadres' ID numbers, where a list
names them, are masked as on every page (`Cadre.masked_id_number`)."""

from django.utils.translation import gettext_lazy as _

from core.exports import DATE, NUMBER, Column, choice, yes_no

#: The class import (dispatch.imports_classes) reads these headers back: a list exported,
#: edited and imported updates the classes its numbers name.
CLASSES = [
    Column(_("Class number"), lambda c: c.pk, NUMBER, width=8),
    Column(_("Class"), lambda c: c.name, width=30),
    Column(_("Institution"), lambda c: c.institution.unit.name, width=24),
    Column(_("Organizer"), lambda c: c.organizer.unit.name, width=24),
    Column(_("Kind"), choice("kind"), width=12),
    Column(_("start date"), lambda c: c.start_date, DATE, width=12),
    Column(_("end date"), lambda c: c.end_date, DATE, width=12),
    Column(_("Report date"), lambda c: c.report_date, DATE, width=12),
    Column(_("Credit hours"), lambda c: c.credit_hours, NUMBER, width=8),
    Column(_("days"), lambda c: c.days, NUMBER, width=6),
    Column(_("Quota"), lambda c: c.quota, NUMBER, width=6),
    Column(_("location"), lambda c: c.location, width=24),
]

_CADRE = [
    Column(_("Cadre"), lambda d: d.cadre.name, width=12),
    Column(_("ID number"), lambda d: d.cadre.masked_id_number, width=22),
    Column(_("Unit"), lambda d: d.unit.name, width=24),
]

DISPATCHES = [
    *_CADRE,
    Column(_("Training class"), lambda d: d.training_class.name, width=30),
    Column(_("Status"), choice("status"), width=12),
    Column(_("Confirm by"), lambda d: d.confirm_due, DATE, width=17),
    Column(_("Acknowledge by"), lambda d: d.acknowledge_due, DATE, width=17),
    Column(_("Escalated"), lambda d: yes_no(d.escalated), width=6),
]

OVERDUE_APPROVALS = [
    Column(_("Request"), lambda s: s.request.title, width=40),
    Column(_("Authority"), lambda s: s.label, width=24),
    Column(_("Decide by"), lambda s: s.due_at, DATE, width=17),
    Column(_("Escalated"), lambda s: yes_no(s.escalated), width=6),
]

OVERDUE_NOMINATIONS = [
    Column(_("Unit"), lambda a: a.unit.name, width=24),
    Column(_("Training class"), lambda a: a.roll_call.training_class.name, width=30),
    Column(_("Seats"), lambda a: a.seats, NUMBER, width=6),
    Column(_("Response deadline"), lambda a: a.roll_call.response_deadline, DATE, width=17),
]


def overdue_table(user, table: str | None, now):
    """One of the overdue page's three tables — `table` "approvals", "nominations", or
    else the dispatches: its rows, columns, file name and ASCII file name."""
    from django.utils.translation import gettext

    from dispatch import selectors

    if table == "approvals":
        rows = selectors.overdue_approval_steps(user, now)
        return rows, OVERDUE_APPROVALS, gettext("Approval decisions"), "overdue-approvals"
    if table == "nominations":
        rows = selectors.overdue_nominations(user, now)
        return rows, OVERDUE_NOMINATIONS, gettext("Nominations"), "overdue-nominations"
    rows = selectors.overdue_dispatches(user, now)
    return rows, DISPATCHES, gettext("Overdue tasks"), "overdue-dispatches"


#: a class's suggested candidates (`dispatch.suggestions.Suggestion`), as the page lists them
CANDIDATES = [
    Column(_("Name"), lambda s: s.cadre.name, width=12),
    Column(_("Unit"), lambda s: s.cadre.unit.name, width=24),
    Column(_("Position"), lambda s: s.cadre.position, width=20),
    Column(_("Why"), lambda s: "；".join(s.reasons), width=60),
]

ROLL_CALLS = [
    Column(_("Training class"), lambda r: r.training_class.name, width=30),
    Column(_("Mode"), choice("mode"), width=10),
    Column(_("Organization department"), lambda r: r.org_department.unit.name, width=24),
    Column(_("Response deadline"), lambda r: r.response_deadline, DATE, width=17),
    Column(_("Status"), choice("status"), width=10),
]

ROLL_CALL_DISPATCHES = [
    *_CADRE,
    Column(_("Status"), choice("status"), width=12),
    Column(_("Confirm by"), lambda d: d.confirm_due, DATE, width=17),
    Column(_("Acknowledged at"), lambda d: d.acknowledged_at, DATE, width=17),
]


def _acknowledged(dispatch):
    """As the page says it: the moment, "not yet" while notified, or the status."""
    from dispatch.models import DispatchStatus

    if dispatch.acknowledged_at:
        return dispatch.acknowledged_at
    if dispatch.status == DispatchStatus.NOTIFIED:
        return _("not yet")
    return dispatch.get_status_display()


ACKNOWLEDGEMENTS = [
    *_CADRE,
    Column(_("Document number"), lambda d: d.notice_reference, width=24),
    Column(_("Acknowledged at"), _acknowledged, DATE, width=17),
    Column(_("acknowledged from"), lambda d: d.acknowledged_ip, width=16),
]


def _roster_status(dispatch) -> str:
    """The roster's 状态 as its page words it: a dispatch whose attendance task is open
    (`task_id`, annotated by `dispatch.attendance.roster`) awaits the record, whatever
    step it had reached (签收 or not)."""
    if getattr(dispatch, "task_id", None):
        return str(_("Awaiting the attendance record"))
    return dispatch.get_status_display()


#: the class roster (dispatch.attendance.roster's rows), as its page shows them
ATTENDANCE = [
    *_CADRE,
    Column(_("Attendance"), choice("attendance"), width=10),
    Column(_("Hours credited"), lambda d: d.hours_credited, NUMBER, width=8),
    Column(_("Hours of leave during the class"), lambda d: d.leave_hours, NUMBER, width=8),
    Column(_("Status"), _roster_status, width=12),
]

HOURS = [
    Column(_("date"), lambda h: h.date, DATE, width=12),
    Column(_("hours"), lambda h: h.hours, NUMBER, width=8),
    Column(_("Days"), lambda h: h.days, NUMBER, width=6),
    Column(_("kind"), choice("kind"), width=12),
    Column(_("source"), choice("source"), width=14),
    Column(_("Status"), choice("status"), width=10),
    Column(_("note"), lambda h: h.note, width=30),
]

#: the training cycles of leadership-team members and young cadres (rows of
#: `dispatch.leadership.cycle_report`); no ID numbers
CYCLES = [
    Column(_("Name"), lambda r: r.name, width=12),
    Column(_("Unit"), lambda r: r.unit_name, width=24),
    Column(_("Rules applied"), lambda r: "、".join(r.groups), width=22),
    Column(_("Last systematic training ended"), lambda r: r.last_systematic, DATE, width=14),
    Column(_("Concentrated days"), lambda r: r.leader and r.leader.days, NUMBER, width=8),
    Column(_("minimum days"), lambda r: r.min_days, NUMBER, width=8),
    Column(_("Flagged on"), lambda r: r.young and r.young.flagged, DATE, width=12),
    Column(_("Rotate by"), lambda r: r.young and r.young.deadline, DATE, width=12),
    Column(_("Status"), lambda r: "；".join(r.status_labels), width=24),
]
