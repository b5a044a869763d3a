"""A cadre never holds two live dispatches to overlapping classes, whichever path books
them: a named roll call, a nomination for allotted seats, a scheduled makeup. One after
the other, the service itself refuses the second booking (so the SQLite leg tests the
rule too); on PostgreSQL the check runs only once the cadres' rows are locked (the race
itself: tests/hardening/test_concurrency.py)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch import services
from dispatch.models import Dispatch, Makeup, QuotaAllocation, RollCall, RollCallMode
from dispatch.services.rollcall import check_cadres_free
from tests.factories import training_class
from tests.flowtools import act, deadline, issue_roll_call, open_task, process_of, run_to_absence

CLASH = "王堃已被调训参加{}，与本班次时间冲突或重复。"


def overlapping(world, klass, name="同期班"):
    return training_class(
        world.city_od, world.school, klass.start_date + dt.timedelta(days=2), name=name
    )


def in_days(days):
    return dt.datetime.now().astimezone() + dt.timedelta(days=days)


def test_a_named_roll_call_for_an_overlapping_class_is_refused_by_the_service(world, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a])
    other = overlapping(world, klass)

    with pytest.raises(ValidationError) as refused:
        services.roll_call_issue(
            actor=world.bob,
            training_class=other,
            mode=RollCallMode.NAMED,
            response_deadline=in_days(10),
            cadres=[world.cadre_a],
        )

    assert refused.value.messages == [CLASH.format(klass.name)]
    assert RollCall.objects.count() == 1
    assert list(Dispatch.objects.values_list("training_class", flat=True)) == [klass.pk]


def test_naming_a_cadre_for_a_roll_call_already_issued_is_refused_once_they_are_booked(
    world, klass, client
):
    """The dispatch itself is written by `dispatches_create`, which checks again."""
    issue_roll_call(client, world, klass, [world.cadre_a])
    other = overlapping(world, klass)
    roll_call = services.roll_call_issue(
        actor=world.bob,
        training_class=other,
        mode=RollCallMode.NAMED,
        response_deadline=in_days(10),
        cadres=[world.cadre_a1],
    )

    with pytest.raises(ValidationError) as refused:
        services.dispatches_create(actor=world.bob, roll_call=roll_call, cadres=[world.cadre_a])

    assert refused.value.messages == [CLASH.format(klass.name)]
    assert not Dispatch.objects.filter(training_class=other).exists()


@pytest.mark.klass(quota=5)
def test_a_nomination_of_a_cadre_booked_into_an_overlapping_class_is_refused(
    world, staff, klass, client
):
    issue_roll_call(client, world, klass, [world.cadre_a])
    other = overlapping(world, klass)
    client.force_login(world.bob)
    response = client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": other.pk,
            "mode": "quota",
            "response_deadline": deadline(),
            "allocations": f"{world.a.code} 1",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    allocation = QuotaAllocation.objects.get()

    with pytest.raises(ValidationError) as refused:
        services.nomination_submit(actor=staff.lily, allocation=allocation, cadres=[world.cadre_a])

    assert refused.value.messages == [CLASH.format(klass.name)]
    allocation.refresh_from_db()
    assert allocation.status == "awaiting_nomination" and not allocation.nominees.exists()


def test_a_makeup_into_a_class_overlapping_one_the_cadre_is_booked_for_is_refused(
    world, staff, client
):
    missed = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=20))
    makeup = Makeup.objects.get(source=run_to_absence(client, world, staff, missed, world.cadre_a))
    booked = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=60), name="已调训班"
    )
    issue_roll_call(client, world, booked, [world.cadre_a])
    other = overlapping(world, booked, name="补训同期班")

    client.force_login(world.bob)
    response = act(
        client,
        open_task(process_of(makeup, "MakeupFlow"), "schedule"),
        {"training_class": other.pk},
    )

    assert response.status_code == 200
    assert CLASH.format(booked.name) in response.content.decode()
    with pytest.raises(ValidationError):
        services.makeup_schedule(actor=world.bob, makeup=makeup, training_class=other)
    assert not Dispatch.objects.filter(training_class=other).exists()
    makeup.refresh_from_db()
    assert makeup.status == "owed"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no row locks; it serialises writers"
)
def test_the_clash_check_locks_the_cadres_in_key_order_before_it_reads(world, klass):
    first, second = sorted([world.cadre_a1, world.cadre_a], key=lambda c: c.pk, reverse=True)

    with CaptureQueriesContext(connection) as queries:
        check_cadres_free([first, second], klass)

    sql = [q["sql"] for q in queries.captured_queries]
    lock = next(i for i, s in enumerate(sql) if '"org_cadre"' in s and "FOR UPDATE" in s)
    read = next(i for i, s in enumerate(sql) if '"dispatch_dispatch"' in s)
    assert lock < read
    assert "ORDER BY 1 ASC FOR UPDATE" in sql[lock]  # 1: the key
