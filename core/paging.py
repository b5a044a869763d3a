"""Paging a list whose rows carry per-row subqueries (the open task, who answered).

A correlated subquery in the select list is evaluated for every row the statement sorts,
before the page is cut (SQLite always, PostgreSQL usually), so a page of 100 rows out of
10,000 paid for 10,000 lookups. `page_then_annotate` cuts the page from the plain list
first — its count and the ids of the page, in order — and then reads those rows with
their annotations in one query: a count and one statement, the subqueries run per shown
row.

`CountedPaginator` pages a list whose count the page has already read; `rows_by_ids`
reads a page of a long list in two steps, its ids then its rows."""

from collections.abc import Callable

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def page_then_annotate(
    queryset: QuerySet, per_page: int, number, annotate: Callable[[QuerySet], QuerySet]
) -> Page:
    """Page `number` of the ordered `queryset`, its rows read through `annotate(rows)`
    (which adds per-row annotations and keeps the order)."""
    page = Paginator(queryset, per_page).get_page(number)
    ids = page.object_list.values("pk")
    page.object_list = list(annotate(queryset.filter(pk__in=ids)))
    return page


def rows_by_ids(page: Page, read: Callable[[list], QuerySet]) -> Page:
    """`page` with its rows read in two statements: the ids of the page from the filtered,
    ordered list (which an index can answer without reading a table row of the list it
    sorts), then those rows by id through `read(ids)` (which loads them as shown, in the
    list's order)."""
    ids = list(page.object_list.values_list("pk", flat=True))
    page.object_list = list(read(ids)) if ids else []
    return page


class CountedPaginator(Paginator):
    """A paginator given the list's count, when the page has already read it (with other
    figures of the list, in one aggregate) — so the count is not asked a second time."""

    def __init__(self, object_list, per_page, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @property
    def count(self) -> int:
        return self._known_count
