"""Who hears about what in the dispatch domain, through `notifications.notify`.

Each function is called inside the transaction of the business change it announces, with
a key that names the event, so a retried step never notifies anyone twice. Recipients
are chosen by jurisdiction: the people whose grants cover the unit concerned.

Here: the shared pieces (recipients, links, unit shares) and the announcements (a roll
call's dispatches or seats, a notice issued). Reminders and escalations — whatever
follows from a due moment — are in `dispatch.deadline_notices`, the cancellation in
`dispatch.cancel_notices`.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext

from notifications.models import Event
from notifications.services import Entry, close_acknowledgements, notify, notify_each
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
    """{dispatch pk: its open acknowledgement task's page}, only where that task is the
    trainee's own to do: assigned to the cadre's account, or open for it to take — what
    the task's page itself asks before it lets anyone in. A task that went to the unit's
    liaisons (the cadre had no account when the notice went out: 代为签收) stays theirs
    once an account is linked, and its page would turn the trainee away: no link."""
    from django.contrib.contenttypes.models import ContentType
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from org.models import Cadre
    from workflow import registry

    dispatches = [d for d in dispatches if d is not None]
    if not dispatches:
        return {}
    node = getattr(registry.flow_for(type(dispatches[0])), "acknowledge", None)
    if node is None:
        return {}
    tasks = list(
        Task.objects.filter(
            flow_task=node,
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
            process__artifact_content_type=ContentType.objects.get_for_model(dispatches[0]),
            process__artifact_object_id__in=[d.pk for d in dispatches],
        ).select_related("process", "owner")
    )
    if not tasks:
        return {}
    cadre_of = {d.pk: d.cadre_id for d in dispatches}
    trainees = {
        cadre.pk: cadre.user
        for cadre in Cadre.objects.filter(
            pk__in=set(cadre_of.values()), user__isnull=False
        ).select_related("user")
    }
    urls = {}
    for task in tasks:
        dispatch_id = task.process.artifact_object_id
        trainee = trainees.get(cadre_of.get(dispatch_id))
        if trainee is not None and (
            node.can_execute(trainee, task) or node.can_assign(trainee, task)
        ):
            urls[dispatch_id] = node.reverse("index", args=[task.process_id, task.pk])
    return urls


def group_of(dispatch) -> str:
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
        group=group_of(dispatches[0]),
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
        group=group_of(dispatches[0]),
    )


def seats_allotted(roll_call, allocations):
    """A quota roll call (名额分配) allots seats: each liaison of the units given seats gets
    ONE message for the roll call, listing the units they serve with their seats, the
    class, and the response deadline by which to nominate; linked to the unit's
    nomination (its process page, where the nominate task is) or, for a liaison of
    several units, to My tasks, where each unit's task waits. Bulk, as `dispatched`."""
    from django.urls import reverse

    from notifications.services import Entry, notify_each

    allocations = sorted(allocations, key=lambda a: (a.unit.path, a.unit.name, a.pk))
    if not allocations:
        return
    urls = process_urls(allocations)
    served: dict[int, tuple] = {}
    unit_liaisons: dict[int, list] = {}
    for allocation in allocations:
        if allocation.unit_id not in unit_liaisons:
            unit_liaisons[allocation.unit_id] = liaisons(allocation.unit)
        for user in unit_liaisons[allocation.unit_id]:
            served.setdefault(user.pk, (user, []))[1].append(allocation)
    common = {
        **class_context(roll_call.training_class),
        "org_department": roll_call.org_department.unit.name,
        "deadline": timezone.localtime(roll_call.response_deadline),
    }
    entries = []
    for user, share in served.values():
        url = urls.get(share[0].pk) if len(share) == 1 else None
        units = [{"unit_name": a.unit.name, "seats": a.seats} for a in share]
        entries.append(
            Entry(
                user,
                f"rollcall:{roll_call.pk}:allotted",
                {**common, "units": units, "seat_count": sum(a.seats for a in share)},
                url or reverse("home"),
            )
        )
    notify_each(event=Event.ALLOTTED, entries=entries, group=f"rollcall:{roll_call.pk}")


def notice_issued(dispatch, document):
    """The trainee's own notice (入学通知, or 补训通知), per person, with the PDF and a
    calendar invite; needs 签收 — by the trainee (本人), or for a cadre without an account
    by the unit's liaisons on their behalf (代为签收), and the message says which. The
    invite is the trainee's, who attends: a liaison signing for a cadre gets none (one
    event per cadre would fill their calendar with classes they do not attend)."""
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
        calendar=None
        if on_behalf
        else {
            "summary": klass.name,
            "start": klass.start_date,
            "end": klass.end_date,
            "location": klass.location,
            "description": document.document_number,
        },
        requires_ack=True,
        group=group_of(dispatch),
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


#: the makeups owed inside `makeups_told_together`, told when it ends; None outside it
_told_together: ContextVar[list | None] = ContextVar("makeups_told_together", default=None)


@contextmanager
def makeups_told_together():
    """The makeups owed inside (a class roster's absences and withdrawals, recorded at
    once) are told when it ends without error: each liaison hears of those of their units
    in ONE message, each trainee of their own — not one message per makeup."""
    batch: list = []
    token = _told_together.set(batch)
    try:
        yield
    finally:
        _told_together.reset(token)
    if batch:
        _tell_owed_together(batch)


def _tell_owed_together(makeups) -> None:
    by_liaison: dict = {}
    liaisons_of: dict = {}  # one query per unit, not per makeup
    for makeup in makeups:
        unit = makeup.source.unit
        if unit.pk not in liaisons_of:
            liaisons_of[unit.pk] = liaisons(unit)
        for liaison in liaisons_of[unit.pk]:
            by_liaison.setdefault(liaison, []).append(makeup)
        user = makeup.source.cadre.user
        if user is not None:
            _makeup_owed_to(makeup, [user])
    first, last = makeups[0].pk, makeups[-1].pk
    notify_each(
        event=Event.MAKEUP_OWED,
        template="notifications/events/makeups_owed.txt",
        entries=[
            Entry(
                liaison,
                f"makeup:{first}-{last}:owed",
                {
                    "class_name": owed[0].source.training_class.name,
                    "cadres": [
                        {
                            "name": m.source.cadre.name,
                            "unit": m.source.unit.name,
                            "reason": str(m.get_reason_display()),
                        }
                        for m in owed
                    ],
                    "due": min(m.due_date for m in owed),
                },
                record_url(owed[0].cadre_id) if len(owed) == 1 else reverse("dispatch_list"),
            )
            for liaison, owed in by_liaison.items()
        ],
    )


def makeup_owed(makeup, *, told=()):
    """The unit's liaisons and the trainee hear of a makeup owed (inside
    `makeups_told_together`, when it ends, with the others owed there) — but those in
    `told`, whose message on the same event says it (a leave's decision)."""
    batch = _told_together.get()
    if batch is not None:
        batch.append(makeup)
        return
    dispatch = makeup.source
    recipients = liaisons(dispatch.unit)
    if dispatch.cadre.user_id and dispatch.cadre.user not in recipients:
        recipients.append(dispatch.cadre.user)
    _makeup_owed_to(makeup, [user for user in recipients if user not in told])


def _makeup_owed_to(makeup, recipients) -> None:
    dispatch = makeup.source
    notify(
        event=Event.MAKEUP_OWED,
        recipients=recipients,
        key=f"makeup:{makeup.pk}:owed",
        context={
            "cadre_name": dispatch.cadre.name,
            "unit_name": dispatch.unit.name,
            "class_name": dispatch.training_class.name,
            "reason": makeup.get_reason_display(),
            "due": makeup.due_date,
        },
        url=record_url(makeup.cadre_id),
    )


def attendance_corrected(
    dispatch, *, key: str, before: str, after: str, reason: str, owed=None, cancelled=None
):
    """A recorded attendance corrected (考勤更正): the unit's liaisons and the trainee
    (with an account) get ONE message each, saying what was recorded (`before`), what it
    is now (`after`) and why. A makeup the correction makes owed (`owed`) or cancels
    (`cancelled`) is told in the same message — no separate 补训 notice — so nobody hears
    of one correction twice. `key` names the correction (its audit event)."""
    recipients = liaisons(dispatch.unit)
    user = dispatch.cadre.user
    if user is not None and user.is_active and user not in recipients:
        recipients.append(user)
    context = {
        "cadre_name": dispatch.cadre.name,
        "unit_name": dispatch.unit.name,
        "class_name": dispatch.training_class.name,
        "before": before,
        "after": after,
        "reason": reason,
    }
    if owed is not None:
        context.update(makeup_reason=owed.get_reason_display(), makeup_due=owed.due_date)
    if cancelled is not None:
        context["makeup_cancelled"] = True
    notify(
        event=Event.ATTENDANCE_CORRECTED,
        recipients=recipients,
        key=key,
        context=context,
        url=record_url(dispatch.cadre_id),
    )


def makeup_of_decision(dispatch, request) -> dict:
    """What a decision's messages also say: the makeup an approved leave or deferral
    made owed (`services.dispatch_request_decided`), and by when — told there rather
    than in a message of its own to whoever hears the decision."""
    from approvals.models import RequestStatus
    from dispatch.models import Makeup

    if request.status != RequestStatus.APPROVED:
        return {}
    makeup = Makeup.objects.filter(source=dispatch).first()
    return {"makeup_due": makeup.due_date} if makeup is not None else {}


def decision_to_trainee(dispatch, request, *, also: dict | None = None):
    """The trainee hears the decision on a request about them (made by the liaison, or by
    themselves at 签收), with the deciding reason and the makeup it made owed (`also`,
    `makeup_of_decision`), linked to their training record."""
    from approvals.notices import deciding_comment

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
            "comment": deciding_comment(request),
            "class_name": dispatch.training_class.name,
            **(also or {}),
        },
        url=record_url(dispatch.cadre_id),
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
