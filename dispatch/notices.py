"""Who hears about what in the dispatch domain, through `notifications.notify`.

Each function is called inside the transaction of the business change it announces, with
a key that names the event, so a retried step never notifies anyone twice. Recipients
are chosen by jurisdiction: the people whose grants cover the unit concerned.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from core.i18n import in_site_language
from notifications.models import Event
from notifications.reminders import offsets as reminder_offsets
from notifications.reminders import reminder_due
from notifications.services import close_acknowledgements, notify
from org import selectors as org_selectors
from workflow import links


def _NAME_SEPARATOR() -> str:  # noqa: N802 — reads like the constant it stands for
    """Between names in a list (、 in Chinese), in the active language."""
    return pgettext("between names in a list", ", ")


def liaisons(unit):
    return list(org_selectors.users_reaching(unit, "act_as_liaison"))


def heads(unit):
    return list(org_selectors.users_reaching(unit, "approve_as_head"))


def dispatchers(org_department):
    return list(org_selectors.users_reaching(org_department.jurisdiction, "issue_dispatch"))


def trainee_or_liaisons(dispatch):
    """The trainee with an account hears it themself; otherwise the unit's liaisons do."""
    user = dispatch.cadre.user
    return [user] if user is not None and user.is_active else liaisons(dispatch.unit)


@in_site_language
def step_subject(dispatch, step: str) -> str:
    """What a reminder asks for: confirming attendance or acknowledging the notice."""
    if step == "confirm":
        return _("Confirm that %(cadre_name)s attends %(class_name)s") % {
            "cadre_name": dispatch.cadre.name,
            "class_name": dispatch.training_class.name,
        }
    return _("Acknowledge the dispatch notice for %(class_name)s") % {
        "class_name": dispatch.training_class.name
    }


@in_site_language
def overdue_step_subject(dispatch, step: str) -> str:
    """What an escalation is about: whose confirmation or acknowledgement is overdue."""
    if step == "confirm":
        return _("Attendance confirmation for %(cadre_name)s") % {"cadre_name": dispatch.cadre.name}
    return _("Notice acknowledgement for %(cadre_name)s") % {"cadre_name": dispatch.cadre.name}


def class_context(training_class) -> dict:
    return {
        "class_name": training_class.name,
        "start": training_class.start_date,
        "end": training_class.end_date,
        "location": training_class.location,
    }


def _dispatch_context(dispatch) -> dict:
    return {
        "cadre_name": dispatch.cadre.name,
        "unit_name": dispatch.unit.name,
        **class_context(dispatch.training_class),
    }


# Links: each notification opens the most specific page its recipient may open. Staff
# (liaisons, heads, dispatchers) get the process page of the flow (its tasks and history,
# within their jurisdiction); a trainee, who reads no process pages, gets their own
# training record, or the acknowledgement task assigned to them.


def record_url(cadre_id) -> str:
    from django.urls import reverse

    return reverse("training_record", args=[cadre_id])


def process_urls(objects) -> dict[int, str]:
    """{object pk: its process page} (see `workflow.links`)."""
    return links.process_urls(objects)


def acknowledge_task_urls(dispatches) -> dict[int, str]:
    """{dispatch pk: its open acknowledgement task's page} (the trainee's own task)."""
    return links.open_task_urls(dispatches, "acknowledge")


def _group(dispatch) -> str:
    return (
        f"rollcall:{dispatch.roll_call_id}" if dispatch.roll_call_id else f"dispatch:{dispatch.pk}"
    )


def unit_shares(dispatches) -> dict:
    """{unit id: (unit, [dispatch, ...])} in the order of the units' paths, each unit's
    cadres by name: the share of a roll call's batch that one unit is told of."""
    shares: dict[int, tuple] = {}
    for dispatch in dispatches:
        shares.setdefault(dispatch.unit_id, (dispatch.unit, []))[1].append(dispatch)
    ordered = sorted(shares.items(), key=lambda item: (item[1][0].path, item[1][0].name))
    return {
        unit_id: (unit, sorted(share, key=lambda d: (d.cadre.name, d.pk)))
        for unit_id, (unit, share) in ordered
    }


def liaison_shares(shares, unit_liaisons=None) -> tuple[dict, dict]:
    """Each unit's list of cadres, once ({unit id: {unit_name, cadres, count}}), and the
    liaisons with the units they serve ({user id: (user, [unit id, ...])}), from
    `unit_shares`: what a batch tells each liaison in ONE message. `unit_liaisons`
    ({unit id: [user, ...]}) is filled as the units' liaisons are read."""
    unit_liaisons = unit_liaisons if unit_liaisons is not None else {}
    lists = {}
    served: dict[int, tuple] = {}
    for unit_id, (unit, share) in shares.items():
        if unit_id not in unit_liaisons:
            unit_liaisons[unit_id] = liaisons(unit)
        lists[unit_id] = {
            "unit_name": unit.name,
            "cadres": _NAME_SEPARATOR().join(d.cadre.name for d in share),
            "count": len(share),
        }
        for user in unit_liaisons[unit_id]:
            served.setdefault(user.pk, (user, []))[1].append(unit_id)
    return lists, served


def dispatched(dispatches, *, document=None, unit_liaisons=None):
    """Named: each trainee with an account hears it themself (their own message, linked to
    their training record), and each liaison gets ONE announcement for the whole batch —
    a roll call's, or a makeup's single dispatch — naming the cadres of every unit they
    serve, with the roll call's 调训通知 (`document`) attached. A unit's list is put
    together once and shared by all its liaisons. Bulk: a fixed number of writes."""
    from django.urls import reverse

    from notifications.services import Entry, notify_each

    unit_liaisons = unit_liaisons if unit_liaisons is not None else {}
    dispatches = list(dispatches)
    if not dispatches:
        return
    shares = unit_shares(dispatches)
    klass = dispatches[0].training_class
    dues = [d.confirm_due for d in dispatches if d.confirm_due]
    deadline = timezone.localtime(min(dues)) if dues else ""

    # The trainees' own messages, one each.
    notify_each(
        event=Event.DISPATCHED,
        entries=[
            Entry(
                d.cadre.user,
                f"dispatch:{d.pk}:dispatched",
                {**_dispatch_context(d), "deadline": timezone.localtime(d.confirm_due)},
                record_url(d.cadre_id),
            )
            for d in dispatches
            if d.cadre.user_id and d.cadre.user.is_active
        ],
        group=_group(dispatches[0]),
    )

    # Each unit's list once; then one announcement per liaison over the units they serve.
    lists, served = liaison_shares(shares, unit_liaisons)
    roll_call_id = dispatches[0].roll_call_id
    if roll_call_id:
        key = f"rollcall:{roll_call_id}:announced:{document.pk if document else dispatches[0].pk}"
    else:
        key = f"dispatch:{dispatches[0].pk}:dispatched"
    common = {
        **class_context(klass),
        "deadline": deadline,
        "document_number": document.document_number if document else "",
        "notice_title": document.title if document else "",
    }
    entries = []
    for user, unit_ids in served.values():
        units = [lists[unit_id] for unit_id in unit_ids]
        entries.append(
            Entry(
                user,
                key,
                {**common, "units": units, "cadre_count": sum(u["count"] for u in units)},
                reverse("home"),
            )
        )
    notify_each(
        event=Event.DISPATCHED,
        entries=entries,
        template="notifications/events/announced.txt",
        document=document,
        group=_group(dispatches[0]),
    )


def notice_issued(dispatch, document):
    """The trainee's own notice (入学通知, or 补训通知), per person, with the PDF and a
    calendar invite; needs 签收 — by the trainee (本人), or for a cadre without an account
    by the unit's liaisons on their behalf (代为签收), and the message says which."""
    klass = dispatch.training_class
    user = dispatch.cadre.user
    on_behalf = not (user is not None and user.is_active)
    notify(
        event=Event.NOTICE_ISSUED,
        recipients=trainee_or_liaisons(dispatch),
        key=f"document:{document.pk}:issued",
        context={
            "notice_title": document.title,
            "notice_kind": str(document.get_kind_display()),
            "document_number": document.document_number,
            "cadre_name": dispatch.cadre.name,
            "unit_name": dispatch.unit.name,
            # a cadre without an account: the unit's liaisons acknowledge for them
            "on_behalf": on_behalf,
            **class_context(klass),
        },
        document=document,
        calendar={
            "summary": klass.name,
            "start": klass.start_date,
            "end": klass.end_date,
            "location": klass.location,
            "description": document.document_number,
        },
        requires_ack=True,
        group=_group(dispatch),
        url=f"/documents/{document.pk}/",
    )


def acknowledged(dispatch, *, actor):
    """The dispatch is acknowledged: close every inbox entry of its notice still asking
    for 签收 (the other liaisons of a cadre without an account, or the trainee's own entry
    when the task page was used), with the dispatch's time and IP."""
    close_acknowledgements(
        actor=actor,
        subject=dispatch,
        at=dispatch.acknowledged_at,
        ip=dispatch.acknowledged_ip,
    )


def _notice_issued_at(dispatch):
    """When the dispatch's notice was issued (None before it was)."""
    from notifications.models import IssuedDocument

    if not dispatch.notice_reference:
        return None
    return (
        IssuedDocument.objects.filter(document_number=dispatch.notice_reference)
        .values_list("issued_at", flat=True)
        .first()
    )


def _trainee_acts(dispatch, step: str) -> bool:
    user = dispatch.cadre.user
    return step == "acknowledge" and user is not None and user.is_active


def _step_url(dispatch, step: str, process_url=None, task_url=None) -> str:
    """Where a reminder of `step` leads: the trainee to their acknowledgement task; the
    unit's liaisons to the dispatch's process page (looked up unless given)."""
    if _trainee_acts(dispatch, step):
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
        group=_group(dispatch),
    )


def escalated(dispatch, step: str):
    """Past due: the dispatchers of the roll call's department (or the cadre's)."""
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
def _nomination_subject(allocation) -> str:
    return ngettext(
        "Nominate %(seats)s participant for %(class_name)s",
        "Nominate %(seats)s participants for %(class_name)s",
        allocation.seats,
    ) % {"seats": allocation.seats, "class_name": allocation.roll_call.training_class.name}


@in_site_language
def _unit_nomination_subject(allocation) -> str:
    return ngettext(
        "%(unit_name)s: nominate %(seats)s participant for %(class_name)s",
        "%(unit_name)s: nominate %(seats)s participants for %(class_name)s",
        allocation.seats,
    ) % {
        "unit_name": allocation.unit.name,
        "seats": allocation.seats,
        "class_name": allocation.roll_call.training_class.name,
    }


@in_site_language
def _makeup_subject(makeup) -> str:
    return _("Makeup training of %(cadre_name)s") % {"cadre_name": makeup.cadre.name}


def _nomination_url(allocation) -> str:
    from django.urls import reverse

    return process_urls([allocation]).get(
        allocation.pk, reverse("roll_call_detail", args=[allocation.roll_call_id])
    )


def nomination_reminder(allocation):
    """The response deadline nears and the unit has not nominated: its liaisons. Same key
    as the `send_reminders` sweep, so the flow's reminder and the sweep's go out once."""
    due = allocation.roll_call.response_deadline
    slot = reminder_due(due, since=allocation.roll_call.created_at)
    if slot is None and reminder_offsets():
        return
    notify(
        event=Event.REMINDER,
        recipients=liaisons(allocation.unit),
        key=f"nomination:{allocation.pk}:nominate:{slot.key_suffix if slot else 'due'}",
        context={
            "subject": _nomination_subject(allocation),
            "due": timezone.localtime(due),
            "days_left": slot.offset_days if slot else 0,
        },
        url=_nomination_url(allocation),
        group=f"rollcall:{allocation.roll_call_id}",
    )


def nomination_escalated(allocation):
    """The response deadline passed without a nomination: the roll call's dispatchers."""
    roll_call = allocation.roll_call
    notify(
        event=Event.ESCALATION,
        recipients=dispatchers(roll_call.org_department),
        key=f"nomination:{allocation.pk}:escalated",
        context={
            "subject": _unit_nomination_subject(allocation),
            "unit_name": allocation.unit.name,
            "due": timezone.localtime(roll_call.response_deadline),
        },
        url=_nomination_url(allocation),
    )


def makeup_owed(makeup):
    dispatch = makeup.source
    recipients = liaisons(dispatch.unit)
    if dispatch.cadre.user_id and dispatch.cadre.user not in recipients:
        recipients.append(dispatch.cadre.user)
    notify(
        event=Event.MAKEUP_OWED,
        recipients=recipients,
        key=f"makeup:{makeup.pk}:owed",
        context={
            "cadre_name": dispatch.cadre.name,
            "unit_name": dispatch.unit.name,
            "class_name": dispatch.training_class.name,
            "reason": makeup.get_reason_label(),
            "due": makeup.due_date,
        },
        url=record_url(makeup.cadre_id),
    )


def decision_to_trainee(dispatch, request):
    user = dispatch.cadre.user
    if user is None:
        return
    notify(
        event=Event.DECISION_MADE,
        recipients=[user],
        key=f"approval:{request.pk}:decided:trainee",
        context={
            "request_kind": dispatch.get_request_kind_display(),
            "cadre_name": dispatch.cadre.name,
            "decision": request.get_status_display(),
            "class_name": dispatch.training_class.name,
        },
        url=record_url(dispatch.cadre_id),
    )


def reminder_candidates(now):
    """Open dispatch steps with a due moment in the reminder window, for
    `manage.py send_reminders` (the 3-day and 1-day reminders)."""
    from django.db.models import OuterRef, Subquery

    from dispatch.models import (
        Dispatch,
        DispatchStatus,
        QuotaAllocation,
        QuotaStatus,
        RollCallStatus,
    )
    from notifications.models import IssuedDocument
    from notifications.reminders import ReminderCandidate, offsets

    horizon = now + dt.timedelta(days=max(offsets(), default=0))
    unit_liaisons: dict[int, list] = {}

    def liaisons_of(unit):
        if unit.pk not in unit_liaisons:
            unit_liaisons[unit.pk] = liaisons(unit)
        return unit_liaisons[unit.pk]

    related = ("cadre__user", "unit", "training_class")
    named = list(
        Dispatch.objects.filter(
            status=DispatchStatus.NAMED, confirm_due__gt=now, confirm_due__lte=horizon
        ).select_related(*related)
    )
    urls = process_urls(named)
    for dispatch in named:
        yield ReminderCandidate(
            due=dispatch.confirm_due,
            key=step_key(dispatch, "confirm"),
            recipients=liaisons_of(dispatch.unit),
            context={"subject": step_subject(dispatch, "confirm")},
            url=_step_url(dispatch, "confirm", process_url=urls.get(dispatch.pk, "")),
            group=_group(dispatch),
            since=dispatch.created_at,
        )
    allocations = list(
        QuotaAllocation.objects.filter(
            status=QuotaStatus.AWAITING_NOMINATION,
            roll_call__status=RollCallStatus.OPEN,
            roll_call__response_deadline__gt=now,
            roll_call__response_deadline__lte=horizon,
        ).select_related("unit", "roll_call__training_class")
    )
    urls = process_urls(allocations)
    for allocation in allocations:
        yield ReminderCandidate(
            due=allocation.roll_call.response_deadline,
            key=f"nomination:{allocation.pk}:nominate",
            recipients=liaisons_of(allocation.unit),
            context={"subject": _nomination_subject(allocation)},
            url=urls.get(allocation.pk) or _nomination_url(allocation),
            group=f"rollcall:{allocation.roll_call_id}",
            since=allocation.roll_call.created_at,
        )
    issued_at = IssuedDocument.objects.filter(document_number=OuterRef("notice_reference"))
    notified = list(
        Dispatch.objects.filter(
            status=DispatchStatus.NOTIFIED, acknowledge_due__gt=now, acknowledge_due__lte=horizon
        )
        .annotate(notice_issued_at=Subquery(issued_at.values("issued_at")[:1]))
        .select_related(*related)
    )
    urls = process_urls(notified)
    task_urls = acknowledge_task_urls(d for d in notified if _trainee_acts(d, "acknowledge"))
    for dispatch in notified:
        yield ReminderCandidate(
            due=dispatch.acknowledge_due,
            key=step_key(dispatch, "acknowledge"),
            recipients=trainee_or_liaisons(dispatch),
            context={"subject": step_subject(dispatch, "acknowledge")},
            url=_step_url(
                dispatch,
                "acknowledge",
                process_url=urls.get(dispatch.pk, ""),
                task_url=task_urls.get(dispatch.pk, ""),
            ),
            group=_group(dispatch),
            since=dispatch.notice_issued_at,
        )


def makeup_escalated(makeup):
    """A makeup past its due date and not attended: the dispatchers of the cadre's managing
    department (who schedule it) and the heads and liaisons of the unit it is counted
    against; it will be named in the next circular."""
    dispatch = makeup.source
    scheduled = (
        makeup.makeup_dispatches.exclude(status="cancelled")
        .select_related("training_class")
        .order_by("-id")
        .first()
    )
    context = {
        "subject": _makeup_subject(makeup),
        "cadre_name": makeup.cadre.name,
        "unit_name": dispatch.unit.name,
        "class_name": dispatch.training_class.name,
        "makeup_class": scheduled.training_class.name if scheduled else "",
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


def announcement_failed(roll_call, *, dispatch_count: int, attempts: int):
    """The roll call's dispatch notice could not be issued after `attempts` tries (see
    `documents.announce_pending`): its department's dispatchers and whoever issued the
    roll call, once per roll call, in-app only (the fault may as well be the mail's)."""
    from django.urls import reverse

    recipients = dispatchers(roll_call.org_department)
    issuer = roll_call.created_by
    if issuer is not None and issuer.is_active and issuer not in recipients:
        recipients.append(issuer)
    notify(
        event=Event.ESCALATION,
        recipients=recipients,
        key=f"rollcall:{roll_call.pk}:announce-failed",
        context={
            "class_name": roll_call.training_class.name,
            "dispatch_count": dispatch_count,
            "attempts": attempts,
        },
        template="notifications/events/announce_failed.txt",
        url=reverse("roll_call_detail", args=[roll_call.pk]),
        channels=[],
    )
