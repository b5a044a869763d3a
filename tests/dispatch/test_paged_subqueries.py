"""The roll call's and the overdue list's pages run their per-row subqueries (who
answered, the open task) for the page's rows only, through the process's artifact index
(issue 14: ≤ 150 ms at 10,000 dispatches)."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.paging import page_then_annotate
from dispatch import selectors
from dispatch.models import Dispatch
from org import reachcache
from tests.factories import cadre, training_class
from tests.flowtools import issue_roll_call


def _named(world, client, count):
    klass = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=30), quota=count
    )
    people = [cadre(f"干部{i:02}", world.a1, world.city_od) for i in range(count)]
    issue_roll_call(client, world, klass, people)
    return klass.roll_calls.get()


def test_a_page_holds_the_rows_and_values_of_the_whole_list_at_that_place(world, client):
    roll_call = _named(world, client, 7)
    whole = list(selectors.roll_call_dispatches(roll_call))
    page = page_then_annotate(
        selectors.roll_call_dispatch_rows(roll_call), 3, 2, selectors.with_confirmed_by
    )
    assert [d.pk for d in page] == [d.pk for d in whole[3:6]]
    assert [d.confirmed_by_name for d in page] == [d.confirmed_by_name for d in whole[3:6]]
    assert page.paginator.count == 7 and page.number == 2


def test_the_overdue_page_finds_each_open_task_of_its_rows_only(world, client):
    _named(world, client, 5)
    Dispatch.objects.update(confirm_due=timezone.now() - dt.timedelta(hours=1))
    with reachcache.scope():  # as in a request: the grants read once
        rows = selectors.overdue_dispatch_rows(world.bob)
        with CaptureQueriesContext(connection) as ctx:
            page = page_then_annotate(
                rows, 2, 1, lambda r: selectors.overdue_dispatch_tasks(r, world.bob)
            )
        queries = len(ctx)
    assert queries == 2  # the count, then the page's rows with their subqueries
    whole = {d.pk: d.open_task_id for d in selectors.overdue_dispatches(world.bob)}
    assert len(page) == 2 and all(d.open_task_id == whole[d.pk] for d in page)
    assert all(d.open_task_id and d.may_reassign for d in page)


def test_the_open_task_is_looked_up_through_the_process_not_by_status(world, client):
    """SQLite without statistics would walk every task of the status for every row
    (core.planner); the plan starts at the process's artifact index instead."""
    _named(world, client, 2)
    overdue = selectors.overdue_dispatches(world.bob).query.sql_with_params()
    answered = selectors.roll_call_dispatches(Dispatch.objects.first().roll_call)
    if connection.vendor != "sqlite":
        assert '+U0."status"' not in overdue[0]
        return
    for statement, params in (overdue, answered.query.sql_with_params()):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, params)
            plan = " ".join(str(row) for row in cursor.fetchall())
        assert "viewflow_task_status" not in plan, plan
        assert "artifac" in plan, plan
