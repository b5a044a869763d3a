"""Who may reassign a stuck task is one rule, `workflow.policy`: the Python form the
reassign page and service ask for one task, and the SQL form the overdue list computes
for all its rows, are both made from `reassign_units` and agree on every sample."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from viewflow.workflow.models import Task

from dispatch import selectors
from dispatch.models import Dispatch
from org.models import Unit
from tests.factories import user
from tests.flowtools import issue_roll_call, open_task, process_of
from workflow import policy
from workflow.services import task_reassign


@pytest.fixture
def people(world, staff):
    return {
        "bob": world.bob,  # the city's dispatcher: every unit
        "carol": world.carol,  # the county's dispatcher: unit B, not A
        "root": user("root", is_superuser=True, is_staff=True),
        "oscar": staff.oscar,  # reads the city, dispatches nothing
        "alice": world.alice,
        "lily": staff.lily,
        "dave": world.dave,
    }


@pytest.fixture
def overdue(world, klass, client):
    """Two overdue dispatches, one in unit A (city) and one in unit B (county)."""
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_b])
    client.logout()
    Dispatch.objects.update(confirm_due=timezone.now() - dt.timedelta(hours=1))
    return list(Dispatch.objects.order_by("pk"))


def open_task_of(dispatch):
    return open_task(process_of(dispatch, "DispatchFlow"), "confirm")


def test_a_dispatcher_over_the_tasks_unit_may_reassign_it(people, world, overdue):
    in_a, in_b = (open_task_of(d) for d in overdue)
    assert policy.may_reassign(people["bob"], in_a) and policy.may_reassign(people["bob"], in_b)
    assert policy.may_reassign(people["carol"], in_b)
    assert policy.may_reassign(people["root"], in_a)


@pytest.mark.parametrize("name", ["oscar", "alice", "lily", "dave"])
def test_nobody_else_may_reassign_it(people, world, overdue, name):
    task = open_task_of(overdue[0])
    assert not policy.may_reassign(people[name], task)
    with pytest.raises(PermissionDenied):
        task_reassign(actor=people[name], task=task, to_user=world.alice)


def test_the_county_dispatcher_may_not_reassign_a_city_units_task(people, overdue):
    assert not policy.may_reassign(people["carol"], open_task_of(overdue[0]))


def test_the_sql_and_the_python_form_agree_on_every_unit(people, world):
    units = list(Unit.objects.order_by("pk"))
    for name, person in people.items():
        by_sql = set(
            Unit.objects.filter(policy.may_reassign_exists(person, "pk")).values_list(
                "pk", flat=True
            )
        )
        by_python = {u.pk for u in units if policy.may_reassign_in(person, u)}
        assert by_sql == by_python, name
    assert not policy.may_reassign_in(people["bob"], None)


def test_the_overdue_list_page_and_service_agree_with_the_predicate(people, overdue, client):
    checked = 0
    for name, person in people.items():
        rows = list(selectors.overdue_dispatches(person))
        for row in rows:
            task = Task.objects.get(pk=row.open_task_id)
            allowed = policy.may_reassign(person, task)
            assert row.may_reassign == allowed, (name, row.cadre.name)
            client.force_login(person)
            status = client.get(f"/tasks/{task.pk}/reassign/").status_code
            assert status == (200 if allowed else 403), (name, row.cadre.name, status)
            checked += 1
    assert checked >= 6  # rows seen by dispatchers and by people who may not reassign
