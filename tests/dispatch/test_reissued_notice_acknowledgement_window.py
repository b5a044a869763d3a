"""A notice reissued on a class change gives its notified trainee a fresh window to sign
it — as long as the first notice gave (three days) — and the acknowledgement deadline's
armed timers follow: the reminder and the escalation come by the new due moment, not
by the old one."""

import datetime as dt

import pytest
import time_machine

from audit.models import AuditEvent
from dispatch.models import Dispatch
from tests.dispatch.class_change_kit import by_service, moved, notified
from tests.flowtools import fire_at

pytestmark = [
    pytest.mark.klass(name="全市专题培训班", credit_hours=40),
    pytest.mark.usefixtures("media"),
]

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


def reminded(dispatch) -> int:
    return AuditEvent.objects.filter(
        verb="dispatch.remind.acknowledge", target_id=str(dispatch.pk)
    ).count()


def escalated(dispatch) -> bool:
    return Dispatch.objects.get(pk=dispatch.pk).escalated


def moved_at(moment, world, klass):
    """The class moved eight days later, with the clock at `moment`."""
    with time_machine.travel(moment, tick=False):
        by_service(world, klass, **moved(klass))


def test_the_reissued_notice_is_signed_for_by_a_fresh_due_moment(world, staff, klass, client):
    dispatch, _process = notified(client, world, staff, klass, [world.cadre_a])
    old_due = dispatch.acknowledge_due
    issued = old_due - 3 * DAY  # the first notice gave three days

    moved_at(issued + DAY, world, klass)
    dispatch.refresh_from_db()
    new_due = dispatch.acknowledge_due
    assert abs(new_due - (issued + DAY + 3 * DAY)) < dt.timedelta(seconds=1)
    event = AuditEvent.objects.get(verb="dispatch.notice_reissue", target_id=str(dispatch.pk))
    assert event.actor == world.bob
    assert event.before["acknowledge_due"] != event.after["acknowledge_due"]

    # The old reminder's and due moment's hours pass quietly.
    fire_at(old_due - 12 * HOUR)
    assert reminded(dispatch) == 0
    # A day before the new due moment: reminded; past it: escalated.
    fire_at(new_due - 12 * HOUR)
    assert reminded(dispatch) == 1 and not escalated(dispatch)
    fire_at(old_due + HOUR)
    assert not escalated(dispatch)
    fire_at(new_due + HOUR)
    assert escalated(dispatch)


def test_a_reminded_trainee_is_escalated_by_the_new_due_moment(world, staff, klass, client):
    dispatch, _process = notified(client, world, staff, klass, [world.cadre_a])
    old_due = dispatch.acknowledge_due
    fire_at(old_due - 12 * HOUR)  # reminded: the wait until the old due moment is armed
    assert reminded(dispatch) == 1

    moved_at(old_due - 6 * HOUR, world, klass)
    dispatch.refresh_from_db()
    new_due = dispatch.acknowledge_due
    assert new_due > old_due + 2 * DAY

    fire_at(old_due + HOUR)
    assert not escalated(dispatch)
    fire_at(new_due + HOUR)
    assert escalated(dispatch)


def test_an_acknowledged_dispatch_keeps_its_acknowledgement(world, staff, klass, client):
    from tests.flowtools import act, open_task

    dispatch, process = notified(client, world, staff, klass, [world.cadre_a])
    client.force_login(world.dave)
    act(client, open_task(process, "acknowledge"), {"confirm": "on"})
    dispatch.refresh_from_db()
    acknowledged = (dispatch.status, dispatch.acknowledged_at, dispatch.acknowledge_due)

    by_service(world, klass, **moved(klass))
    dispatch.refresh_from_db()
    assert (dispatch.status, dispatch.acknowledged_at, dispatch.acknowledge_due) == acknowledged
