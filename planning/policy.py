"""Who may do what on a dispatch plan, and the rules a plan line must keep."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from dispatch.teaching import teaching_shortfalls
from org.models import UnitKind
from org.policy import may, require_any

#: days before the report date a line's roll call starts, unless the line says otherwise
DEFAULT_DISPATCH_DAYS = 30


def dispatch_days() -> int:
    return getattr(settings, "XUNDIAO_PLAN_DISPATCH_DAYS", DEFAULT_DISPATCH_DAYS)


def default_dispatch_date(report_date: dt.date) -> dt.date:
    """A line's dispatch date when none is given: the report date less
    `XUNDIAO_PLAN_DISPATCH_DAYS` (30) days."""
    return report_date - dt.timedelta(days=dispatch_days())


def require_drafter(user, plan) -> None:
    """The plan's department's dispatchers draft it."""
    require_any(user, ("issue_dispatch",), plan.org_department.unit)


def may_draft(user, plan) -> bool:
    return may(user, "issue_dispatch", plan.org_department.unit)


def require_approver(user, plan) -> None:
    """The org department head decides the plan and waives indicators."""
    require_any(user, ("approve_as_org_department",), plan.org_department.jurisdiction)


def may_approve(user, plan) -> bool:
    return may(user, "approve_as_org_department", plan.org_department.jurisdiction)


def consultation_permission(unit) -> str:
    """An institution answers through its registrar, a unit through its head."""
    return "record_attendance" if unit.kind == UnitKind.INSTITUTION else "approve_as_head"


def require_consultee(user, consultation) -> None:
    if not may(user, consultation_permission(consultation.unit), consultation.unit):
        raise PermissionDenied(_("This consultation is not yours to answer."))


def require_partner_dispatcher(user, line) -> None:
    """The partner department's dispatchers nominate into the seats offered to it."""
    if line.partner_id is None:
        raise PermissionDenied(_("This class offers no seats to a partner."))
    require_any(user, ("issue_dispatch",), line.partner.unit)


def in_jurisdiction(unit, root) -> bool:
    return unit.path.startswith(root.path)


def overlapping_seats(institution, start, end, *, plan, exclude_line=None) -> int:
    """Seats of the plan lines at `institution` whose dates overlap [start, end]: this
    plan's lines and those of other departments' or years' plans in force (a plan's own
    earlier versions are not counted twice)."""
    from planning.models import PlanLine, PlanStatus

    lines = PlanLine.objects.filter(
        institution=institution, start_date__lte=end, end_date__gte=start
    ).filter(
        Q(plan=plan)
        | (
            ~Q(plan__status=PlanStatus.SUPERSEDED)
            & ~Q(plan__org_department=plan.org_department, plan__year=plan.year)
        )
    )
    if exclude_line is not None:
        lines = lines.exclude(pk=exclude_line.pk)
    return lines.aggregate(n=Sum("seats"))["n"] or 0


def line_shortfalls(line, sessions=None, rules=None):
    """The teaching indicators the line's planned curriculum misses (on its start)."""
    sessions = list(line.sessions.all()) if sessions is None else sessions
    return teaching_shortfalls(sessions, line.hours, on=line.start_date, rules=rules)
