"""Reads of circulars, jurisdiction-filtered."""

import json

from django.db import connections, router
from django.db.models import BooleanField, Exists, OuterRef, Q
from django.db.models.expressions import RawSQL

from circulars.models import Circular
from dispatch.models import Dispatch
from notifications.reach import subject_in
from org.selectors import units_in_reach


def circular_documents(user) -> Q:
    """Circulars the user may open: those of a department whose jurisdiction holds any of
    the user's units (registered with `notifications.reach` in `CircularsConfig.ready`)."""
    reach = units_in_reach(user)
    circulars = Circular.objects.filter(
        Exists(reach.filter(path__startswith=OuterRef("org_department__jurisdiction__path")))
    )
    return subject_in(Circular, circulars)


def _pk_among(model, ids: list[int]):
    """A filter: `model`'s primary key is one of `ids`, the ids sent as ONE parameter.
    A circular may name 80,000 absences, more than the bind parameters PostgreSQL
    (65,535) or SQLite (32,766 unless built otherwise) allow one placeholder per id.

    PostgreSQL: `= ANY(array)`, checked against the hashed array in one scan of the
    table; `IN (SELECT unnest(array))` was planned as 83,333 index lookups (at 1,000,000
    dispatches a page of 100 names took 0.5–0.65 s that way, 0.2–0.25 s this way). The
    array goes in its text form: psycopg adapting a list of 83,333 ints costs 80 ms.
    The table is named as is: for a top-level query on `model` only. SQLite: the ids
    as JSON."""
    connection = connections[router.db_for_read(model)]
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        pk = f"{quote(model._meta.db_table)}.{quote(model._meta.pk.column)}"
        array = "{" + ",".join(str(int(pk_value)) for pk_value in ids) + "}"
        return RawSQL(f"{pk} = ANY(%s::bigint[])", (array,), output_field=BooleanField())
    if connection.vendor == "sqlite":
        return Q(pk__in=RawSQL("SELECT value FROM json_each(%s)", (json.dumps(ids),)))
    return Q(pk__in=ids)


def absentee_count(figures) -> int:
    """How many unexcused absences the circular's figures list (no query)."""
    if "absentee_ids" in figures:
        return len(figures["absentee_ids"])
    return len(figures.get("absentees", []))


def absentee_rows(figures, *, offset: int = 0, limit: int | None = None) -> list[dict]:
    """The unexcused absentees of the figures as the circular lists them —
    {"name", "unit", "missed_class"} by unit in path order, then name in the database's
    collation, the class's start date and the dispatch — rows `offset` to
    `offset + limit` (all from `offset` without a limit).

    The figures store only the dispatches' ids (`circular_figures`); the names are read
    here, when the list is shown or printed, in one query. Figures stored before that
    carry the list itself ("absentees"), which is returned as it was stored."""
    stop = None if limit is None else offset + limit
    if "absentee_ids" not in figures:
        return list(figures.get("absentees", [])[offset:stop])
    ids = figures["absentee_ids"]
    if not ids or (limit is not None and limit <= 0):
        return []
    rows = (
        Dispatch.objects.filter(_pk_among(Dispatch, ids))
        .order_by("unit__path", "cadre__name", "training_class__start_date", "pk")
        .values_list("cadre__name", "unit__name", "training_class__name")
    )[offset:stop]
    return [{"name": name, "unit": unit, "missed_class": klass} for name, unit, klass in rows]
