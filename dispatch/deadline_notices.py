"""What follows from a due moment in the dispatch domain: the reminders before it and the
escalations after it — of a dispatch's confirmation or acknowledgement, of a unit's
nomination, of a makeup — and the candidates of the `send_reminders` sweep. Built on the
shared pieces of `dispatch.notices` (recipients, links).

A subject names the cadre whenever its recipient is not the cadre, and the notice to
acknowledge by its name: the trainee's 入学通知, or 补训通知 for a makeup (the roll call's
调训通知 goes to the units and is never acknowledged).
"""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import format_date
from core.i18n import in_site_language
from dispatch import grouped_notices
from dispatch.notices import (
    acknowledge_task_urls,
    dispatchers,
    group_of,
    heads,
    liaisons,
    process_urls,
    record_url,
    trainee_or_liaisons,
)
from dispatch.policy import classes_begun
from dispatch.step_subjects import overdue_step_subject, step_subject, trainee_acts
from notifications.models import Event
from notifications.reminders import offsets as reminder_offsets
from notifications.reminders import reminder_due
from notifications.services import Entry, notify, notify_each


def _notice_issued_at(dispatch):
    """When the dispatch's acknowledgement window opened: its notice was issued, or later
    a request made at 签收 was refused (None before the notice)."""
    from notifications.models import IssuedDocument

    if not dispatch.notice_reference:
        return None
    issued = (
        IssuedDocument.objects.filter(document_number=dispatch.notice_reference)
        .values_list("issued_at", flat=True)
        .first()
    )
    return _later(issued, refusals_at([dispatch.pk]).get(dispatch.pk))


def _later(*moments):
    moments = [m for m in moments if m is not None]
    return max(moments) if moments else None


def refusals_at(dispatch_ids) -> dict:
    """{dispatch id: when its latest request was refused} (one query): a request made at
    签收 and refused reopens the acknowledgement by a new due moment, from then."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Max

    from audit.models import AuditEvent
    from dispatch.models import Dispatch

    ids = [str(pk) for pk in dispatch_ids]
    if not ids:
        return {}
    rows = (
        AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(Dispatch),
            target_id__in=ids,
            verb="dispatch.request_refused",
        )
        .values("target_id")
        .annotate(at=Max("created_at"))
    )
    return {int(row["target_id"]): row["at"] for row in rows}


def window_opened(dispatches) -> list:
    """The dispatches (annotated with `notice_issued_at`), each with `notice_issued_at`
    moved to a later refusal of a request made at 签收: the moment its acknowledgement
    window opened, from which its reminder slots count."""
    dispatches = list(dispatches)
    refused = refusals_at([d.pk for d in dispatches])
    for dispatch in dispatches:
        dispatch.notice_issued_at = _later(dispatch.notice_issued_at, refused.get(dispatch.pk))
    return dispatches


def _step_url(dispatch, step: str, process_url=None, task_url=None) -> str:
    """Where a reminder of `step` leads: the trainee to their acknowledgement task; the
    unit's liaisons to the dispatch's process page (looked up unless given)."""
    if trainee_acts(dispatch, step):
        if task_url is None:
            task_url = acknowledge_task_urls([dispatch]).get(dispatch.pk)
        return task_url or record_url(dispatch.cadre_id)
    if process_url is None:
        process_url = process_urls([dispatch]).get(dispatch.pk)
    return process_url or record_url(dispatch.cadre_id)


def step_key(dispatch, step: str) -> str:
    """The key of a round of a dispatch's `step`, one per due moment (a confirmation
    reopened after a refused request has a new one): each round notifies once."""
    due = dispatch.confirm_due if step == "confirm" else dispatch.acknowledge_due
    round_ = due.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ") if due else "open"
    return f"dispatch:{dispatch.pk}:{step}:{round_}"


def reminder(dispatch, step: str, due):
    """Before a due moment: the unit (confirmation) or the trainee (acknowledgement).
    Only reminder slots still ahead when the step began count (confirmation: the
    dispatch's creation; acknowledgement: the notice); when none is due, nothing is sent."""
    since = dispatch.created_at if step == "confirm" else _notice_issued_at(dispatch)
    slot = reminder_due(due, since=since)
    if slot is None and reminder_offsets():
        return  # no slot due (past the due moment, or every slot preceded the step)
    if on_behalf_in_roll_call(dispatch, step):
        # the liaisons hear once of every notice of the roll call they still acknowledge
        pairs = [
            (d, grouped_notices.item(d, d.acknowledge_due))
            for d in _acknowledgements_on_behalf(dispatch.roll_call, timezone.now(), slot)
        ]
        grouped_notices.remind(dispatch.roll_call, step, pairs, due=due, slot=slot)
        return
    recipients = liaisons(dispatch.unit) if step == "confirm" else trainee_or_liaisons(dispatch)
    subject = step_subject(dispatch, step)
    notify(
        event=Event.REMINDER,
        recipients=recipients,
        key=f"{step_key(dispatch, step)}:{slot.key_suffix if slot else 'due'}",
        context={
            "subject": subject,
            "due": timezone.localtime(due),
            "days_left": slot.offset_days if slot else 0,
        },
        url=_step_url(dispatch, step),
        group=group_of(dispatch),
    )


def escalated(dispatch, step: str):
    """Past due: the dispatchers of the roll call's department (or the cadre's) — for the
    acknowledgements of a roll call's notices, one message naming every one overdue."""
    if step == "acknowledge" and dispatch.roll_call_id:
        roll_call = dispatch.roll_call
        overdue = _open_acknowledgements(roll_call, timezone.now()).filter(
            acknowledge_due__lte=timezone.now()
        )
        pairs = [(d, grouped_notices.item(d, d.acknowledge_due)) for d in overdue]
        grouped_notices.escalate(roll_call, step, pairs, due=dispatch.acknowledge_due)
        return
    department = (
        dispatch.roll_call.org_department
        if dispatch.roll_call_id
        else dispatch.cadre.managing_org_department
    )
    due = dispatch.confirm_due if step == "confirm" else dispatch.acknowledge_due
    notify(
        event=Event.ESCALATION,
        recipients=dispatchers(department),
        key=f"{step_key(dispatch, step)}:escalated",
        context={
            "subject": overdue_step_subject(dispatch, step),
            "cadre_name": dispatch.cadre.name,
            "unit_name": dispatch.unit.name,
            "due": timezone.localtime(due) if due else "",
        },
        url=process_urls([dispatch]).get(dispatch.pk, "/dispatches/overdue/"),
    )


@in_site_language
def _makeup_subject(makeup) -> str:
    return _("Makeup training of %(cadre_name)s") % {"cadre_name": makeup.cadre.name}


def on_behalf_in_roll_call(dispatch, step: str) -> bool:
    """A roll call's notice the unit's liaisons acknowledge for a cadre without an account:
    they are reminded of all such notices of the roll call at once."""
    return (
        step == "acknowledge" and bool(dispatch.roll_call_id) and not trainee_acts(dispatch, step)
    )


def _open_acknowledgements(roll_call, now):
    """The roll call's notices still to acknowledge, classes not begun (a query), with the
    moment each notice was issued (`notice_issued_at`)."""
    from django.db.models import OuterRef, Subquery

    from dispatch.models import Dispatch, DispatchStatus
    from notifications.models import IssuedDocument

    issued_at = IssuedDocument.objects.filter(document_number=OuterRef("notice_reference"))
    return (
        Dispatch.objects.filter(roll_call=roll_call, status=DispatchStatus.NOTIFIED)
        .exclude(classes_begun(timezone.localdate(now)))
        .annotate(notice_issued_at=Subquery(issued_at.values("issued_at")[:1]))
        .select_related("cadre__user", "unit", "training_class")
        .order_by("pk")
    )


def _acknowledgements_on_behalf(roll_call, now, slot):
    """The roll call's open notices acknowledged on behalf whose reminder `slot` is due
    by `now` (every one due, when reminders are off: `slot` None)."""
    due = []
    open_ = _open_acknowledgements(roll_call, now).filter(acknowledge_due__gt=now)
    for dispatch in window_opened(open_):
        if trainee_acts(dispatch, "acknowledge"):
            continue
        own = reminder_due(dispatch.acknowledge_due, now, dispatch.notice_issued_at)
        if (own.key_suffix if own else None) == (slot.key_suffix if slot else None):
            due.append(dispatch)
    return due


def _scheduled_classes(makeups) -> dict[int, str]:
    """{makeup pk: the class it is scheduled into, its latest not cancelled} (a query)."""
    from dispatch.models import Dispatch

    scheduled = (
        Dispatch.objects.filter(makes_up__in=[m.pk for m in makeups])
        .exclude(status="cancelled")
        .select_related("training_class")
        .order_by("id")
    )
    return {d.makes_up_id: d.training_class.name for d in scheduled}


def makeups_escalated(makeups):
    """Makeups past their due date escalated together (`services.makeup_escalate`): each
    dispatcher of a cadre's managing department, and each head and liaison of the unit a
    makeup is counted against, hears of all of theirs in ONE message — of one makeup as
    `makeup_escalated` says it, of several as a count and a line each (a dispatcher who
    is also the unit's liaison, once, as a dispatcher)."""
    if len(makeups) == 1:
        makeup_escalated(makeups[0])
        return
    scheduled = _scheduled_classes(makeups)
    to_department: dict = {}
    to_unit: dict = {}
    department_people: dict = {}  # one query per department and per unit, not per makeup
    unit_people: dict = {}
    for makeup in makeups:
        department = makeup.cadre.managing_org_department
        if department.pk not in department_people:
            department_people[department.pk] = dispatchers(department)
        for user in department_people[department.pk]:
            to_department.setdefault(user, []).append(makeup)
        unit = makeup.source.unit
        if unit.pk not in unit_people:
            unit_people[unit.pk] = list({u.pk: u for u in heads(unit) + liaisons(unit)}.values())
        for user in unit_people[unit.pk]:
            if user not in department_people[department.pk]:
                to_unit.setdefault(user, []).append(makeup)
    key = f"makeup:escalated:{makeups[0].pk}"
    notify_each(
        event=Event.ESCALATION,
        template="notifications/events/makeups_escalated.txt",
        entries=[
            *(
                _several_escalated(u, f"{key}:department", m, scheduled, reverse("task_list"))
                for u, m in to_department.items()
            ),
            *(
                _several_escalated(u, f"{key}:unit", m, scheduled, reverse("dispatch_list"))
                for u, m in to_unit.items()
            ),
        ],
    )


@in_site_language
def _several_escalated(user, key, makeups, scheduled, list_url) -> Entry:
    lines = []
    for makeup in makeups:
        line = _("%(cadre_name)s (%(unit_name)s): %(class_name)s, due %(due)s") % {
            "cadre_name": makeup.cadre.name,
            "unit_name": makeup.source.unit.name,
            "class_name": makeup.source.training_class.name,
            "due": format_date(makeup.due_date),
        }
        if makeup.pk in scheduled:
            line += _("; scheduled: %(makeup_class)s") % {"makeup_class": scheduled[makeup.pk]}
        lines.append(line)
    if len(makeups) == 1:
        makeup = makeups[0]
        url = process_urls([makeup]).get(makeup.pk) if key.endswith(":department") else None
        list_url = url or record_url(makeup.cadre_id)
    return Entry(user, key, {"count": len(makeups), "lines": lines}, list_url)


def makeup_escalated(makeup):
    """A makeup past its due date and not attended: the dispatchers of the cadre's managing
    department (who schedule it) and the heads and liaisons of the unit it is counted
    against; it will be named in the next circular."""
    dispatch = makeup.source
    context = {
        "subject": _makeup_subject(makeup),
        "cadre_name": makeup.cadre.name,
        "unit_name": dispatch.unit.name,
        "class_name": dispatch.training_class.name,
        "makeup_class": _scheduled_classes([makeup]).get(makeup.pk, ""),
        "due": makeup.due_date,
    }
    notify(
        event=Event.ESCALATION,
        recipients=dispatchers(makeup.cadre.managing_org_department),
        key=f"makeup:{makeup.pk}:escalated",
        context=context,
        url=process_urls([makeup]).get(makeup.pk) or record_url(makeup.cadre_id),
    )
    unit = {user.pk: user for user in heads(dispatch.unit) + liaisons(dispatch.unit)}
    notify(
        event=Event.ESCALATION,
        recipients=list(unit.values()),
        key=f"makeup:{makeup.pk}:escalated:unit",
        context=context,
        template="notifications/events/makeup_escalated.txt",
        url=record_url(makeup.cadre_id),
    )
