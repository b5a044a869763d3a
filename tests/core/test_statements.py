"""Statements compiled once per reach (core.statements): built by the ORM on the first call
with a key, run again as SQL afterwards — answering as the queryset would, following every
change of the data and of the grants the key is made of."""

import re

import pytest
from django.db.models import Count, Q

from core import statements
from dispatch.selectors import home_summary
from org import services as org_services
from org.models import Cadre
from org.roles import Role
from org.selectors import cadres_in_reach, reach_key, units_in_reach
from tests.factories import cadre
from tests.flowtools import issue_roll_call
from workflow import mytasks


@pytest.fixture(autouse=True)
def _fresh_store():
    statements.forget()
    yield
    statements.forget()


def test_a_statement_is_built_once_per_key_and_answers_as_its_queryset(world):
    builds = []

    def build():
        builds.append(1)
        return cadres_in_reach(world.alice).values_list("pk", "name")

    key = ("test", *reach_key(world.alice))
    assert statements.rows(key, build) == list(build())
    builds.clear()
    newcomer = cadre("赵新", world.a1, world.city_od)
    again = statements.rows(key, build)
    assert builds == []  # the SQL remembered, run again: the new row is there
    assert (newcomer.pk, "赵新") in again
    assert again == list(cadres_in_reach(world.alice).values_list("pk", "name"))


def test_totals_is_the_aggregate_as_a_statement(world):
    aggregates = {
        "n": Count("pk"),
        "dual": Count("pk", filter=Q(co_managing_org_department__isnull=False)),
    }
    for queryset in (
        Cadre.objects.all(),
        Cadre.objects.filter(unit=world.b),
        Cadre.objects.filter(name="无此人"),
    ):
        expected = queryset.aggregate(**aggregates)
        assert list(statements.totals(queryset, **aggregates)) == [
            (expected["n"], expected["dual"])
        ]
    assert "GROUP BY" not in str(statements.totals(Cadre.objects.all(), n=Count("pk")).query)


def test_the_store_is_bounded(world, monkeypatch):
    monkeypatch.setattr(statements, "SIZE", 3)
    for i in range(5):
        statements.rows(("bounded", i), lambda: Cadre.objects.values_list("pk"))
    assert list(statements._statements) == [("bounded", 2), ("bounded", 3), ("bounded", 4)]


def test_a_changed_grant_changes_the_key_and_what_the_home_page_reads(world, client):
    """Alice heads unit A; made head of unit B as well, her home page counts B's units and
    cadres on the next visit — and not once the role is taken back."""
    client.force_login(world.alice)

    def figures():
        page = client.get("/").content.decode()
        cards = re.findall(r'<div class="card"><b>(\d+)</b>', page)
        return [int(n) for n in cards], page

    before_key = reach_key(world.alice)
    (_mine, _queue, units, cadres, dual), page = figures()
    assert (units, cadres, dual) == (2, 2, 0) and "张喆" not in page

    org_services.role_grant(actor=None, user=world.alice, role="department_head", unit=world.b)
    assert reach_key(world.alice) != before_key
    (_mine, _queue, units, cadres, dual), page = figures()
    assert (units, cadres, dual) == (3, 3, 1) and "张喆" in page

    org_services.role_revoke(actor=None, user=world.alice, role="department_head", unit=world.b)
    assert reach_key(world.alice) == before_key
    (_mine, _queue, units, cadres, dual), page = figures()
    assert (units, cadres, dual) == (2, 2, 0) and "张喆" not in page


def test_the_remembered_answers_are_the_querysets_answers_for_every_role(
    world, staff, klass, client
):
    """For each person of the test world, twice (the second time from the remembered
    SQL): the home page's figures and first rows equal what the selectors' querysets
    answer when run by the ORM."""
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_a1, world.cadre_b])
    people = [world.alice, world.bob, world.carol, world.charlie, world.dave, world.rita]
    people += [staff.lily, staff.luke, world.nobody]
    for _round in range(2):
        for person in people:
            roles = [Role(r) for r in ("department_head", "unit_liaison", "dispatcher")]
            summary = home_summary(person, roles)
            cadres = cadres_in_reach(person)
            assert summary["unit_count"] == units_in_reach(person).count(), person
            assert summary["cadre_count"] == cadres.count(), person
            assert (
                summary["dual_managed_count"]
                == cadres.filter(co_managing_org_department__isnull=False).count()
            )
            assert [c["pk"] for c in summary["own_cadres"]] == list(
                cadres.values_list("pk", flat=True)[:10]
            )
            tasks = mytasks.summary(person)
            expected = mytasks.open_tasks(person)
            assert tasks["queue"] == expected.filter(status="NEW").count()
            assert [row.task.pk for row in tasks["rows"] if row.task] == list(
                expected.values_list("pk", flat=True)[:10]
            )
