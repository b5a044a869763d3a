"""The dispatches read names each dispatch's open task (README: "dispatches (with their
open task)"): its id and its node, or null for a dispatch with none; in the list and the
detail, in the schema, and in statements that do not grow with the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.models import Dispatch
from tests.api.conftest import dispatch_of
from tests.factories import cadre
from tests.flowtools import named, open_task


@pytest.fixture
def confirming(client, world, klass):
    """A dispatch named through the start page: its process waits for the unit's
    confirmation."""
    dispatch, process = named(client, world, klass, world.cadre_a)
    return dispatch, open_task(process, "confirm")


def test_a_dispatch_with_an_open_confirmation_names_it(confirming, world, api):
    dispatch, task = confirming
    client = api.as_(world.bob)
    row = client.get(f"/api/v1/dispatches/{dispatch.pk}/").json()
    assert (row["open_task"], row["open_task_node"]) == (task.pk, "confirm")
    listed = {r["id"]: r for r in client.get("/api/v1/dispatches/").json()["results"]}
    assert (listed[dispatch.pk]["open_task"], listed[dispatch.pk]["open_task_node"]) == (
        task.pk,
        "confirm",
    )
    cursor = client.get("/api/v1/dispatches/?cursor=").json()["results"]
    assert {r["id"]: r["open_task"] for r in cursor}[dispatch.pk] == task.pk


def test_a_dispatch_without_an_open_task_has_null(confirming, world, api):
    dispatch, _task = confirming
    plain = dispatch_of(dispatch.roll_call, world.cadre_a1, status="absent")
    client = api.as_(world.bob)
    row = client.get(f"/api/v1/dispatches/{plain.pk}/").json()
    assert row["open_task"] is None and row["open_task_node"] is None
    listed = {r["id"]: r for r in client.get("/api/v1/dispatches/").json()["results"]}
    assert listed[plain.pk]["open_task"] is None
    assert listed[dispatch.pk]["open_task_node"] == "confirm"


def test_the_open_task_costs_no_statement_per_row(confirming, world, klass, client, api):
    def statements():
        bob = api.as_(world.bob)
        with CaptureQueriesContext(connection) as queries:
            body = bob.get("/api/v1/dispatches/?page_size=100").json()
        assert all(row["open_task"] for row in body["results"])
        return len(queries), len(body["results"])

    one = statements()
    for n in range(4):
        named(client, world, klass, cadre(f"干部{n}", world.a, world.city_od))
    many = statements()
    assert Dispatch.objects.count() == 5
    assert (one[1], many[1]) == (1, 5) and one[0] == many[0]


def test_the_schema_describes_the_open_task(world, api):
    schema = api.as_(world.bob).get("/api/v1/schema/?format=json").json()
    fields = schema["components"]["schemas"]["Dispatch"]["properties"]
    assert fields["open_task"]["type"] == "integer" and fields["open_task"]["nullable"]
    assert fields["open_task_node"]["nullable"] and fields["open_task_node"]["description"]
