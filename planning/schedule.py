"""On each published line's dispatch date, the roll call of the existing dispatch flows
starts: a quota allocation (a NominationFlow per unit) or a named roll call (a
DispatchFlow per cadre), and a named roll call of the partner's nominees. Run daily by
`manage.py start_plan_roll_calls` (cron) or the Celery beat task
`planning.start_plan_roll_calls`."""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from audit.services import change
from dispatch import services as dispatch_services
from dispatch.flows import RollCallFlow
from dispatch.models import RollCallMode
from dispatch.services.rollcall import class_start_moment
from notifications.models import Event
from notifications.services import notify
from org import selectors as org_selectors
from org.policy import DISPATCHER_PERMISSION
from planning import policy
from planning.models import LineMode, PlanLine, PlanStatus, RollCallRefusal
from workflow.runtime import start_process_as

logger = logging.getLogger(__name__)

#: how long units have to answer a plan's roll call (at the latest an hour before the class)
RESPONSE_DAYS = 7


def _changes_pending(line):
    """Changes of `line` (a published line, or a reference to one) in a newer version
    not yet published."""
    return PlanLine.objects.active().filter(
        carried_from=line,
        changed_at__isnull=False,
        plan__status__in=(PlanStatus.DRAFT, PlanStatus.CONSULTATION, PlanStatus.RETURNED),
    )


def due_lines(today: dt.date):
    """Published lines whose dispatch date has come and whose roll call has not started.
    A line changed in a newer version not yet published waits for it: its roll call
    then starts from the changed line, on the changed dispatch date."""
    return (
        PlanLine.objects.active()
        .filter(
            plan__status=PlanStatus.PUBLISHED,
            dispatch_date__lte=today,
            roll_call_started_at__isnull=True,
            training_class__isnull=False,
            training_class__start_date__gt=today,
        )
        .exclude(Exists(_changes_pending(OuterRef("pk"))))
        .select_related("plan__created_by", "training_class__organizer__unit")
        .prefetch_related("allocations__unit", "named_cadres", "partner_nominations__cadre")
        .order_by("dispatch_date", "pk")
    )


def response_deadline(training_class) -> dt.datetime:
    return min(
        timezone.now() + dt.timedelta(days=RESPONSE_DAYS),
        class_start_moment(training_class) - dt.timedelta(hours=1),
    )


def _nearness(user, unit) -> int:
    """The depth of `user`'s nearest dispatcher grant covering `unit`: a department's own
    dispatchers come before those of the departments above it."""
    roots = org_selectors.grant_roots(user).get(DISPATCHER_PERMISSION, ())
    return max((len(path) for _pk, path in roots if unit.path.startswith(path)), default=0)


def roll_call_issuer(line):
    """Who issues the line's roll calls: the plan's author while they may; else, of the
    dispatchers who may, the nearest to the department, then the lowest pk; None when
    nobody may."""
    author = line.plan.created_by
    if policy.may_issue_line(author, line):
        return author
    root = line.plan.org_department.jurisdiction
    reaching = org_selectors.users_reaching(root, DISPATCHER_PERMISSION).order_by("pk")
    candidates = [user for user in reaching if policy.may_issue_line(user, line)]
    return min(candidates, key=lambda user: (-_nearness(user, root), user.pk), default=None)


def _refuse(line, refusal):
    """The line's roll call cannot start: the line says why (audited when the reason
    changes), and the department's dispatchers and head hear of it once each. The line
    stays due, so the next run tries again while its class has not started."""
    if line.roll_call_refusal != refusal:
        change(
            actor=None,
            instance=line,
            verb="plan.line_dispatch_refused",
            note=f"author:{line.plan.created_by_id}",
            roll_call_refusal=refusal,
        )
    root = line.plan.org_department.jurisdiction
    recipients = [
        *org_selectors.users_reaching(root, DISPATCHER_PERMISSION),
        *org_selectors.users_reaching(root, "approve_as_org_department"),
    ]
    if not recipients:
        logger.warning("plan line %s: nobody to tell that its roll call has not started", line.pk)
    notify(
        event=Event.ESCALATION,
        recipients=recipients,
        key=f"plan-line:{line.pk}:not-started:{refusal}",
        template="planning/events/line_not_started.txt",
        context={"line_name": line.name, "plan": str(line.plan), "due": line.dispatch_date},
        url=reverse("planning:detail", args=[line.plan_id]),
    )


def _issue(line, caller, mode, *, cadres=(), allocations=(), partner=None):
    """A roll call of the line's class through RollCallFlow's start, issued by `caller`
    (`roll_call_issuer`; checked again by dispatch's service)."""
    klass = line.training_class
    return start_process_as(
        RollCallFlow.start,
        caller,
        lambda: dispatch_services.roll_call_issue(
            actor=caller,
            training_class=klass,
            mode=mode,
            response_deadline=response_deadline(klass),
            cadres=cadres,
            allocations=allocations,
            partner=partner,
        ),
    )


def _partner_roll_call(line, caller, cadres):
    """The partner's nominees, named in a roll call of the organizer's class. They lie
    outside the organizer's jurisdiction: the partner's dispatcher chose them in their
    own (`planning.services.partner_nominate`), so dispatch's service checks them
    against the partner's jurisdiction; its other checks (class, deadline, clashes,
    seats) and its audit are those of every roll call."""
    return _issue(line, caller, RollCallMode.NAMED, cadres=cadres, partner=line.partner)


def start_line_roll_calls(line) -> list:
    """Start the line's roll calls as `roll_call_issuer`; mark the line (audited) in the
    same transaction. With nobody to issue them, the line says why (`_refuse`)."""
    roll_calls = []
    with transaction.atomic():
        line = (
            PlanLine.objects.select_for_update(of=("self",))
            .select_related(
                "plan__created_by",
                "plan__org_department__unit",
                "plan__org_department__jurisdiction",
            )
            .get(pk=line.pk)
        )
        if line.roll_call_started_at is not None or _changes_pending(line).exists():
            return []
        caller = roll_call_issuer(line)
        if caller is None:
            logger.warning("plan line %s: no dispatcher may issue its roll call", line.pk)
            _refuse(line, RollCallRefusal.NO_ISSUER)
            return []
        if line.mode == LineMode.QUOTA:
            allocations = [(a.unit, a.seats) for a in line.allocations.select_related("unit")]
            roll_calls.append(_issue(line, caller, RollCallMode.QUOTA, allocations=allocations))
        else:
            cadres = list(line.named_cadres.select_related("unit"))
            roll_calls.append(_issue(line, caller, RollCallMode.NAMED, cadres=cadres))
        partners = [n.cadre for n in line.partner_nominations.select_related("cadre__unit")]
        if partners:
            roll_calls.append(_partner_roll_call(line, caller, partners))
        change(
            actor=None,
            instance=line,
            verb="plan.line_dispatch",
            # the plan's author, or who issued the roll calls in their stead
            note="" if caller.pk == line.plan.created_by_id else f"issuer:{caller.pk}",
            roll_call_started_at=timezone.now(),
            roll_call_refusal="",
        )
    return roll_calls


def start_due_roll_calls(today: dt.date | None = None) -> int:
    """Start every due line's roll calls, each line in its own transaction; a line that
    fails (or that nobody may issue) is logged and tried again on the next run, while
    its class has not started. Returns the lines started."""
    today = today or timezone.localdate()
    started = 0
    for line in due_lines(today):
        try:
            if start_line_roll_calls(line):
                started += 1
        except Exception:
            logger.exception("plan line %s: the roll call could not be started", line.pk)
    return started
