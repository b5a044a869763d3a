"""Who may do what on a dispatch plan, and the rules a plan line must keep."""

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, Q, Sum, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.policy import require_not_own
from audit.models import AuditEvent
from dispatch.policy import may_issue_roll_call
from dispatch.teaching import teaching_shortfalls
from org.models import OrgDepartment, UnitKind
from org.policy import DISPATCHER_PERMISSION, may, require_any
from planning.models import IndicatorWaiver, Plan, PlanLine, PlanStatus

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


def plan_drafters(plan) -> set[int]:
    """Who drafted this version of the plan: who started it, added, changed or removed its
    classes, or submitted it, in any round (from the audit trail)."""
    return drafters_of_plans([plan])[plan.pk]


def drafters_of_plans(plans) -> dict[int, set[int]]:
    """`plan_drafters` of several plans, in two queries ({plan id: user ids})."""
    types = ContentType.objects.get_for_models(Plan, PlanLine)
    line_plan = {
        str(pk): plan_id
        for pk, plan_id in PlanLine.objects.filter(plan__in=plans).values_list("pk", "plan_id")
    }
    drafters = {plan.pk: {plan.created_by_id} - {None} for plan in plans}
    events = AuditEvent.objects.filter(
        Q(target_type=types[Plan], target_id__in=[str(p.pk) for p in plans], verb="plan.submit")
        | Q(
            target_type=types[PlanLine],
            target_id__in=list(line_plan),
            verb__in=("plan.line_add", "plan.line_change", "plan.line_replace", "plan.line_remove"),
        ),
        actor__isnull=False,
    ).values_list("target_type", "target_id", "actor")
    for target_type, target_id, actor in events:
        plan_id = int(target_id) if target_type == types[Plan].pk else line_plan[target_id]
        drafters[plan_id].add(actor)
    return drafters


def require_approver(user, plan) -> None:
    """The org department head decides the plan and waives indicators — never one of its
    drafters, even holding the head's role too (回避, `approvals.policy.require_not_own`)."""
    require_any(user, ("approve_as_org_department",), plan.org_department.jurisdiction)
    require_not_own_drafter(user, plan)


def require_not_own_drafter(user, plan) -> None:
    """`approvals.policy.require_not_own` for the plan's drafters (the approval step's
    guard, `workflow.nodes.RecusingView`)."""
    require_not_own(user, plan_drafters(plan))


def may_approve(user, plan) -> bool:
    return may(user, "approve_as_org_department", plan.org_department.jurisdiction)


def consultation_permission(unit) -> str:
    """An institution answers through its registrar, an organization department (the
    partner offered seats, 对口支援) through its dispatchers, any other unit through its
    head. The consultation's task is scoped to the consultee's unit, so the partner's
    dispatcher reaches it from their own jurisdiction: not the plan, nor its other
    consultations."""
    if unit.kind == UnitKind.INSTITUTION:
        return "record_attendance"
    if unit.kind == UnitKind.ORG_DEPARTMENT:
        return "issue_dispatch"
    return "approve_as_head"


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


def partner_refusal(plan, partner) -> str | None:
    """Why `partner` cannot be offered seats in `plan` (对口支援), or None: a partner
    lies outside the plan's department's jurisdiction, and its own jurisdiction neither
    holds the plan's (a superior department: the city's, for a county's plan) nor lies
    within it (subtrees of the unit tree either nest or are apart)."""
    root = plan.org_department.jurisdiction
    if (
        in_jurisdiction(partner.unit, root)
        or in_jurisdiction(partner.jurisdiction, root)
        or in_jurisdiction(root, partner.jurisdiction)
    ):
        return _(
            "The partner department must lie outside the plan's jurisdiction, and the plan's "
            "department outside the partner's."
        )
    return None


def partner_choices(plan):
    """The organization departments `partner_refusal` does not refuse for `plan`: the
    form's list offers those only. One query."""
    root = plan.org_department.jurisdiction
    # The paths holding the plan's root (its own and its ancestors'): "1/", "1/4/" …
    holding = [root.path[: i + 1] for i, ch in enumerate(root.path) if ch == "/"]
    return (
        OrgDepartment.objects.exclude(unit__path__startswith=root.path)
        .exclude(jurisdiction__path__startswith=root.path)
        .exclude(jurisdiction__path__in=holding)
        .select_related("unit")
        .order_by("unit__path")
    )


def planned_seats(institution, start, end, *, plan=None, exclude_line=None, exclude_classes=()):
    """What plans hold at `institution` on dates overlapping [start, end], for
    `dispatch.capacity` (registered from the AppConfig): the seats of the lines of `plan`
    and of the plans of other departments or years — every plan's, when no plan is being
    drafted — (each plan's latest version only, so a line and its carried copy are not
    counted twice; removed lines not at all), and the classes made from the counted
    lines, which the lines count whatever their dates and institution now say (a change
    of the line not yet published moves it or resizes it) — but not the lines of
    `exclude_classes`, which the caller counts itself."""
    counted_lines = _counted_lines(plan)
    lines = counted_lines.filter(institution=institution, start_date__lte=end, end_date__gte=start)
    if exclude_line is not None:
        lines = lines.exclude(pk=exclude_line.pk)
    if exclude_classes:
        lines = lines.exclude(training_class__in=exclude_classes)
    seats = lines.aggregate(n=Sum(_held_seats()))["n"] or 0
    return seats, counted_lines.filter(training_class__isnull=False).values("training_class")


def planned_bookings(institution, since):
    """`planned_seats` line by line, for `dispatch.capacity.peak_taken` (registered from
    the AppConfig): ([(start, end, seats)] of the counted lines at `institution` ending
    on or after `since`, the classes made from counted lines)."""
    counted_lines = _counted_lines()
    lines = counted_lines.filter(institution=institution, end_date__gte=since)
    bookings = list(
        lines.annotate(held=_held_seats()).values_list("start_date", "end_date", "held")
    )
    return bookings, counted_lines.filter(training_class__isnull=False).values("training_class")


def _counted_lines(plan=None):
    """The lines plans hold seats with (see `planned_seats`)."""
    from planning.models import PlanStatus

    latest = ~Q(status=PlanStatus.SUPERSEDED) & Q(next_version__isnull=True)
    if plan is not None:
        latest = Q(pk=plan.pk) | (latest & ~Q(org_department=plan.org_department, year=plan.year))
    return PlanLine.objects.active().filter(plan__in=Plan.objects.filter(latest))


def _held_seats():
    # A line made into a class counts the larger of its seats and the class's quota (a
    # class enlarged past its line, on the class page or by an import, holds those seats
    # too) — unless the line itself was changed in this version: then its seats are what
    # the class will be once the version is published.
    return Case(
        When(changed_at__isnull=False, then=F("seats")),
        default=Greatest("seats", Coalesce("training_class__quota", 0)),
    )


def plan_holds(class_ids) -> dict[int, str]:
    """{class id: its plan} of the classes among `class_ids` made from a published line
    whose roll call has not started and will (the class has not started): the line, and
    its dispatch date, hold the class's dates; a new version of the plan moves them.
    For `dispatch.services.classes` (registered from the AppConfig)."""
    from planning.models import PlanStatus

    lines = PlanLine.objects.active().filter(
        plan__status=PlanStatus.PUBLISHED,
        roll_call_started_at__isnull=True,
        training_class__in=class_ids,
        training_class__start_date__gt=timezone.localdate(),
    )
    return {line.training_class_id: str(line.plan) for line in lines.select_related("plan")}


def class_waiver(training_class) -> str | None:
    """The reason of the waiver granted the plan line `training_class` was made from
    (its latest version's), or None. For `dispatch.teaching` (registered from the
    AppConfig): the class page shows the indicators missed as waived."""
    waiver = (
        IndicatorWaiver.objects.filter(line__training_class=training_class)
        .order_by("-line__plan__version", "-pk")
        .values_list("reason", flat=True)
        .first()
    )
    return waiver


def class_basis(training_class) -> str:
    """What the notices of `training_class` cite as its basis: the published plan its
    line was made in (the latest version holding it), with the plan's document number
    when it was issued as one — 根据《青山县2027年度干部调训计划》（青组通〔2026〕1号）; ""
    for a class no published plan holds. For `dispatch.documents` (registered from the
    AppConfig)."""
    from notifications.models import IssuedDocument

    plan = (
        Plan.objects.filter(
            lines__training_class=training_class,
            status__in=[PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED],
        )
        .order_by("-version", "-pk")
        .first()
    )
    if plan is None:
        return ""
    number = (
        IssuedDocument.objects.filter(pk=plan.document_id)
        .values_list("document_number", flat=True)
        .first()
    )
    return f"根据《{plan.title}》" + (f"（{number}）" if number else "")


def class_target_categories(training_class) -> list[str]:
    """The 调训对象 of the plan line `training_class` was made from (its latest
    version's), or []. For `dispatch.targets` (registered from the AppConfig)."""
    targets = (
        PlanLine.objects.active()
        .filter(training_class=training_class)
        .order_by("-plan__version", "-pk")
        .values_list("target_categories", flat=True)
        .first()
    )
    return list(targets or ())


def line_shortfalls(line, sessions=None, rules=None):
    """The teaching indicators the line's planned curriculum misses (on its start)."""
    sessions = list(line.sessions.all()) if sessions is None else sessions
    return teaching_shortfalls(sessions, line.hours, on=line.start_date, rules=rules)


def line_dispatched(line) -> bool:
    """Whether the line's class has been dispatched: its roll call started (on this line
    or on the published line it was carried from), or the class has a roll call or a
    dispatch of any origin. Read from the `dispatched` annotation when the selector made
    one (`planning.selectors.plan_lines`)."""
    annotated = getattr(line, "dispatched", None)
    if annotated is not None:
        return bool(annotated)
    from dispatch.models import Dispatch, RollCall
    from planning.models import PlanLine

    if line.roll_call_started_at is not None:
        return True
    if (
        line.carried_from_id
        and PlanLine.objects.filter(
            pk=line.carried_from_id, roll_call_started_at__isnull=False
        ).exists()
    ):
        return True
    if line.training_class_id is None:
        return False
    return (
        RollCall.objects.filter(training_class_id=line.training_class_id).exists()
        or Dispatch.objects.filter(training_class_id=line.training_class_id).exists()
    )


def gone_refusal(line) -> str:
    """Why a line no longer counting in its plan cannot be acted on: replaced by a
    change (someone else changed it meanwhile; the page shown is stale), or removed."""
    if line.replaced_by_id is not None:
        return _("This class has been changed by someone else: please refresh and try again.")
    return _("This class is no longer in the plan.")


#: the plans whose lines are drafted: a draft, or one returned by the head
EDITABLE = (PlanStatus.DRAFT, PlanStatus.RETURNED)


def plan_edit_refusal(plan) -> str | None:
    """Why the plan's lines cannot be added to or changed now (it is neither a draft nor
    returned), or None. The one rule of the service, the pages and `line_refusal`."""
    if plan.status not in EDITABLE:
        return _("Only a draft or returned plan can be changed.")
    return None


def line_refusal(line, *, removing: bool = False) -> str | None:
    """Why the line cannot be changed (or, `removing`, removed) now; None when it can.
    Lines of a draft or returned plan may be; in a new version of a published plan, a
    carried line too while its class has not been dispatched — removed, its class is
    called off when the version is published (`planning.publishing`), so not once it
    has begun."""
    if refusal := plan_edit_refusal(line.plan):
        return refusal
    if line.removed_at is not None:
        return gone_refusal(line)
    if line.training_class_id is not None or line.carried_from_id is not None:
        if line_dispatched(line):
            return _(
                "The roll call of this class has already started: it can no longer be "
                "changed or removed."
            )
        klass = line.training_class if line.training_class_id is not None else None
        if removing and klass is not None and klass.start_date <= timezone.localdate():
            return _(
                "The class has already started or finished: it can no longer be removed "
                "from the plan."
            )
    return None


def may_issue_line(user, line) -> bool:
    """May `user` issue the line's roll calls: a dispatcher (RollCallFlow's start, which
    wants an active account) of the plan's department, over its whole jurisdiction, where
    the line's units and cadres lie (dispatch's service checks each of them again)."""
    return (
        may_issue_roll_call(user)
        and may_draft(user, line.plan)
        and may(user, DISPATCHER_PERMISSION, line.plan.org_department.jurisdiction)
    )
