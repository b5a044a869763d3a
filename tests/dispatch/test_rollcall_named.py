"""A named roll call, end to end through HTTP as the real roles."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from dispatch.models import Dispatch, DispatchStatus, Makeup, RollCall
from ledger.models import HourRecord
from tests.factories import training_class
from tests.flowtools import act, open_task, post_roll_call, process_of, start_class

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def test_the_named_happy_path(world, staff, klass, client):
    client.force_login(world.bob)
    response = post_roll_call(client, klass, [world.cadre_a, world.cadre_a1])
    assert response.status_code == 302, response.content.decode()[:2000]
    roll_call = RollCall.objects.get()
    dispatch = Dispatch.objects.get(cadre=world.cadre_a)
    assert dispatch.status == DispatchStatus.NAMED
    assert roll_call.dispatches.count() == 2
    issued = AuditEvent.objects.get(verb="rollcall.issue", target_id=str(roll_call.pk))
    assert issued.after["named_cadres"] == sorted([world.cadre_a.pk, world.cadre_a1.pk])

    # The unit liaison confirms attendance.
    client.force_login(staff.lily)
    process = process_of(dispatch, "DispatchFlow")
    response = act(client, open_task(process, "confirm"), {"action": "confirm"})
    assert response.status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED
    assert dispatch.acknowledge_due is not None

    # The trainee acknowledges receipt (the task is assigned to their account).
    client.force_login(world.dave)
    ack = open_task(process, "acknowledge")
    assert ack.owner == world.dave
    response = act(client, ack, {"confirm": "on"})
    assert response.status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ACKNOWLEDGED
    assert dispatch.acknowledged_at is not None

    # The registrar records attendance once the class has started; hours are credited.
    start_class(klass)
    client.force_login(world.rita)
    response = act(
        client, open_task(process, "record_attendance"), {"result": "present", "leave_hours": "4"}
    )
    assert response.status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ATTENDED
    assert dispatch.hours_credited == 36
    assert HourRecord.objects.get(cadre=world.cadre_a).hours == 36
    process.refresh_from_db()
    assert process.status == "DONE"
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {
        "rollcall.issue",
        "dispatch.name",
        "dispatch.confirm",
        "dispatch.notice",
        "dispatch.acknowledge",
        "dispatch.attend",
        "hours.credit",
    } <= verbs


def test_an_absent_cadre_owes_makeup_and_is_flagged(world, staff, klass, client):
    client.force_login(world.bob)
    post_roll_call(client, klass, [world.cadre_a])
    dispatch = Dispatch.objects.get()
    process = process_of(dispatch, "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    client.force_login(world.dave)
    act(client, open_task(process, "acknowledge"), {"confirm": "on"})
    start_class(klass)
    client.force_login(world.rita)
    act(client, open_task(process, "record_attendance"), {"result": "absent"})
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ABSENT
    assert dispatch.flagged_for_circular
    makeup = Makeup.objects.get(source=dispatch)
    assert makeup.reason == "absence"
    assert (makeup.due_date - timezone.localdate()).days >= 360
    assert not HourRecord.objects.exists()


def test_leave_over_a_seventh_of_the_hours_withdraws_the_cadre(world, staff, klass, client):
    client.force_login(world.bob)
    post_roll_call(client, klass, [world.cadre_a])
    dispatch = Dispatch.objects.get()
    process = process_of(dispatch, "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    client.force_login(world.dave)
    act(client, open_task(process, "acknowledge"), {"confirm": "on"})
    start_class(klass)
    client.force_login(world.rita)
    act(client, open_task(process, "record_attendance"), {"result": "present", "leave_hours": "6"})
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.WITHDRAWN
    assert Makeup.objects.filter(source=dispatch, reason="withdrawn").exists()


@pytest.mark.parametrize(
    "leave, status, credited",
    [
        ("7.9", DispatchStatus.ATTENDED, "48.1"),  # just under 1/7 of 56 hours
        ("8", DispatchStatus.ATTENDED, "48.0"),  # exactly 1/7: not over it
        ("8.1", DispatchStatus.WITHDRAWN, None),  # just over
    ],
)
def test_the_seventh_of_the_class_hours_is_the_limit(leave, status, credited, world, staff, client):
    from decimal import Decimal

    klass = training_class(
        world.city_od,
        world.school,
        dt.date.today() + dt.timedelta(days=30),
        days=7,
        credit_hours=56,
    )
    client.force_login(world.bob)
    post_roll_call(client, klass, [world.cadre_a])
    dispatch = Dispatch.objects.get()
    process = process_of(dispatch, "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    client.force_login(world.dave)
    act(client, open_task(process, "acknowledge"), {"confirm": "on"})
    start_class(klass)
    client.force_login(world.rita)
    response = act(
        client, open_task(process, "record_attendance"), {"result": "present", "leave_hours": leave}
    )
    assert response.status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == status
    assert dispatch.leave_hours == Decimal(leave)
    if credited is None:
        assert not HourRecord.objects.exists()
        assert Makeup.objects.get(source=dispatch).reason == "withdrawn"
        assert AuditEvent.objects.filter(verb="dispatch.withdraw").count() == 1
    else:
        assert dispatch.hours_credited == Decimal(credited)
        assert HourRecord.objects.get(cadre=world.cadre_a).hours == Decimal(credited)
        assert not Makeup.objects.exists()
        assert AuditEvent.objects.filter(verb="dispatch.attend").count() == 1


def test_a_trainee_lands_on_the_home_page_after_acknowledging(world, staff, klass, client):
    client.force_login(world.bob)
    post_roll_call(client, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    client.force_login(world.dave)
    response = act(client, open_task(process, "acknowledge"), {"confirm": "on"})
    assert response.status_code == 302 and response.url == "/"
    assert client.get(response.url).status_code == 200


def test_the_home_page_counts_the_tasks_waiting_for_the_liaison(world, staff, klass, client):
    client.force_login(world.bob)
    post_roll_call(client, klass, [world.cadre_a, world.cadre_a1])
    client.force_login(staff.lily)
    page = client.get("/").content.decode()
    assert "<b>2</b>" in page and "件待办可认领" in page
    client.force_login(world.charlie)
    assert "<b>2</b>" not in client.get("/").content.decode()
