"""A roll call's 签收 list (`/rollcalls/<id>/acknowledgements/`) counts and lists only the
notices in force: one line per dispatch, with the notice it holds now — a notice reissued
on a class change replaces the old one, which is not listed — and none for a dispatch
whose notice was voided with it (the roll call cancelled, the cadre excused)."""

import datetime as dt

import pytest

from dispatch import selectors
from dispatch.flows.rollcall import cancel_roll_call
from dispatch.models import Dispatch, DispatchStatus, TrainingClass
from dispatch.services import training_class_save
from tests.flowtools import act, issue_roll_call, open_task, process_of

pytestmark = [
    pytest.mark.klass(name="全市专题培训班", credit_hours=40),
    pytest.mark.usefixtures("media"),
]


def notified(client, world, staff, klass, cadres) -> list[Dispatch]:
    """`cadres` named for `klass` and confirmed by the liaison: their dispatches, each
    notified, in the order of `cadres`."""
    issue_roll_call(client, world, klass, cadres)
    client.force_login(staff.lily)
    for cadre in cadres:
        process = process_of(Dispatch.objects.get(cadre=cadre), "DispatchFlow")
        act(client, open_task(process, "confirm"), {"action": "confirm"})
    dispatches = [Dispatch.objects.get(cadre=cadre) for cadre in cadres]
    assert {d.status for d in dispatches} == {DispatchStatus.NOTIFIED}
    return dispatches


def moved(world, klass):
    """The class eight days later: its notices are reissued."""
    klass = TrainingClass.objects.get(pk=klass.pk)
    later = dt.timedelta(days=8)
    klass.start_date += later
    klass.end_date += later
    klass.report_date += later
    training_class_save(actor=world.bob, training_class=klass)


def page(client, world, roll_call) -> str:
    """The list as the dispatcher reads it (from its heading: not the messages above)."""
    client.force_login(world.bob)
    response = client.get(f"/rollcalls/{roll_call.pk}/acknowledgements/")
    assert response.status_code == 200
    return response.content.decode().split("<h1>", 1)[1]


def test_a_reissued_notice_is_listed_once_with_its_new_number(world, staff, klass, client):
    first, second = notified(client, world, staff, klass, [world.cadre_a, world.cadre_a1])
    old = {d.pk: d.notice_reference for d in (first, second)}
    moved(world, klass)

    roll_call = first.roll_call
    assert selectors.acknowledgement_counts(roll_call) == {"total": 2, "pending": 2}
    rows = list(selectors.roll_call_notified(roll_call))
    assert len(rows) == 2
    assert all(row.notice_reference != old[row.pk] for row in rows)
    text = page(client, world, roll_call)
    assert "共2份通知，2份尚未签收" in text
    for row in rows:
        assert row.notice_reference in text and old[row.pk] not in text


def test_an_excused_cadres_voided_notice_is_not_counted(world, staff, klass, client):
    first, second = notified(client, world, staff, klass, [world.cadre_a, world.cadre_a1])
    moved(world, klass)
    # Excused after the notice (leave approved): the notice no longer stands.
    Dispatch.objects.filter(pk=second.pk).update(status=DispatchStatus.DEFERRED)

    roll_call = first.roll_call
    assert selectors.acknowledgement_counts(roll_call) == {"total": 1, "pending": 1}
    assert [d.pk for d in selectors.roll_call_notified(roll_call)] == [first.pk]
    text = page(client, world, roll_call)
    assert "共1份通知，1份尚未签收" in text
    assert world.cadre_a.name in text and world.cadre_a1.name not in text


def test_a_cancelled_roll_calls_notices_are_void(world, staff, klass, client):
    first, _second = notified(client, world, staff, klass, [world.cadre_a, world.cadre_a1])
    moved(world, klass)
    roll_call = first.roll_call
    cancel_roll_call(actor=world.bob, roll_call=roll_call, reason="班次调整")
    assert set(roll_call.dispatches.values_list("status", flat=True)) == {DispatchStatus.CANCELLED}

    assert selectors.acknowledgement_counts(roll_call) == {"total": 0, "pending": 0}
    assert not selectors.roll_call_notified(roll_call).exists()
    text = page(client, world, roll_call)
    assert "共0份通知，0份尚未签收" in text
    assert world.cadre_a.name not in text and world.cadre_a1.name not in text


def test_a_notice_whose_request_waits_is_still_pending(world, staff, klass, client):
    """Leave asked at 签收 and not decided yet: the notice stands and is not acknowledged."""
    first, second = notified(client, world, staff, klass, [world.cadre_a, world.cadre_a1])
    Dispatch.objects.filter(pk=second.pk).update(status=DispatchStatus.REQUESTED)

    roll_call = first.roll_call
    assert selectors.acknowledgement_counts(roll_call) == {"total": 2, "pending": 2}
    assert "共2份通知，2份尚未签收" in page(client, world, roll_call)
