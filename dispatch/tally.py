"""The running counts of dispatches per unit, class and status (`DispatchTally`): read,
merged, and counted again.

The triggers that keep them are created by migration 0006 (PostgreSQL: statement-level,
from the statement's transition tables, one row per key a statement changed; SQLite: a
row per inserted or updated dispatch). Every row is a change (+/−), so writers never
wait for each other on a shared counter row and cannot deadlock on one; the count of a
key is the sum of its rows. `compact` merges each key's rows into one (beat runs it every
ten minutes, `dispatch.compact_tally`); `rebuild` discards them and counts the
dispatches again.

Dispatches are never deleted by the application. PostgreSQL counts a DELETE all the
same; SQLite does not (Django's test flush empties the tables one by one in any order,
and a DELETE trigger there would leave negative rows behind): after deleting dispatches
by hand on SQLite, run `manage.py rebuild_dispatch_tally`."""

from __future__ import annotations

from collections import defaultdict

from django.db import connections, transaction
from django.db.models import Q, Sum

from dispatch.models import DispatchTally

FIELDS = ("dispatches", "leave_requests", "notified", "acknowledged")
KEY = ("unit_id", "training_class_id", "status")

COUNT_SELECT = """
SELECT unit_id, training_class_id, status, COUNT(*),
       SUM(CASE WHEN request_kind = 'leave' THEN 1 ELSE 0 END),
       COUNT(acknowledge_due), COUNT(acknowledged_at)
FROM dispatch_dispatch
GROUP BY unit_id, training_class_id, status
"""
COUNT_DISPATCHES = (
    "INSERT INTO dispatch_tally (unit_id, training_class_id, status, dispatches, "
    "leave_requests, notified, acknowledged)" + COUNT_SELECT
)


def summed(rows, *keys):
    """`rows` of the tally grouped by `keys`: each key's values, then its sums of `FIELDS`."""
    return (
        rows.order_by()
        .values_list(*keys)
        .annotate(*(Sum(field) for field in FIELDS))
        .values_list(*keys, *(f"{field}__sum" for field in FIELDS))
    )


def counts(*, unit_ids, class_ids, exclude_status=None):
    """(unit id, status, dispatches, leave requests, notified, acknowledged) for the
    dispatches of `unit_ids` in `class_ids`, summed over the classes; statuses left with
    no dispatch are not returned."""
    rows = DispatchTally.objects.filter(
        unit_id__in=list(unit_ids), training_class_id__in=list(class_ids)
    )
    if exclude_status is not None:
        rows = rows.exclude(status=exclude_status)
    return summed(rows, "unit_id", "status").filter(~Q(dispatches__sum=0))


def compact(using: str = "default") -> int:
    """Merge the rows of every key that has several into one (none when they add up to
    nothing); returns how many rows were merged. Safe beside writers and another
    compaction: each row is deleted by exactly one statement, which returns it, and its
    counts go into that compaction's merged row."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM dispatch_tally WHERE ({', '.join(KEY)}) IN ("
            f"SELECT {', '.join(KEY)} FROM dispatch_tally "
            f"GROUP BY {', '.join(KEY)} HAVING COUNT(*) > 1) "
            f"RETURNING {', '.join(KEY + FIELDS)}"
        )
        merged: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(FIELDS))
        deleted = 0
        for row in cursor.fetchall():
            deleted += 1
            sums = merged[row[:3]]
            for i, value in enumerate(row[3:]):
                sums[i] += value
        DispatchTally.objects.using(using).bulk_create(
            [
                DispatchTally(
                    **dict(zip(KEY, key, strict=True)), **dict(zip(FIELDS, sums, strict=True))
                )
                for key, sums in merged.items()
                if any(sums)
            ],
            batch_size=2000,
        )
    return deleted


def rebuild(using: str = "default") -> int:
    """Count the tallies again from the dispatches (writers to the dispatches wait while
    it runs on PostgreSQL); returns the number of rows counted."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("LOCK TABLE dispatch_dispatch IN SHARE MODE")
        cursor.execute("DELETE FROM dispatch_tally")
        cursor.execute(COUNT_DISPATCHES)
    return DispatchTally.objects.using(using).count()


def differences(using: str = "default") -> dict[tuple, tuple]:
    """Keys whose tally differs from a count of the dispatches: {key: (tally, counted)}."""
    with connections[using].cursor() as cursor:
        cursor.execute(COUNT_SELECT)
        counted = {tuple(row[:3]): tuple(row[3:]) for row in cursor.fetchall()}
    tallied = {
        tuple(row[:3]): tuple(row[3:]) for row in summed(DispatchTally.objects.using(using), *KEY)
    }
    zero = (0,) * len(FIELDS)
    return {
        key: (tallied.get(key, zero), counted.get(key, zero))
        for key in counted.keys() | tallied.keys()
        if tallied.get(key, zero) != counted.get(key, zero)
    }
