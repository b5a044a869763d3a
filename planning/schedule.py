"""On each published line's dispatch date, the roll call of the existing dispatch flows
starts: a quota allocation (a NominationFlow per unit) or a named roll call (a
DispatchFlow per cadre), and a named roll call of the partner's nominees. Run daily by
`manage.py start_plan_roll_calls` (cron) or the Celery beat task
`planning.start_plan_roll_calls`."""

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from audit.services import change
from core.deadlines import deadline_in
from dispatch import services as dispatch_services
from dispatch.flows import RollCallFlow
from dispatch.models import RollCallMode
from notifications.models import Event
from notifications.services import notify
from org import selectors as org_selectors
from org.policy import DISPATCHER_PERMISSION
from planning import policy
from planning.lines import change_withdraw, lock_plan
from planning.models import LineMode, Plan, PlanLine, PlanStatus, RollCallRefusal
from workflow.runtime import start_process_as

logger = logging.getLogger(__name__)

#: how long units have to answer a plan's roll call (at the latest the day before the class)
RESPONSE_DAYS = 7

#: what the department hears: nobody may issue the roll call; dispatch refused it; a
#: change drafted in a newer version was withdrawn as the published line started
NOT_STARTED_TEMPLATE = "planning/events/line_not_started.txt"
REFUSED_TEMPLATE = "planning/events/line_refused.txt"
WITHDRAWN_TEMPLATE = "planning/events/line_change_withdrawn.txt"


def _changes_pending(line):
    """Changes of `line` (a published line) in a newer version not yet published."""
    return PlanLine.objects.active().filter(
        carried_from=line,
        changed_at__isnull=False,
        plan__status__in=(PlanStatus.DRAFT, PlanStatus.CONSULTATION, PlanStatus.RETURNED),
    )


def due_lines(today: dt.date):
    """Published lines whose dispatch date has come and whose roll call has not started.
    A change of the line drafted in a newer version not yet published does not hold it
    back: the published line is what is in force, and its roll call starts on its
    dispatch date (the change, which can then no longer be applied, is withdrawn from
    the draft: `start_line_roll_calls`). Published first, the changed line is the one
    that starts, on its own dispatch date."""
    return (
        PlanLine.objects.active()
        .filter(
            plan__status=PlanStatus.PUBLISHED,
            dispatch_date__lte=today,
            roll_call_started_at__isnull=True,
            training_class__isnull=False,
            training_class__start_date__gt=today,
            training_class__cancelled_at__isnull=True,
        )
        .select_related("plan__created_by", "training_class__organizer__unit")
        .prefetch_related("allocations__unit", "named_cadres", "partner_nominations__cadre")
        .order_by("dispatch_date", "pk")
    )


def response_deadline(training_class) -> dt.datetime:
    """18:00 a week on, at the latest 18:00 the day before the class (`deadline_in`)."""
    return deadline_in(RESPONSE_DAYS, eve_of=training_class.start_date)


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


def _tell(line, *, key, template, context, plan_id=None):
    """The department's dispatchers and head hear about the line (once per `key`), with
    a link to its plan (or to the version `plan_id`)."""
    root = line.plan.org_department.jurisdiction
    recipients = [
        *org_selectors.users_reaching(root, DISPATCHER_PERMISSION),
        *org_selectors.users_reaching(root, "approve_as_org_department"),
    ]
    if not recipients:
        logger.warning("plan line %s: nobody to tell about its roll call", line.pk)
    notify(
        event=Event.ESCALATION,
        recipients=recipients,
        key=key,
        template=template,
        context={
            "line_name": line.name,
            "plan": str(line.plan),
            "due": line.dispatch_date,
            **context,
        },
        url=reverse("planning:detail", args=[plan_id or line.plan_id]),
    )


def _refuse(line, refusal, detail: str = ""):
    """The line's roll call cannot start: the line says why (audited when the reason
    changes) — with nobody to issue it (`NO_ISSUER`), or refused by dispatch
    (`REFUSED`, what it was refused for in `detail`) — and the department's dispatchers
    and head hear of it once per reason. The line stays due, so the next run tries
    again while its class has not started."""
    if (line.roll_call_refusal, line.roll_call_refusal_detail) != (refusal, detail):
        change(
            actor=None,
            instance=line,
            verb="plan.line_dispatch_refused",
            note=f"author:{line.plan.created_by_id}",
            roll_call_refusal=refusal,
            roll_call_refusal_detail=detail,
        )
    if refusal == RollCallRefusal.NO_ISSUER:
        key, template = f"plan-line:{line.pk}:not-started:{refusal}", NOT_STARTED_TEMPLATE
    else:
        digest = hashlib.sha256(detail.encode()).hexdigest()[:16]
        key, template = f"plan-line:{line.pk}:not-started:{refusal}:{digest}", REFUSED_TEMPLATE
    _tell(line, key=key, template=template, context={"reason": detail})


def _message(exc) -> str:
    """What dispatch refused the roll call for, in words."""
    if isinstance(exc, ValidationError):
        return "；".join(dict.fromkeys(str(m) for m in exc.messages))
    return str(exc) or str(RollCallRefusal.REFUSED.label)


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
    same transaction. With nobody to issue them, or refused by dispatch (a cadre named
    no longer free, …), nothing is issued and the line says why (`_refuse`). A change
    of the line drafted in a newer version not yet published is withdrawn from it
    (`planning.lines.change_withdraw`), and the dispatchers told."""
    for _attempt in range(3):
        started = _start(line)
        if started is not _AGAIN:
            return started
    logger.warning("plan line %s: its versions kept changing; tried again next run", line.pk)
    return []


#: `_start` met a change of the line drafted meanwhile in a version it had not locked
_AGAIN = object()


def _start(line):
    with transaction.atomic():
        # The drafts changing the line first, then the line: the order `line_change`
        # locks them in (a draft version, its line, the published line).
        drafts = sorted(set(_changes_pending(line).values_list("plan", flat=True)))
        for plan_id in drafts:
            lock_plan(Plan(pk=plan_id))
        pending = list(
            _changes_pending(line).select_for_update(of=("self",)).select_related("plan")
        )
        line = (
            PlanLine.objects.select_for_update(of=("self",))
            .select_related(
                "plan__created_by",
                "plan__org_department__unit",
                "plan__org_department__jurisdiction",
            )
            .get(pk=line.pk)
        )
        if (
            line.roll_call_started_at is not None
            or line.removed_at is not None
            or line.plan.status != PlanStatus.PUBLISHED
        ):
            return []
        if _changes_pending(line).exclude(plan__in=drafts).exists():
            return _AGAIN  # drafted meanwhile in a version not locked: lock it first
        caller = roll_call_issuer(line)
        if caller is None:
            logger.warning("plan line %s: no dispatcher may issue its roll call", line.pk)
            _refuse(line, RollCallRefusal.NO_ISSUER)
            return []
        try:
            # dispatch's refusals in the site's language: they are kept on the line
            with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
                roll_calls = _issue_all(line, caller)
        except (ValidationError, PermissionDenied) as exc:
            with translation.override(settings.LANGUAGE_CODE):
                detail = _message(exc)
            logger.warning("plan line %s: the roll call was refused: %s", line.pk, detail)
            _refuse(line, RollCallRefusal.REFUSED, detail)
            return []
        change(
            actor=None,
            instance=line,
            verb="plan.line_dispatch",
            # the plan's author, or who issued the roll calls in their stead
            note="" if caller.pk == line.plan.created_by_id else f"issuer:{caller.pk}",
            roll_call_started_at=timezone.now(),
            roll_call_refusal="",
            roll_call_refusal_detail="",
        )
        for changed in pending:
            change_withdraw(changed, line)
            _tell(
                line,
                key=f"plan-line:{changed.pk}:change-withdrawn",
                template=WITHDRAWN_TEMPLATE,
                context={"draft": str(changed.plan)},
                plan_id=changed.plan_id,
            )
    return roll_calls


def _issue_all(line, caller) -> list:
    """The line's roll call, and the partner's nominees' one."""
    roll_calls = []
    if line.mode == LineMode.QUOTA:
        allocations = [(a.unit, a.seats) for a in line.allocations.select_related("unit")]
        roll_calls.append(_issue(line, caller, RollCallMode.QUOTA, allocations=allocations))
    else:
        cadres = list(line.named_cadres.select_related("unit"))
        roll_calls.append(_issue(line, caller, RollCallMode.NAMED, cadres=cadres))
    partners = [n.cadre for n in line.partner_nominations.select_related("cadre__unit")]
    if partners:
        roll_calls.append(_partner_roll_call(line, caller, partners))
    return roll_calls


def start_due_roll_calls(today: dt.date | None = None, *, plan_id: int | None = None) -> int:
    """Start every due line's roll calls (of the plan `plan_id` only, when given), each
    line in its own transaction; a line that fails (or that nobody may issue) is logged
    and tried again on the next run, while its class has not started. Returns the lines
    started."""
    today = today or timezone.localdate()
    lines = due_lines(today)
    if plan_id is not None:
        lines = lines.filter(plan_id=plan_id)
    started = 0
    for line in lines:
        try:
            if start_line_roll_calls(line):
                started += 1
        except Exception:
            logger.exception("plan line %s: the roll call could not be started", line.pk)
    return started
