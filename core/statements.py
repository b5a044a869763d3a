"""Statements built by the ORM once, run again as SQL.

Building a queryset and compiling it to SQL costs Django far more than the database
spends running it on the sizes a page reads: 我的待办's jurisdiction-filtered task query
takes about 2 ms to build and compile for 0.1 ms of work in SQLite, and a department
head's home page asked five such statements on every visit. A statement whose SQL is a
function of a few known inputs — the user and the grants their reach is made of
(`org.selectors.reach_key`) — is built and compiled once per process for those inputs;
afterwards its SQL runs again with the same parameters.

The rule stays where it is (the selector that builds the queryset); this module only
remembers what the ORM made of it. The key must hold every input the queryset is built
from: two calls with equal keys must build the same statement (tests/core/
test_statements.py compares each with a fresh build). Rows come back as the database
returns them, without the ORM's converters: select integers and text, not dates or
decimals.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet, Value

#: statements remembered per process (least recently used dropped first)
SIZE = 4096

_statements: OrderedDict[Hashable, tuple[str, tuple, str]] = OrderedDict()
_lock = threading.Lock()


def rows(key: Hashable, build: Callable[[], QuerySet]) -> list[tuple]:
    """The rows of `build()` (a `values_list` queryset), its SQL compiled on the first
    call with `key` and remembered; `build` is not called again for the same key."""
    with _lock:
        entry = _statements.get(key)
        if entry is not None:
            _statements.move_to_end(key)
    if entry is None:
        queryset = build()
        try:
            sql, params = queryset.query.sql_with_params()
        except EmptyResultSet:  # nothing can match (no reach): no statement to run
            sql, params = None, ()
        entry = (sql, tuple(params), queryset.db)
        with _lock:
            _statements[key] = entry
            while len(_statements) > SIZE:
                _statements.popitem(last=False)
    sql, params, alias = entry
    if sql is None:
        return []
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def first(key: Hashable, build: Callable[[], QuerySet], default: tuple) -> tuple:
    """The first row of `rows(key, build)`, or `default` when there is none (an aggregate
    over nothing in reach: `totals` of an empty queryset runs no statement)."""
    found = rows(key, build)
    return found[0] if found else default


def totals(queryset: QuerySet, **aggregates) -> QuerySet:
    """`queryset.aggregate(**aggregates)` as a statement not yet run: one row of the
    aggregates' values, in the order given (grouped by a constant, which Django leaves
    out of the SQL)."""
    return (
        queryset.order_by()
        .annotate(_whole=Value(1))
        .values("_whole")
        .annotate(**aggregates)
        .values_list(*aggregates)
    )


def forget() -> None:
    """Drop every remembered statement (tests that count statements being built)."""
    with _lock:
        _statements.clear()
