"""On each published line's dispatch date, the roll call of the existing dispatch flows
starts: a quota allocation (a NominationFlow per unit) or a named roll call (a
DispatchFlow per cadre), and a named roll call of the partner's nominees. Run daily by
`manage.py start_plan_roll_calls` (cron) or the Celery beat task
`planning.start_plan_roll_calls`."""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from audit.services import change
from dispatch import services as dispatch_services
from dispatch.flows import RollCallFlow
from dispatch.models import RollCallMode
from dispatch.services.rollcall import class_start_moment
from planning.models import LineMode, PlanLine, PlanStatus
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


def _issue(line, caller, mode, *, cadres=(), allocations=(), partner=None):
    """A roll call of the line's class through RollCallFlow's start, issued by the
    plan's dispatcher (checked again by dispatch's service)."""
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
    """Start the line's roll calls; mark the line (audited) in the same transaction."""
    caller = line.plan.created_by
    roll_calls = []
    with transaction.atomic():
        line = PlanLine.objects.select_for_update(of=("self",)).get(pk=line.pk)
        if line.roll_call_started_at is not None or _changes_pending(line).exists():
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
            roll_call_started_at=timezone.now(),
        )
    return roll_calls


def start_due_roll_calls(today: dt.date | None = None) -> int:
    """Start every due line's roll calls, each line in its own transaction; a line that
    fails is logged and tried again on the next run. Returns the lines started."""
    today = today or timezone.localdate()
    started = 0
    for line in due_lines(today):
        try:
            if start_line_roll_calls(line):
                started += 1
        except Exception:
            logger.exception("plan line %s: the roll call could not be started", line.pk)
    return started
