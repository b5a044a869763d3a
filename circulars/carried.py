"""上期未结班次: what became of the dispatches an earlier circular counted as still in
progress (未结), reported in the next circular of the same organization department.

A circular counts the dispatches to the classes that started in its period as they
stand when it is counted; a class still running then (a cadre not yet recorded present
or absent) is counted 未结, and its outcome, recorded later, would never be reported:
the next circular counts only its own period's classes. So a circular stores the ids of
the dispatches it counted in progress (`open_ids`), and the next one reports those
settled since (`carried_figures`, stored under "carried": their outcomes per unit, the
ids of the unexcused absentees to name, and the ids reported), each of them once: a
dispatch reported by one circular is not reported by another.

Only circulars whose figures are final (approved: being issued or issued) are read:
the figures of a draft are counted again when it is submitted. A dispatch's class may
lie in the periods of two final circulars (a quarter and its calendar year): the one
ranked last (period end, then creation) tells whether it was still in progress.
Circulars stored before `open_ids` existed say nothing of which dispatches were in
progress: for them, those closed after the circular was last counted (its audit trail)
were."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType

from audit.models import AuditEvent
from circulars.models import Circular, CircularStatus
from circulars.periods import live_circulars
from circulars.selectors import _pk_among
from dispatch.models import Dispatch, DispatchStatus
from dispatch.models.dispatch import OPEN_DISPATCH_STATUSES
from org.models import Unit

#: The outcomes a settled dispatch is counted under (a deferral asked as leave: leave).
CARRIED_KEYS = ("attended", "leave", "deferred", "exempt", "absent", "withdrawn")

#: Circulars whose figures are no longer counted again.
FINAL = (CircularStatus.ISSUING, CircularStatus.ISSUED)

_OUTCOME = {
    DispatchStatus.ATTENDED: "attended",
    DispatchStatus.EXEMPT: "exempt",
    DispatchStatus.ABSENT: "absent",
    DispatchStatus.WITHDRAWN: "withdrawn",
}


def open_ids(org_department, start: dt.date, end: dt.date) -> list[int]:
    """The dispatches counted in progress (未结) by the circular of [start, end]: those
    of the jurisdiction's units to the classes that started in the period, in an open
    status (`circular_figures` counts them from the tallies)."""
    return list(
        Dispatch.objects.filter(
            unit__in=Unit.objects.subtree(org_department.jurisdiction),
            training_class__start_date__gte=start,
            training_class__start_date__lte=end,
            status__in=OPEN_DISPATCH_STATUSES,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@dataclass
class _Earlier:
    """A final circular of a period before the one counted."""

    pk: int
    start: dt.date
    end: dt.date
    open_ids: set[int] | None  # None: stored before open_ids existed
    counted_at: dt.datetime | None = None


def _counted_at(circular_id: int) -> dt.datetime | None:
    """When the figures of a circular were last counted, from its audit trail."""
    return (
        AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(Circular),
            target_id=str(circular_id),
            verb__in=("circular.create", "circular.recompute"),
        )
        .order_by("-created_at", "-pk")
        .values_list("created_at", flat=True)
        .first()
    )


def _earlier(org_department, start: dt.date) -> list[_Earlier]:
    """The department's final circulars of periods ended before `start`, by rank."""
    rows = (
        live_circulars(org_department)
        .filter(status__in=FINAL, period_end__lt=start)
        .order_by("period_end", "pk")
        .values_list("pk", "period_start", "period_end", "figures__open_ids")
    )
    earlier = [
        _Earlier(pk, first, last, None if ids is None else set(ids))
        for pk, first, last, ids in rows
    ]
    for circular in earlier:
        if circular.open_ids is None:
            circular.counted_at = _counted_at(circular.pk)
    return earlier


def _already_reported(org_department) -> set[int]:
    """The dispatches the department's final circulars have reported as carried over."""
    reported: set[int] = set()
    for ids in (
        live_circulars(org_department)
        .filter(status__in=FINAL)
        .values_list("figures__carried__ids", flat=True)
    ):
        reported.update(ids or ())
    return reported


_FIELDS = ("pk", "unit_id", "status", "request_kind", "training_class__start_date", "closed_at")


def _candidates(org_department, start: dt.date, earlier: list[_Earlier]) -> dict[int, tuple]:
    """The settled dispatches of the jurisdiction to classes before `start` that some
    earlier circular may have counted in progress, by id."""
    settled = (
        Dispatch.objects.filter(
            unit__in=Unit.objects.subtree(org_department.jurisdiction),
            training_class__start_date__lt=start,
        )
        .exclude(status__in=[*OPEN_DISPATCH_STATUSES, DispatchStatus.CANCELLED])
        .order_by()
    )
    rows: dict[int, tuple] = {}
    opened = sorted(set().union(*(c.open_ids for c in earlier if c.open_ids)))
    if opened:
        for row in settled.filter(_pk_among(Dispatch, opened)).values_list(*_FIELDS):
            rows[row[0]] = row
    for circular in earlier:
        if circular.open_ids is None and circular.counted_at is not None:
            legacy = settled.filter(
                training_class__start_date__gte=circular.start,
                training_class__start_date__lte=circular.end,
                closed_at__gt=circular.counted_at,
            )
            for row in legacy.values_list(*_FIELDS):
                rows[row[0]] = row
    return rows


def _was_open(row: tuple, earlier: list[_Earlier]) -> bool:
    """Whether the dispatch was in progress when the last-ranked final circular whose
    period holds its class's start was counted."""
    pk, *_, day, closed_at = row
    covering = None
    for circular in earlier:  # by rank: the last that holds the day wins
        if circular.start <= day <= circular.end:
            covering = circular
    if covering is None:
        return False
    if covering.open_ids is not None:
        return pk in covering.open_ids
    return bool(closed_at and covering.counted_at and closed_at > covering.counted_at)


def carried_figures(org_department, start: dt.date) -> dict | None:
    """The outcomes, settled since, of the dispatches the department's earlier final
    circulars counted in progress and that no final circular has reported yet: per unit
    (path order) with the counts of `CARRIED_KEYS`, the unexcused absentees' dispatch
    ids (named like the period's own, `circulars.selectors.absentee_rows`) and the ids
    reported ("ids", so that no later circular reports them again). None when there
    is nothing to report."""
    earlier = _earlier(org_department, start)
    if not earlier:
        return None
    rows = _candidates(org_department, start, earlier)
    if not rows:
        return None
    reported = _already_reported(org_department)
    settled = [
        row for pk, row in sorted(rows.items()) if pk not in reported and _was_open(row, earlier)
    ]
    if not settled:
        return None
    per_unit: dict[int, dict] = defaultdict(lambda: dict.fromkeys(CARRIED_KEYS, 0))
    for _pk, unit_id, status, request_kind, _day, _closed in settled:
        if status == DispatchStatus.DEFERRED:
            key = "leave" if request_kind == "leave" else "deferred"
        else:
            key = _OUTCOME[status]
        per_unit[unit_id][key] += 1
    names = Unit.objects.filter(pk__in=list(per_unit)).order_by("path").values_list("pk", "name")
    return {
        "ids": [row[0] for row in settled],
        "absentee_ids": [row[0] for row in settled if row[2] == DispatchStatus.ABSENT],
        "units": [{"unit_id": pk, "unit": name, **per_unit[pk]} for pk, name in names],
    }


def carried_totals(figures: dict) -> dict | None:
    """The counts of `CARRIED_KEYS` over the units of the figures' carried outcomes."""
    carried = figures.get("carried")
    if not carried:
        return None
    return {k: sum(row.get(k, 0) for row in carried.get("units", [])) for k in CARRIED_KEYS}
