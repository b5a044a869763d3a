"""A roll call's announcement (the dispatch notice and the "dispatched" notifications) is
never lost and never doubled: a broker that is down, a render error or a worker crash
after commit leaves the roll call committed and the sweep announces it, exactly once.

The roll calls here are started through the page with real commits
(`django_db(transaction=True)`), so the after-commit callbacks run inside the request as
they do in production."""

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from kombu.exceptions import OperationalError

from audit.models import AuditEvent
from dispatch import documents, services
from dispatch.models import Dispatch, QuotaAllocation, RollCall, RollCallMode
from dispatch.tasks import announce_dispatches, announce_pending
from notifications.models import Delivery, IssuedDocument, Notification
from tests.factories import training_class
from tests.flowtools import deadline

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.klass(name="全市专题班"),
]


def start_roll_call(client, world, klass):
    client.force_login(world.bob)
    return client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "named",
            "response_deadline": deadline(),
            "cadres": [world.cadre_a.pk, world.cadre_b.pk],
        },
    )


def notices():
    return IssuedDocument.objects.filter(kind="dispatch_notice")


def dispatched():
    """The trainees' own messages and the liaisons' one announcement per roll call."""
    return Notification.objects.filter(event="dispatched")


def later(minutes=2):
    return time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=False)


def test_announced_after_commit_once_and_a_repeated_task_adds_nothing(world, staff, klass, client):
    assert start_roll_call(client, world, klass).status_code == 302
    roll_call = RollCall.objects.get()
    ids = list(roll_call.dispatches.values_list("pk", flat=True))
    assert notices().count() == 1
    # Wang (Dave's account, and Lily for unit A) and Zhang (no account: Luke for unit B):
    # Dave his own message; each liaison one announcement with the notice.
    recipients = set(dispatched().values_list("key", "recipient__username"))
    announced = f"rollcall:{roll_call.pk}:announced:{notices().get().pk}"
    assert recipients == {
        (f"dispatch:{Dispatch.objects.get(cadre=world.cadre_a).pk}:dispatched", "dave"),
        (announced, "lily"),
        (announced, "luke"),
    }
    before = (dispatched().count(), Delivery.objects.count(), AuditEvent.objects.count())

    # The broker delivers the task again, and someone runs it by hand: nothing new.
    assert announce_dispatches.apply(args=(roll_call.pk, ids)).get() is None
    assert announce_dispatches(roll_call.pk, ids) is None
    with later():
        assert announce_pending.apply().get() == {"issued": 0, "failed": 0, "deferred": 0}
    assert notices().count() == 1
    assert (dispatched().count(), Delivery.objects.count(), AuditEvent.objects.count()) == before
    assert AuditEvent.objects.filter(verb="dispatch.announce").count() == 2


def test_broker_down_leaves_the_roll_call_committed_and_the_sweep_announces_it_once(
    world, staff, klass, client, caplog
):
    with mock.patch.object(
        announce_dispatches, "apply_async", side_effect=OperationalError("connection refused")
    ):
        response = start_roll_call(client, world, klass)
    assert response.status_code == 302
    assert Dispatch.objects.count() == 2
    assert not notices().exists() and not dispatched().exists()
    assert "the sweep will" in caplog.text

    # Within the first minute the sweep leaves it to the queued task.
    assert documents.announce_pending() == {"issued": 0, "failed": 0, "deferred": 0}
    assert not notices().exists()

    with later():
        call_command("announce_dispatches", stdout=open("/dev/null", "w"))
        assert notices().count() == 1
        assert dispatched().count() == 3
        # The sweep runs again (and the lost task finally arrives): nothing more.
        assert documents.announce_pending() == {"issued": 0, "failed": 0, "deferred": 0}
        roll_call = RollCall.objects.get()
        ids = list(roll_call.dispatches.values_list("pk", flat=True))
        assert announce_dispatches(roll_call.pk, ids) is None
    assert notices().count() == 1
    assert dispatched().count() == 3


def test_a_render_error_after_commit_is_no_500_and_the_sweep_announces_later(
    world, staff, klass, client, caplog
):
    with mock.patch("notifications.services.render_pdf", side_effect=RuntimeError("fonts missing")):
        response = start_roll_call(client, world, klass)
        assert response.status_code == 302
        assert Dispatch.objects.count() == 2
        assert not notices().exists() and not dispatched().exists()
        assert "fonts missing" in caplog.text
        with later():  # still broken: logged, counted, recorded, nothing half-written
            assert documents.announce_pending() == {"issued": 0, "failed": 1, "deferred": 0}
        assert not notices().exists() and not dispatched().exists()
        assert AuditEvent.objects.filter(verb="dispatch.announce_failed").count() == 1

    with later(3):  # one failure: the next attempt waits two minutes
        assert documents.announce_pending() == {"issued": 0, "failed": 0, "deferred": 1}
    with later(4):
        assert documents.announce_pending() == {"issued": 1, "failed": 0, "deferred": 0}
        assert documents.announce_pending() == {"issued": 0, "failed": 0, "deferred": 0}
    assert notices().count() == 1
    assert dispatched().count() == 3


def test_the_sweep_skips_cancelled_roll_calls_ended_classes_and_earlier_notifications(
    world, staff, klass
):
    def roll_call(cadres, training_class=klass):
        rc = RollCall.objects.create(
            training_class=training_class,
            org_department=world.city_od,
            mode=RollCallMode.NAMED,
            response_deadline=timezone.now() + dt.timedelta(days=10),
            created_by=world.bob,
        )
        return rc, services.dispatches_create(actor=world.bob, roll_call=rc, cadres=cadres)

    cancelled, _ = roll_call([world.cadre_a])
    services.roll_call_cancel(actor=world.bob, roll_call=cancelled, reason="班次取消")
    past = training_class(world.city_od, world.school, dt.date.today() - dt.timedelta(days=30))
    roll_call([world.cadre_a1], past)
    # Announced before announcements were recorded: its notification is the proof.
    other = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=60))
    _, (earlier,) = roll_call([world.cadre_b], other)
    # (then each dispatch had its own "dispatched" notification to its unit's liaisons)
    from notifications.services import notify

    notify(
        event="dispatched",
        recipients=[staff.luke],
        key=f"dispatch:{earlier.pk}:dispatched",
        context={"class_name": other.name, "cadre_name": "张喆", "unit_name": "B"},
    )

    with later():
        assert documents.pending_announcements() == []
        assert documents.announce_pending() == {"issued": 0, "failed": 0, "deferred": 0}
    assert not notices().exists()


def test_a_quota_roll_call_is_announced_per_unit(world, staff):
    klass = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=30), quota=10
    )
    rc = RollCall.objects.create(
        training_class=klass,
        org_department=world.city_od,
        mode=RollCallMode.QUOTA,
        response_deadline=timezone.now() + dt.timedelta(days=10),
        created_by=world.bob,
    )
    for unit, nominees in ((world.a, [world.cadre_a, world.cadre_a1]), (world.b, [world.cadre_b])):
        allocation = QuotaAllocation.objects.create(roll_call=rc, unit=unit, seats=2)
        allocation.nominees.set(nominees)
        services.dispatches_create(actor=None, roll_call=rc, cadres=nominees)

    with later():
        batches = sorted(documents.pending_announcements(), key=lambda b: len(b[1]))
        assert [(r, len(ids)) for r, ids in batches] == [(rc.pk, 1), (rc.pk, 2)]
        assert documents.announce_pending() == {"issued": 2, "failed": 0, "deferred": 0}
        assert documents.pending_announcements() == []
    assert notices().count() == 2


def test_two_concurrent_announcements_issue_one_notice(world, staff, klass, client):
    """Two workers take the same task at once (PostgreSQL: the second waits for the
    roll call's row lock, then finds everything announced)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("Concurrent writers need PostgreSQL (SQLite serializes all writers).")
    import threading
    import time

    from notifications import services as notification_services

    with mock.patch.object(announce_dispatches, "apply_async"):  # queued, never run
        assert start_roll_call(client, world, klass).status_code == 302
    roll_call = RollCall.objects.get()
    ids = list(roll_call.dispatches.values_list("pk", flat=True))
    render = notification_services.render_pdf
    barrier = threading.Barrier(2)
    results = []

    def slow_render(*args, **kwargs):
        time.sleep(0.5)  # hold the lock while the other worker arrives
        return render(*args, **kwargs)

    def worker():
        from django.db import connection as thread_connection

        try:
            barrier.wait(5)
            results.append(documents.announce(roll_call.pk, ids))
        finally:
            thread_connection.close()

    with mock.patch("notifications.services.render_pdf", side_effect=slow_render):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert len(results) == 2 and sum(r is not None for r in results) == 1
    assert notices().count() == 1
    assert dispatched().count() == 3


# --- a persistent failure: backoff, and the dispatchers told once ------------------------


def failed_attempts():
    return AuditEvent.objects.filter(verb="dispatch.announce_failed").order_by("pk")


def test_a_persistently_failing_announcement_backs_off_and_alerts_the_dispatchers_once(
    world, staff, klass, client
):
    start = timezone.now()
    with mock.patch("notifications.services.render_pdf", side_effect=RuntimeError("fonts missing")):
        assert start_roll_call(client, world, klass).status_code == 302
        roll_call = RollCall.objects.get()
        ids = sorted(roll_call.dispatches.values_list("pk", flat=True))
        attempted, alerted_at = [], None
        for minute in range(2, 71):  # beat runs the sweep every minute for over an hour
            with time_machine.travel(start + dt.timedelta(minutes=minute), tick=False):
                counts = documents.announce_pending()
            assert counts["issued"] == 0 and counts["failed"] + counts["deferred"] == 1
            if counts["failed"]:
                attempted.append(minute)
            alerts = Notification.objects.filter(key=f"rollcall:{roll_call.pk}:announce-failed")
            if alerts.exists() and alerted_at is None:
                alerted_at = minute
    # 2, 4, 8, 16, 32 minutes apart — capped at an hour — instead of every minute.
    assert attempted == [2, 4, 8, 16, 32, 64]
    assert [e.after["attempt"] for e in failed_attempts()] == [1, 2, 3, 4, 5, 6]
    assert all(e.after["dispatches"] == ids for e in failed_attempts())
    assert failed_attempts().last().note == "RuntimeError: fonts missing"
    assert failed_attempts().last().target_id == str(roll_call.pk)

    # Told after the fifth failure, once: the roll call's (city) dispatcher, in the inbox.
    assert alerted_at == 32
    alert = Notification.objects.get(key=f"rollcall:{roll_call.pk}:announce-failed")
    assert alert.recipient == world.bob and alert.event == "escalation"
    assert alert.title == "调训通知未能印发：全市专题班"
    assert alert.body.splitlines() == [
        "全市专题班的调训通知经5次尝试仍未能印发，相关干部及其单位尚未收到通知。",
        "系统将自动重试至培训班结束；请联系系统管理员检查服务器日志。",
    ]
    assert alert.url == f"/rollcalls/{roll_call.pk}/"
    assert not Delivery.objects.filter(notification=alert).exists()  # in-app only
    assert not notices().exists() and not dispatched().exists()

    # Fixed: the next attempt (an hour after the sixth) issues it; nothing more is said.
    with time_machine.travel(start + dt.timedelta(minutes=123), tick=False):
        assert documents.announce_pending()["deferred"] == 1
    with time_machine.travel(start + dt.timedelta(minutes=124), tick=False):
        assert documents.announce_pending() == {"issued": 1, "failed": 0, "deferred": 0}
    assert notices().count() == 1 and dispatched().count() == 3
    assert Notification.objects.filter(event="escalation").count() == 1


def test_a_failing_batch_does_not_hold_back_the_others_of_its_roll_call(world, staff, settings):
    settings.XUNDIAO_ANNOUNCE_ALERT_AFTER = 2
    klass = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=30), quota=10
    )
    rc = RollCall.objects.create(
        training_class=klass,
        org_department=world.city_od,
        mode=RollCallMode.QUOTA,
        response_deadline=timezone.now() + dt.timedelta(days=10),
        created_by=world.bob,
    )
    for unit, nominees in ((world.a, [world.cadre_a]), (world.b, [world.cadre_b])):
        allocation = QuotaAllocation.objects.create(roll_call=rc, unit=unit, seats=1)
        allocation.nominees.set(nominees)
        services.dispatches_create(actor=None, roll_call=rc, cadres=nominees)
    from notifications import services as notification_services

    render = notification_services.render_pdf

    def fails_for_zhang(context, **kwargs):
        if "张喆" in repr(context):
            raise RuntimeError("glyph missing")
        return render(context, **kwargs)

    start = timezone.now()
    with mock.patch("notifications.services.render_pdf", side_effect=fails_for_zhang):
        with time_machine.travel(start + dt.timedelta(minutes=2), tick=False):
            assert documents.announce_pending() == {"issued": 1, "failed": 1, "deferred": 0}
        with time_machine.travel(start + dt.timedelta(minutes=3), tick=False):
            assert documents.announce_pending() == {"issued": 0, "failed": 0, "deferred": 1}
        with time_machine.travel(start + dt.timedelta(minutes=4), tick=False):
            assert documents.announce_pending() == {"issued": 0, "failed": 1, "deferred": 0}
    zhang = Dispatch.objects.get(cadre=world.cadre_b)
    assert [e.after["dispatches"] for e in failed_attempts()] == [[zhang.pk], [zhang.pk]]
    assert notices().count() == 1
    # The second failure reaches the configured threshold: the dispatcher is told.
    alert = Notification.objects.get(key=f"rollcall:{rc.pk}:announce-failed")
    assert alert.recipient == world.bob and "经2次尝试" in alert.body


def test_the_sweep_still_stops_when_the_class_has_ended(world, staff, klass, client):
    with mock.patch("notifications.services.render_pdf", side_effect=RuntimeError("broken")):
        assert start_roll_call(client, world, klass).status_code == 302
        with later():
            assert documents.announce_pending()["failed"] == 1
        after_the_class = timezone.make_aware(
            dt.datetime.combine(klass.end_date + dt.timedelta(days=1), dt.time(9))
        )
        with time_machine.travel(after_the_class, tick=False):
            assert documents.announce_pending() == {"issued": 0, "failed": 0, "deferred": 0}
    assert failed_attempts().count() == 1
