"""Reminders before a due date.

Which things fall due belongs to the caller's domain (dispatch knows its deadlines), so
notifications offers two small pieces:

* `reminder_due(due, now, since)` → the reminder that should have gone out by `now` for a
  due moment, as a `ReminderSlot(offset_days, key_suffix)`, or None. Offsets come from
  `NOTIFICATIONS_REMINDER_OFFSETS_DAYS` (default [3, 1]): between 3 and 1 days before the
  due moment the 3-day reminder is due, in the last day the 1-day one, none after it. Add
  the suffix to your notify() key and each reminder goes out once, however often you ask.
  `since` is when the item was created or issued: a slot whose moment had already come
  by then (or came within `CREATION_GRACE` of it) never fires — a notice that gives three
  days to acknowledge is its own 3-day reminder; only the slots still ahead fire.
* Reminder sources: `register_reminder_source(func)` (call it from your AppConfig.ready);
  `func(now)` yields `ReminderCandidate`s (open items with a due moment). The management
  command `send_reminders` and the beat task `notifications.send_reminders` ask every
  source and notify what is due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from notifications.models import Event

# A slot falling within a day of the item's creation counts as already past: the item's
# own notice has just told them. A deadline falls at the close of business some days on
# (`core.deadlines`), so a notice given in the morning three days ahead is due in three
# days and some hours: its "3 days left" slot would follow the notice the same day.
CREATION_GRACE = dt.timedelta(days=1)


@dataclass(frozen=True)
class ReminderSlot:
    offset_days: int
    key_suffix: str  # "reminder-3d"


@dataclass
class ReminderCandidate:
    due: dt.datetime  # an aware datetime (a date means the start of that day)
    key: str  # the item's key; the slot suffix is appended
    recipients: Iterable
    context: dict = field(default_factory=dict)
    url: str = ""
    group: str = ""
    template: str | None = None
    channels: Iterable[str] | None = None
    since: dt.datetime | None = None  # when the item was created/issued (see reminder_due)


def offsets() -> list[int]:
    values = getattr(settings, "NOTIFICATIONS_REMINDER_OFFSETS_DAYS", [3, 1])
    return sorted({int(v) for v in values if int(v) > 0}, reverse=True)


def _aware(due) -> dt.datetime:
    if not isinstance(due, dt.datetime):
        due = dt.datetime.combine(due, dt.time.min)
    if timezone.is_naive(due):
        due = timezone.make_aware(due)
    return due


def reminder_due(
    due, now: dt.datetime | None = None, since: dt.datetime | None = None
) -> ReminderSlot | None:
    """The reminder due by `now` for a `due` moment (date or datetime), or None. Slots
    whose moment was not still ahead when the item was created (`since`) are skipped."""
    due = _aware(due)
    now = now or timezone.now()
    if now >= due:
        return None
    slot = None
    for days in offsets():  # largest first: the last one whose moment has passed wins
        moment = due - dt.timedelta(days=days)
        if since is not None and moment <= _aware(since) + CREATION_GRACE:
            continue  # already past when the item was created: its notice said as much
        if now >= moment:
            slot = ReminderSlot(days, f"reminder-{days}d")
    return slot


_sources: list[Callable[[dt.datetime], Iterable[ReminderCandidate]]] = []


def register_reminder_source(func: Callable[[dt.datetime], Iterable[ReminderCandidate]]):
    if func not in _sources:
        _sources.append(func)
    return func


def send_reminders(now: dt.datetime | None = None) -> int:
    """Ask every registered source for open items and notify the due reminders; return
    how many notifications were written (repeated runs write none)."""
    from notifications.models import Notification
    from notifications.services import notify

    now = now or timezone.now()
    written = 0
    for source in list(_sources):
        for item in source(now):
            slot = reminder_due(item.due, now, item.since)
            if slot is None:
                continue
            key = f"{item.key}:{slot.key_suffix}"
            before = Notification.objects.filter(key=key).count()
            rows = notify(
                event=Event.REMINDER,
                recipients=item.recipients,
                key=key,
                context={
                    **item.context,
                    "due": _aware(item.due),
                    "days_left": slot.offset_days,
                },
                template=item.template,
                url=item.url,
                group=item.group,
                channels=item.channels,
            )
            written += max(len(rows) - before, 0)
    return written
