"""Deadlines the system sets fall at the close of a working day (18:00), not at the minute
a step began: `core.deadlines.deadline_in`, and the services that ask it."""

import datetime as dt

from django.utils import timezone

from core.deadlines import close_of_business, deadline_in


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


DAY = dt.date(2026, 12, 7)


def test_a_deadline_falls_at_18_00_so_many_days_on():
    assert deadline_in(7, now=at(DAY, 4, 18)) == at(DAY + dt.timedelta(days=7), 18)
    assert deadline_in(7, now=at(DAY, 20, 26)) == at(DAY + dt.timedelta(days=7), 18)
    assert close_of_business(DAY) == at(DAY, 18)


def test_at_the_latest_18_00_on_the_eve_of_the_class():
    start = DAY + dt.timedelta(days=3)
    assert deadline_in(7, eve_of=start, now=at(DAY, 9, 5)) == at(start - dt.timedelta(days=1), 18)
    # The eve is further off than the days: the days rule.
    far = DAY + dt.timedelta(days=30)
    assert deadline_in(7, eve_of=far, now=at(DAY, 9)) == at(DAY + dt.timedelta(days=7), 18)


def test_never_less_than_an_hour_off_then_on_a_full_hour():
    """A class starting tomorrow, named this evening: the eve's 18:00 has passed."""
    tomorrow = DAY + dt.timedelta(days=1)
    assert deadline_in(3, eve_of=tomorrow, now=at(DAY, 20, 26)) == at(DAY, 22)
    assert deadline_in(3, eve_of=tomorrow, now=at(DAY, 17, 0)) == at(DAY, 18)
    assert deadline_in(3, eve_of=tomorrow, now=at(DAY, 17, 30)) == at(DAY, 19)
