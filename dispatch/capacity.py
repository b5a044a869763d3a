"""An institution's capacity (`Institution.capacity`: the seats it can host at a time), one
rule for every way a class comes to be: made on the class page, imported, or planned as a
line of a dispatch plan (`planning.lines`).

Seats taken on dates overlapping a class's: the seats of the plans' lines there (a class
made from one is counted by its line, whatever its own figures say until the line changes)
and the quota of every other class held there on those dates. Plans live above this app,
so the planning app registers its count (`register_planned_seats`) from its AppConfig."""

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

#: (institution, start, end, *, plan, exclude_line, exclude_classes) -> (seats planned, the
#: classes those planned lines were made into, as a queryset of ids)
PlannedSeats = Callable[..., tuple[int, QuerySet | None]]
_planned: list[PlannedSeats] = []


def register_planned_seats(count: PlannedSeats) -> None:
    if count not in _planned:
        _planned.append(count)


#: (institution, since) -> ([(start, end, seats)] planned there and ending on or after
#: `since`, the classes those planned lines were made into, as a queryset of ids)
PlannedBookings = Callable[..., tuple[list, QuerySet | None]]
_bookings: list[PlannedBookings] = []


def register_planned_bookings(bookings: PlannedBookings) -> None:
    if bookings not in _bookings:
        _bookings.append(bookings)


def peak_taken(institution, since) -> tuple[int, object]:
    """(the most seats `seats_taken` counts at `institution` on one day from `since` on,
    the first such day), (0, None) when nothing is booked: the same bookings, read once
    (a query per registered count, and one for the classes)."""
    from dispatch.models import TrainingClass

    bookings = []
    classes = TrainingClass.objects.held().filter(institution=institution, end_date__gte=since)
    for count in _bookings:
        planned, counted_classes = count(institution, since)
        bookings += planned
        if counted_classes is not None:
            classes = classes.exclude(pk__in=counted_classes)
    bookings += classes.values_list("start_date", "end_date", "quota")
    # Seats come on a booking's first day and leave the day after its last; a day's
    # figure is the sum after all its changes.
    changes: dict = {}
    for start, end, seats in bookings:
        start, seats = max(start, since), seats or 0
        changes[start] = changes.get(start, 0) + seats
        day_after = end + dt.timedelta(days=1)
        changes[day_after] = changes.get(day_after, 0) - seats
    peak, peak_day, taken = 0, None, 0
    for day in sorted(changes):
        taken += changes[day]
        if taken > peak:
            peak, peak_day = taken, day
    return peak, peak_day


def seats_taken(institution, start, end, *, plan=None, exclude_line=None, exclude_classes=()):
    """Seats taken at `institution` on dates overlapping [start, end]: what the registered
    counts plan there (`plan` the plan being drafted, `exclude_line` the line being
    replaced) and the quota of every class there not made from a counted line — but not
    `exclude_classes` (ids: the class being changed, or a file's classes counted from its
    rows), nor the lines they were made from."""
    from dispatch.models import TrainingClass

    excluded = [pk for pk in exclude_classes if pk]
    planned = 0
    classes = TrainingClass.objects.held().filter(
        institution=institution, start_date__lte=end, end_date__gte=start
    )
    for count in _planned:
        seats, counted_classes = count(
            institution, start, end, plan=plan, exclude_line=exclude_line, exclude_classes=excluded
        )
        planned += seats
        if counted_classes is not None:
            classes = classes.exclude(pk__in=counted_classes)
    if excluded:
        classes = classes.exclude(pk__in=excluded)
    return planned + (classes.aggregate(n=Sum("quota"))["n"] or 0)


def capacity_refusal(
    institution, start, end, seats: int, *, also_taken: int = 0, **counted
) -> str | None:
    """Why `seats` more at `institution` on [start, end] do not fit its capacity, with
    `also_taken` seats held besides what `seats_taken` counts (the other arguments are
    its); None when they fit or the capacity is unknown."""
    capacity = getattr(institution, "capacity", None)
    if not capacity or start is None or end is None or not seats:
        return None
    taken = also_taken + seats_taken(institution, start, end, **counted)
    if taken + seats <= capacity:
        return None
    return _(
        "%(institution)s holds %(capacity)d seats at a time; classes overlapping "
        "these dates already take %(taken)d, so %(seats)d more do not fit."
    ) % {
        "institution": institution.name,
        "capacity": capacity,
        "taken": taken,
        "seats": seats,
    }


def require_capacity(institution, start, end, seats: int, *, field: str, **counted) -> None:
    """`capacity_refusal`, raised as a ValidationError on `field`. Inside a transaction
    the institution's row is locked first, so two classes saved at once are counted one
    after the other (the lock is held until the caller's transaction ends)."""
    if getattr(institution, "capacity", None) and transaction.get_connection().in_atomic_block:
        from dispatch.models import Institution

        Institution.objects.select_for_update().filter(pk=institution.pk).exists()
    refusal = capacity_refusal(institution, start, end, seats, **counted)
    if refusal:
        raise ValidationError({field: refusal})
