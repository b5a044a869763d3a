"""Deadlines as a department sets them: at the close of a working day (18:00, local time),
not at the minute a step happened to begin. Every deadline the system sets by itself (a
plan's roll call, a confirmation, an approval, an acknowledgement, a follow-up) is one of
these; a deadline a user types stays as typed."""

import datetime as dt

from django.utils import timezone

CLOSE_OF_BUSINESS = dt.time(18)


def close_of_business(day: dt.date) -> dt.datetime:
    """18:00 on `day`, local time (2026年12月14日18时)."""
    return timezone.make_aware(dt.datetime.combine(day, CLOSE_OF_BUSINESS))


def deadline_in(days: int, *, eve_of: dt.date | None = None, now=None) -> dt.datetime:
    """The close of business `days` days from today; at the latest the close of business
    on the eve of `eve_of` (a class's first day); and never less than an hour from now —
    then the first full hour after that (a class starting tomorrow, named this evening)."""
    now = now or timezone.now()
    due = close_of_business(timezone.localdate(now) + dt.timedelta(days=days))
    if eve_of is not None:
        due = min(due, close_of_business(eve_of - dt.timedelta(days=1)))
    soonest = timezone.localtime(now + dt.timedelta(hours=1))
    if due < soonest:
        due = soonest.replace(minute=0, second=0, microsecond=0)
        if due < soonest:
            due += dt.timedelta(hours=1)
    return due
