"""Once a class has begun, a cadre's confirmation and acknowledgement are moot: the
registrar records whether the cadre came. A request (leave, deferral, exemption) refused
only after the first day used to reopen the confirmation with a new due moment an hour
away — unanswerable (the class has begun), yet reminded to the unit and escalated to the
dispatcher — and the overdue list kept such dispatches, linking to the registrar's task."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from viewflow.workflow.models import Task

from approvals.models import ApprovalRequest
from audit.models import AuditEvent
from dispatch.models import Dispatch, DispatchStatus, Makeup
from notifications.models import Event, Notification
from tests.factories import cadre, training_class
from tests.flowtools import (
    act,
    decide,
    issue_roll_call,
    named,
    open_task,
    process_of,
    request,
    task_url,
)

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def at(day: dt.date, hour: int, minute: int = 0):
    moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())
    return time_machine.travel(moment, tick=False)


def confirm_events(dispatch) -> set[str]:
    return set(
        AuditEvent.objects.filter(
            target_id=str(dispatch.pk),
            verb__in=["dispatch.remind.confirm", "dispatch.escalate.confirm"],
        ).values_list("verb", flat=True)
    )


def confirm_notices(dispatch):
    return Notification.objects.filter(
        key__startswith=f"dispatch:{dispatch.pk}:confirm:",
        event__in=[Event.REMINDER, Event.ESCALATION],
    )


def refuse(client, world, dispatch):
    approval = process_of(ApprovalRequest.objects.get(subject_id=dispatch.pk), "ApprovalFlow")
    response = decide(client, world.alice, approval, "head_review", "rejected", "请按时参训")
    assert response.status_code == 302


def test_a_request_refused_after_the_class_began_goes_to_the_registrar(world, staff, klass, client):
    dispatch, process = named(client, world, klass, world.cadre_a)
    due = dispatch.confirm_due
    request(client, staff.lily, process, "leave")
    # The roll call's deadline passes while the request awaits its decision.
    for moment in (due - dt.timedelta(hours=12), due + dt.timedelta(hours=1)):
        with time_machine.travel(moment, tick=False):
            call_command("workflow_timers")

    with at(klass.start_date, 9):
        refuse(client, world, dispatch)
        dispatch.refresh_from_db()
        # Named again, but no new due moment: nobody could answer it.
        assert dispatch.status == DispatchStatus.NAMED and dispatch.confirm_due == due
        assert AuditEvent.objects.filter(
            verb="dispatch.request_refused", target_id=str(dispatch.pk)
        ).exists()
        attendance = open_task(process, "record_attendance")
        assert not Task.objects.filter(
            process=process, flow_task=process.flow_class.confirm, status__in=["NEW", "ASSIGNED"]
        ).exists()

    # Neither the timers nor the daily reminders remind or escalate the confirmation.
    for hour, minute in ((9, 15), (9, 45), (11, 0), (20, 0)):
        with at(klass.start_date, hour, minute):
            call_command("workflow_timers")
            call_command("send_reminders")
    assert confirm_events(dispatch) == set()
    assert not confirm_notices(dispatch).exists()

    # The registrar records the no-show, who owes a makeup.
    with at(klass.start_date, 21):
        client.force_login(world.rita)
        assert act(client, attendance, {"result": "absent"}).status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ABSENT
    assert Makeup.objects.filter(source=dispatch).exists()


def test_a_request_refused_before_the_class_begins_reopens_the_confirmation(
    world, staff, klass, client
):
    dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave")
    late = dispatch.confirm_due + dt.timedelta(hours=2)  # past the roll call's deadline

    with time_machine.travel(late, tick=False):
        refuse(client, world, dispatch)
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NAMED and dispatch.confirm_due > late
    confirm = open_task(process, "confirm")
    assert not process.task_set.filter(flow_task=process.flow_class.record_attendance).exists()

    with time_machine.travel(dispatch.confirm_due - dt.timedelta(hours=12), tick=False):
        call_command("workflow_timers")
    assert confirm_events(dispatch) == {"dispatch.remind.confirm"}
    client.force_login(staff.lily)
    assert act(client, confirm, {"action": "confirm"}).status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED


def test_the_overdue_list_omits_steps_ended_by_the_class_start(world, staff, klass, client):
    # Class 1 (klass): 王堃 never answered for; 李玥 confirmed but never acknowledged.
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_a1])
    unanswered = Dispatch.objects.get(cadre=world.cadre_a)
    unacknowledged = Dispatch.objects.get(cadre=world.cadre_a1)
    client.force_login(staff.lily)
    act(
        client,
        open_task(process_of(unacknowledged, "DispatchFlow"), "confirm"),
        {"action": "confirm"},
    )
    # Class 2, starting later: 钱八 never answered for either, and is overdue.
    later = training_class(
        world.city_od, world.school, klass.start_date + dt.timedelta(days=30), name="后续班次"
    )
    qian = cadre("钱八", world.a, world.city_od)
    issue_roll_call(client, world, later, [qian])
    overdue = Dispatch.objects.get(cadre=qian)
    overdue_confirm = open_task(process_of(overdue, "DispatchFlow"), "confirm")

    # The roll calls' response deadline passes: reminded, then escalated.
    for moment in (unanswered.confirm_due - dt.timedelta(hours=12), overdue.confirm_due):
        with time_machine.travel(moment + dt.timedelta(minutes=30), tick=False):
            call_command("workflow_timers")

    with at(klass.start_date, 9):
        call_command("workflow_timers")  # class 1's steps end
        unanswered.refresh_from_db()
        unacknowledged.refresh_from_db()
        assert unanswered.status == DispatchStatus.NAMED and unanswered.escalated
        assert unacknowledged.status == DispatchStatus.NOTIFIED
        attendance = [
            open_task(process_of(d, "DispatchFlow"), "record_attendance")
            for d in (unanswered, unacknowledged)
        ]
        client.force_login(world.bob)
        page = client.get("/dispatches/overdue/").content.decode()
    # The first table: confirmations and acknowledgements (no flash messages).
    page = page[page.index("<table") : page.index("</table>")]

    assert "王堃" not in page and "李玥" not in page
    for task in attendance:
        assert f"/tasks/{task.pk}/reassign/" not in page and task_url(task) not in page
    assert "钱八" in page
    assert task_url(overdue_confirm) in page
    assert f"/tasks/{overdue_confirm.pk}/reassign/" in page
