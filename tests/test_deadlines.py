"""Reminders before a due date and escalation to the dispatcher after it, fired by
Viewflow's timer dispatcher (`manage.py workflow_timers`) with the clock moved."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from dispatch.models import Dispatch, DispatchStatus
from tests.factories import training_class
from tests.flowtools import Staff, act, open_task, process_of, task_url


@pytest.fixture
def setup(world, client):
    staff = Staff(world)
    klass = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=30))
    due = timezone.localtime() + dt.timedelta(days=3)
    client.force_login(world.bob)
    response = client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "named",
            "response_deadline": due.strftime("%Y-%m-%dT%H:%M"),
            "cadres": [world.cadre_a.pk],
        },
    )
    assert response.status_code == 302
    dispatch = Dispatch.objects.get()
    return staff, dispatch, process_of(dispatch, "DispatchFlow")


def fire_at(moment):
    with time_machine.travel(moment, tick=False):
        call_command("workflow_timers")


def test_a_reminder_goes_out_before_the_due_date(world, setup):
    _staff, dispatch, _process = setup
    fire_at(dispatch.confirm_due - dt.timedelta(days=2))
    assert not AuditEvent.objects.filter(verb="dispatch.remind.confirm").exists()
    fire_at(dispatch.confirm_due - dt.timedelta(hours=12))
    assert AuditEvent.objects.filter(verb="dispatch.remind.confirm").count() == 1
    dispatch.refresh_from_db()
    assert not dispatch.escalated


def test_after_the_due_date_the_task_escalates_to_the_dispatcher(world, setup, client):
    staff, dispatch, process = setup
    client.force_login(world.bob)
    assert "王堃" not in client.get("/dispatches/overdue/").content.decode()

    fire_at(dispatch.confirm_due - dt.timedelta(hours=12))  # the reminder
    fire_at(dispatch.confirm_due + dt.timedelta(hours=1))  # the due moment has passed
    dispatch.refresh_from_db()
    assert dispatch.escalated
    assert AuditEvent.objects.filter(verb="dispatch.escalate.confirm").exists()

    with time_machine.travel(dispatch.confirm_due + dt.timedelta(hours=2), tick=False):
        assert "王堃" in client.get("/dispatches/overdue/").content.decode()
        client.force_login(world.charlie)
        assert "王堃" not in client.get("/dispatches/overdue/").content.decode()

    # The liaison can no longer claim it; the dispatcher can, and answers for the unit.
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    assert client.post(task_url(task, "assign")).status_code == 403
    client.force_login(world.bob)
    assert act(client, task, {"action": "confirm"}).status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED


def test_completing_the_task_in_time_disarms_its_timers(world, setup, client):
    staff, dispatch, process = setup
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    fire_at(dispatch.confirm_due + dt.timedelta(hours=1))
    assert not AuditEvent.objects.filter(verb="dispatch.remind.confirm").exists()
    assert not AuditEvent.objects.filter(verb="dispatch.escalate.confirm").exists()


def test_an_unacknowledged_notice_is_reminded_and_escalated(world, setup, client):
    staff, dispatch, process = setup
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    dispatch.refresh_from_db()
    fire_at(dispatch.acknowledge_due - dt.timedelta(hours=6))
    assert AuditEvent.objects.filter(verb="dispatch.remind.acknowledge").exists()
    assert not Dispatch.objects.get().escalated
    fire_at(dispatch.acknowledge_due + dt.timedelta(hours=1))
    dispatch.refresh_from_db()
    assert dispatch.escalated


def test_an_answer_between_reminder_and_due_date_prevents_escalation(world, setup, client):
    staff, dispatch, process = setup
    fire_at(dispatch.confirm_due - dt.timedelta(hours=12))
    assert AuditEvent.objects.filter(verb="dispatch.remind.confirm").exists()
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    fire_at(dispatch.confirm_due + dt.timedelta(hours=1))
    assert not AuditEvent.objects.filter(verb="dispatch.escalate.confirm").exists()


def test_the_dispatcher_reassigns_a_stuck_task(world, setup, client):
    from tests.factories import user

    staff, dispatch, process = setup
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    client.post(task_url(task, "assign"))  # Lily claims it, then goes on leave
    lucy = user("lucy", "unit_liaison", world.a)

    client.force_login(world.carol)  # another jurisdiction
    assert client.get(f"/tasks/{task.pk}/reassign/").status_code == 404
    client.force_login(world.bob)
    page = client.get(f"/tasks/{task.pk}/reassign/").content.decode()
    assert "lucy" in page and "alice" not in page  # only people who may do the task
    response = client.post(f"/tasks/{task.pk}/reassign/", {"user": world.alice.pk})
    assert response.status_code == 200
    response = client.post(f"/tasks/{task.pk}/reassign/", {"user": lucy.pk})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.owner == lucy
    assert AuditEvent.objects.filter(verb="task.reassign").exists()
    client.force_login(lucy)
    assert act(client, task, {"action": "confirm"}).status_code == 302


def test_viewflow_manage_actions_are_for_administrators_only(world, setup, client):
    _staff, _dispatch, process = setup
    client.force_login(world.bob)
    assert client.get(f"/workflow/dispatch/{process.pk}/cancel/").status_code == 403


def test_after_the_deadline_the_dispatcher_nominates_for_a_silent_unit(world, client):
    from dispatch.models import QuotaAllocation, QuotaStatus
    from tests.factories import training_class as make_class
    from tests.flowtools import process_of as flow_process

    klass = make_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=30))
    client.force_login(world.bob)
    due = timezone.localtime() + dt.timedelta(days=3)
    client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": due.strftime("%Y-%m-%dT%H:%M"),
            "allocations": f"{world.a.code} 1",
        },
    )
    allocation = QuotaAllocation.objects.get()
    fire_at(allocation.roll_call.response_deadline - dt.timedelta(hours=6))
    fire_at(allocation.roll_call.response_deadline + dt.timedelta(hours=1))
    assert AuditEvent.objects.filter(verb="quota.escalate").exists()
    process = flow_process(allocation, "NominationFlow")
    response = act(client, open_task(process, "nominate"), {"cadres": [world.cadre_a.pk]})
    assert response.status_code == 302
    assert QuotaAllocation.objects.get().status == QuotaStatus.AWAITING_HEAD
