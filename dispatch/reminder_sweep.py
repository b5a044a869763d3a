"""The dispatch domain's source for `manage.py send_reminders` (`notifications.reminders`):
every open step with a due moment in the reminder window. A roll call's unanswered
confirmations, its silent units and the notices its liaisons acknowledge on behalf are
offered per recipient, as the flows' own timers send them (`dispatch.grouped_notices`):
whichever of the two comes first sends the reminder, once."""

import datetime as dt

from django.utils import timezone

from dispatch import grouped_notices
from dispatch.deadline_notices import (
    _open_acknowledgements,
    _step_url,
    step_key,
    window_opened,
)
from dispatch.notices import (
    acknowledge_task_urls,
    group_of,
    liaisons,
    process_urls,
    trainee_or_liaisons,
)
from dispatch.policy import classes_begun
from dispatch.step_subjects import step_subject, trainee_acts
from notifications.reminders import ReminderCandidate, offsets, reminder_due


def _grouped(roll_call, step, pairs, *, due, since, now):
    """A candidate per liaison for what a roll call's units owe in one reminder slot."""
    slot = reminder_due(due, now, since)
    if slot is None:
        return
    for share in grouped_notices.reminder_shares(roll_call, step, pairs, slot.key_suffix):
        yield ReminderCandidate(
            due=due,
            key=share.key,
            recipients=[share.recipient],
            context=grouped_notices.reminder_context(roll_call, step, share),
            url=grouped_notices.url_of(step, share.objects),
            group=f"rollcall:{roll_call.pk}",
            since=since,
        )


def reminder_candidates(now):
    """Open dispatch steps with a due moment in the reminder window (the 3-day and 1-day
    reminders)."""
    from dispatch.models import (
        Dispatch,
        DispatchStatus,
        QuotaAllocation,
        QuotaStatus,
        RollCallStatus,
    )

    horizon = now + dt.timedelta(days=max(offsets(), default=0))
    unit_liaisons: dict[int, list] = {}

    def liaisons_of(unit):
        if unit.pk not in unit_liaisons:
            unit_liaisons[unit.pk] = liaisons(unit)
        return unit_liaisons[unit.pk]

    named = list(
        Dispatch.objects.filter(
            status=DispatchStatus.NAMED, confirm_due__gt=now, confirm_due__lte=horizon
        )
        .exclude(classes_begun(timezone.localdate(now)))  # the step ended with its start
        .select_related("cadre__user", "unit", "training_class", "roll_call")
        .order_by("pk")
    )
    # By the roll call's response deadline: one reminder per liaison for the roll call.
    by_roll_call: dict[int, list] = {}
    own = []
    for dispatch in named:
        roll_call = dispatch.roll_call
        if roll_call is not None and dispatch.confirm_due == roll_call.response_deadline:
            by_roll_call.setdefault(roll_call.pk, []).append(dispatch)
        else:
            own.append(dispatch)
    for dispatches in by_roll_call.values():
        roll_call = dispatches[0].roll_call
        yield from _grouped(
            roll_call,
            "confirm",
            [(d, grouped_notices.item(d, d.confirm_due)) for d in dispatches],
            due=roll_call.response_deadline,
            since=roll_call.created_at,
            now=now,
        )
    # By a due moment of its own: the dispatch alone.
    urls = process_urls(own)
    for dispatch in own:
        yield ReminderCandidate(
            due=dispatch.confirm_due,
            key=step_key(dispatch, "confirm"),
            recipients=liaisons_of(dispatch.unit),
            context={"subject": step_subject(dispatch, "confirm")},
            url=_step_url(dispatch, "confirm", process_url=urls.get(dispatch.pk, "")),
            group=group_of(dispatch),
            since=dispatch.created_at,
        )

    silent: dict[int, list] = {}
    for allocation in QuotaAllocation.objects.filter(
        status=QuotaStatus.AWAITING_NOMINATION,
        roll_call__status=RollCallStatus.OPEN,
        roll_call__response_deadline__gt=now,
        roll_call__response_deadline__lte=horizon,
    ).select_related("unit", "roll_call__training_class"):
        silent.setdefault(allocation.roll_call_id, []).append(allocation)
    for allocations in silent.values():
        roll_call = allocations[0].roll_call
        yield from _grouped(
            roll_call,
            "nominate",
            [(a, grouped_notices.item(a, roll_call.response_deadline)) for a in allocations],
            due=roll_call.response_deadline,
            since=roll_call.created_at,
            now=now,
        )

    notified = list(
        Dispatch.objects.filter(
            status=DispatchStatus.NOTIFIED, acknowledge_due__gt=now, acknowledge_due__lte=horizon
        )
        .exclude(classes_begun(timezone.localdate(now)))
        .select_related("cadre__user", "unit", "training_class", "roll_call__training_class")
    )
    # The trainees their own; notices acknowledged on behalf, per roll call and slot.
    alone = [d for d in notified if trainee_acts(d, "acknowledge") or not d.roll_call_id]
    alone_ids = {d.pk for d in alone}
    on_behalf = {d.roll_call_id: d.roll_call for d in notified if d.pk not in alone_ids}
    for roll_call in on_behalf.values():
        dispatches = window_opened(
            _open_acknowledgements(roll_call, now).filter(acknowledge_due__gt=now)
        )
        # The notices acknowledged on behalf, by the reminder slot due for each.
        by_slot: dict[str, list] = {}
        for dispatch in dispatches:
            if trainee_acts(dispatch, "acknowledge"):
                continue
            slot = reminder_due(dispatch.acknowledge_due, now, dispatch.notice_issued_at)
            if slot is not None:
                by_slot.setdefault(slot.key_suffix, []).append(dispatch)
        for same_slot in by_slot.values():
            first = same_slot[0]
            yield from _grouped(
                roll_call,
                "acknowledge",
                [(d, grouped_notices.item(d, d.acknowledge_due)) for d in same_slot],
                due=first.acknowledge_due,
                since=first.notice_issued_at,
                now=now,
            )
    alone = _with_notice_issued_at(alone)
    urls = process_urls(alone)
    task_urls = acknowledge_task_urls(d for d in alone if trainee_acts(d, "acknowledge"))
    for dispatch in alone:
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
            group=group_of(dispatch),
            since=dispatch.notice_issued_at,
        )


def _with_notice_issued_at(dispatches) -> list:
    """The dispatches with `notice_issued_at`, when their notice was issued (one query)."""
    from notifications.models import IssuedDocument

    dispatches = list(dispatches)
    issued = dict(
        IssuedDocument.objects.filter(
            document_number__in={d.notice_reference for d in dispatches if d.notice_reference}
        ).values_list("document_number", "issued_at")
    )
    for dispatch in dispatches:
        dispatch.notice_issued_at = issued.get(dispatch.notice_reference)
    return window_opened(dispatches)
