"""Deadline notices about many dispatches or nominations of one roll call: ONE message per
recipient per event. A liaison whose units still have 40 cadres to confirm by the roll
call's response deadline gets one reminder naming them by unit, not 40; the dispatchers
get one escalation for the roll call's unanswered confirmations, one for its overdue
acknowledgements, one for its silent units.

The events arrive one by one — the roll call's timer, each dispatch's own timer, the
`send_reminders` sweep — so each message names only what no earlier message of the same
roll call, step and slot named to that recipient (`notifications.shares`); an item is
"<pk>@<round>", the round being its due moment. The first message's key is
`rollcall:<pk>:<step>:all:<slot>`.
"""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from core.i18n import in_site_language
from dispatch.notices import _NAME_SEPARATOR, dispatchers, liaisons, process_urls, unit_shares
from dispatch.step_subjects import overdue_step_subject, step_subject
from notifications.models import Event
from notifications.services import Entry, notify_each
from notifications.shares import Share, fresh_shares


def item(obj, due) -> str:
    """An object named in a message, in the round of its due moment (a confirmation
    reopened with a new due moment is news again)."""
    round_ = due.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ") if due else "open"
    return f"{obj.pk}@{round_}"


def prefix_of(roll_call, step: str) -> str:
    return f"rollcall:{roll_call.pk}:{step}:"


def _served_by_liaisons(pairs) -> dict:
    """{user id: (user, [(dispatch or allocation, item), …])}: each liaison with what the
    units they serve are asked for."""
    unit_liaisons: dict[int, list] = {}
    served: dict[int, tuple] = {}
    for obj, it in pairs:
        if obj.unit_id not in unit_liaisons:
            unit_liaisons[obj.unit_id] = liaisons(obj.unit)
        for user in unit_liaisons[obj.unit_id]:
            served.setdefault(user.pk, (user, []))[1].append((obj, it))
    return served


def _served_by_dispatchers(roll_call, pairs) -> dict:
    pairs = list(pairs)
    return {user.pk: (user, pairs) for user in dispatchers(roll_call.org_department)}


@in_site_language
def cadre_lines(dispatches) -> list[str]:
    """One line per unit: "办公室（3人）：张三、李四、王五"."""
    lines = []
    for unit, share in unit_shares(dispatches).values():
        lines.append(
            ngettext(
                "%(unit_name)s (%(count)s cadre): %(cadres)s",
                "%(unit_name)s (%(count)s cadres): %(cadres)s",
                len(share),
            )
            % {
                "unit_name": unit.name,
                "count": len(share),
                "cadres": _NAME_SEPARATOR().join(d.cadre.name for d in share),
            }
        )
    return lines


@in_site_language
def _seat_lines(allocations) -> list[str]:
    return [
        ngettext(
            "%(unit_name)s: %(seats)s seat to nominate",
            "%(unit_name)s: %(seats)s seats to nominate",
            allocation.seats,
        )
        % {"unit_name": allocation.unit.name, "seats": allocation.seats}
        for allocation in sorted(allocations, key=lambda a: (a.unit.path, a.unit.name, a.pk))
    ]


@in_site_language
def _subject(step: str, roll_call, objects, *, overdue: bool) -> str:
    names = {"count": len(objects), "class_name": roll_call.training_class.name}
    if len(objects) == 1 and step != "nominate":  # the cadre by name
        return (overdue_step_subject if overdue else step_subject)(objects[0], step)
    if len(objects) == 1 and overdue:  # the unit by name
        allocation = objects[0]
        return ngettext(
            "%(unit_name)s: nominate %(seats)s participant for %(class_name)s",
            "%(unit_name)s: nominate %(seats)s participants for %(class_name)s",
            allocation.seats,
        ) % {**names, "unit_name": allocation.unit.name, "seats": allocation.seats}
    if step == "confirm" and not overdue:
        text = ngettext(
            "Confirm that %(count)s cadre attends %(class_name)s",
            "Confirm that %(count)s cadres attend %(class_name)s",
            len(objects),
        )
    elif step == "confirm":
        text = ngettext(
            "Attendance confirmation of %(count)s cadre for %(class_name)s",
            "Attendance confirmations of %(count)s cadres for %(class_name)s",
            len(objects),
        )
    elif step == "acknowledge" and not overdue:
        text = ngettext(
            "Acknowledge the admission notice of %(count)s cadre for %(class_name)s "
            "on their behalf",
            "Acknowledge the admission notices of %(count)s cadres for %(class_name)s "
            "on their behalf",
            len(objects),
        )
    elif step == "acknowledge":
        text = ngettext(
            "Acknowledgement of the admission notice of %(count)s cadre for %(class_name)s",
            "Acknowledgements of the admission notices of %(count)s cadres for %(class_name)s",
            len(objects),
        )
    elif not overdue:
        seats = sum(a.seats for a in objects)
        return ngettext(
            "Nominate %(seats)s participant for %(class_name)s",
            "Nominate %(seats)s participants for %(class_name)s",
            seats,
        ) % {**names, "seats": seats}
    else:
        text = ngettext(
            "Nomination of %(count)s unit for %(class_name)s",
            "Nominations of %(count)s units for %(class_name)s",
            len(objects),
        )
    return text % names


def _lines(step: str, objects) -> list[str]:
    return _seat_lines(objects) if step == "nominate" else cadre_lines(objects)


def url_of(step: str, objects) -> str:
    """One object: its process page (where its task is); several: My tasks."""
    if len(objects) == 1:
        url = process_urls(objects).get(objects[0].pk)
        if url:
            return url
    return reverse("home")


def reminder_shares(roll_call, step: str, pairs, suffix: str) -> list[Share]:
    """The liaisons' reminder messages of `step` ("confirm", "acknowledge" on behalf of
    cadres without an account, "nominate") for [(object, item), …] due in one slot."""
    return fresh_shares(prefix_of(roll_call, step), suffix, _served_by_liaisons(pairs))


def reminder_context(roll_call, step: str, share: Share) -> dict:
    return {
        "subject": _subject(step, roll_call, share.objects, overdue=False),
        "lines": _lines(step, share.objects),
        "items": share.items,
    }


def remind(roll_call, step: str, pairs, *, due, slot) -> None:
    """Remind each liaison once of everything of `step` their units still owe in this
    slot (`slot` a `ReminderSlot`, or None when reminders are off and the flow's own
    timer is the only one)."""
    suffix = slot.key_suffix if slot else "due"
    entries = [
        Entry(
            share.recipient,
            f"{share.key}:{suffix}",
            {
                **reminder_context(roll_call, step, share),
                "due": timezone.localtime(due),
                "days_left": slot.offset_days if slot else 0,
            },
            url_of(step, share.objects),
        )
        for share in reminder_shares(roll_call, step, pairs, suffix)
    ]
    notify_each(event=Event.REMINDER, entries=entries, group=f"rollcall:{roll_call.pk}")


def escalate(roll_call, step: str, pairs, *, due=None) -> None:
    """Past due: each dispatcher of the roll call's department once, naming by unit what
    no earlier escalation of this step named to them."""
    shares = fresh_shares(
        prefix_of(roll_call, step), "escalated", _served_by_dispatchers(roll_call, pairs)
    )
    entries = [
        Entry(
            share.recipient,
            f"{share.key}:escalated",
            {
                "subject": _subject(step, roll_call, share.objects, overdue=True),
                "lines": _lines(step, share.objects),
                "items": share.items,
                "due": timezone.localtime(due) if due else "",
            },
            url_of(step, share.objects)
            if step == "nominate" or len(share.objects) == 1
            else reverse("overdue_list"),
        )
        for share in shares
    ]
    notify_each(event=Event.ESCALATION, entries=entries)
