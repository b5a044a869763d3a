"""A decision's reminder names every decision of its recipient due at that moment: a head
with three leave requests due tomorrow gets one reminder naming three, each step is
reminded once, and two timers firing at once never remind a step twice. Escalations
likewise: the dispatcher hears of three overdue decisions in one message, and each task
is handed on all the same."""

import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps

from approvals import services
from approvals.models import ApprovalRequest, ApprovalStep
from audit.models import AuditEvent
from dispatch.models import Dispatch
from notifications.models import Notification
from tests.factories import cadre
from tests.flowtools import fire_at, open_task, post_roll_call, process_of, request
from tests.racing import postgresql_only, together
from workflow.runtime import ADDED_PERMISSION


def leave_asked(client, world, staff, klass, people):
    """The city dispatcher names `people` (of unit A); Lily asks leave for each: one
    pending head step each, all due at the same close of business."""
    client.force_login(world.bob)
    assert post_roll_call(client, klass, people).status_code == 302
    for person in people:
        dispatch = Dispatch.objects.get(cadre=person)
        request(client, staff.lily, process_of(dispatch, "DispatchFlow"), "leave")
    steps = list(ApprovalStep.objects.filter(stage=1).order_by("pk"))
    assert len(steps) == len(people)
    assert len({step.due_at for step in steps}) == 1
    return steps


@pytest.fixture
def three(world):
    return [
        world.cadre_a,
        cadre("赵敏", world.a, world.city_od),
        cadre("钱坤", world.a, world.city_od),
    ]


def test_three_decisions_due_together_are_one_reminder(client, world, staff, klass, three):
    steps = leave_asked(client, world, staff, klass, three)
    due = steps[0].due_at
    fire_at(due - dt.timedelta(hours=6))
    fire_at(due - dt.timedelta(hours=5))  # every timer has fired: nothing new

    [reminder] = Notification.objects.filter(event="reminder")
    assert reminder.recipient == world.alice
    assert reminder.title == "到期提醒：3 项审批"
    for person in three:
        line = f"{person.name}：请假（{klass.name}）（{world.a.name}负责人）"
        assert line in reminder.body.splitlines()
    assert reminder.body.count("截止时间：") == 1  # all three due at the same moment
    assert reminder.url.endswith("/tasks/")
    assert not ApprovalStep.objects.filter(stage=1, reminded_at__isnull=True).exists()
    assert AuditEvent.objects.filter(verb="approval.remind").count() == 3


def test_a_decision_due_later_is_reminded_at_its_own_time(client, world, staff, klass, three):
    steps = leave_asked(client, world, staff, klass, three)
    due = steps[0].due_at
    later = steps[2]
    ApprovalStep.objects.filter(pk=later.pk).update(due_at=due + dt.timedelta(days=2))

    # Its timer has not come: the reminder the other two lead does not name it.
    with time_machine.travel(due - dt.timedelta(hours=6), tick=False):
        assert services.steps_remind(step=steps[0]) == 2
        assert services.steps_remind(step=steps[1]) == 0  # already in the first batch
    first = Notification.objects.get(event="reminder")
    assert first.title == "到期提醒：2 项审批" and three[2].name not in first.body

    with time_machine.travel(due + dt.timedelta(days=2, hours=-6), tick=False):
        assert services.steps_remind(step=later) == 1
    alone = Notification.objects.filter(event="reminder").exclude(pk=first.pk).get()
    assert alone.recipient == world.alice
    assert alone.title == f"到期提醒：{later.request.title}"
    assert "/workflow/approval/" in alone.url


def test_a_decided_step_is_left_out(client, world, staff, klass, three):
    steps = leave_asked(client, world, staff, klass, three)
    ApprovalStep.objects.filter(pk=steps[1].pk).update(decision="approved")
    ApprovalRequest.objects.filter(pk=steps[2].request_id).update(status="cancelled")
    with time_machine.travel(steps[0].due_at - dt.timedelta(hours=6), tick=False):
        assert services.steps_remind(step=steps[1]) == 0
        assert services.steps_remind(step=steps[0]) == 1
    [reminder] = Notification.objects.filter(event="reminder")
    assert reminder.title == f"到期提醒：{steps[0].request.title}"


def test_steps_reminded_before_batches_are_not_reminded_again(client, world, staff, klass, three):
    """0004 marks a step reminded under the old per-step key as reminded."""
    steps = leave_asked(client, world, staff, klass, three)
    old = Notification.objects.create(
        recipient=world.alice,
        event="reminder",
        key=f"approval:{steps[1].request_id}:step:{steps[1].pk}:reminder-1d",
        title="到期提醒",
    )
    migration = importlib.import_module("approvals.migrations.0004_step_reminded_at")
    migration.mark_reminded(apps, None)
    steps[1].refresh_from_db()
    assert steps[1].reminded_at == old.created_at
    with time_machine.travel(steps[0].due_at - dt.timedelta(hours=6), tick=False):
        assert services.steps_remind(step=steps[0]) == 2
    assert three[1].name not in Notification.objects.exclude(pk=old.pk).get(event="reminder").body


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_timers_at_once_remind_each_step_once(client, world, staff, klass, three):
    steps = leave_asked(client, world, staff, klass, three)
    with time_machine.travel(steps[0].due_at - dt.timedelta(hours=6), tick=False):
        outcomes = together(*(lambda step=step: services.steps_remind(step=step) for step in steps))
    assert all(kind == "ok" for kind, _count in outcomes), outcomes
    assert sum(count for _kind, count in outcomes) == 3
    assert AuditEvent.objects.filter(verb="approval.remind").count() == 3
    bodies = "".join(Notification.objects.filter(event="reminder").values_list("body", flat=True))
    for person in three:
        assert bodies.count(f"{person.name}：请假") == 1


def test_three_overdue_decisions_are_one_escalation(client, world, staff, klass, three):
    steps = leave_asked(client, world, staff, klass, three)
    due = steps[0].due_at
    fire_at(due + dt.timedelta(minutes=5))
    fire_at(due + dt.timedelta(hours=1))  # nothing new

    [escalation] = Notification.objects.filter(event="escalation", key__startswith="approval:")
    assert escalation.recipient == world.bob
    assert escalation.title == "逾期督办：3 项审批"
    for person in three:
        assert f"{person.name}：请假（{klass.name}）（{world.a.name}负责人）" in escalation.body
    assert escalation.url.endswith("/tasks/")
    assert AuditEvent.objects.filter(verb="approval.escalate").count() == 3
    for step in ApprovalStep.objects.filter(stage=1):
        assert step.escalated and services.can_decide(world.bob, step)
        task = open_task(process_of(step.request, "ApprovalFlow"), "head_review")
        assert task.data[ADDED_PERMISSION] == "org.issue_dispatch"  # handed on, each


def test_a_decision_not_yet_overdue_is_not_escalated_with_the_others(
    client, world, staff, klass, three
):
    steps = leave_asked(client, world, staff, klass, three)
    due = steps[0].due_at
    ApprovalStep.objects.filter(pk=steps[2].pk).update(due_at=due + dt.timedelta(days=1))
    with time_machine.travel(due + dt.timedelta(minutes=5), tick=False):
        assert len(services.steps_escalate(step=steps[0])) == 2
        assert services.steps_escalate(step=steps[1]) == []
        assert services.steps_escalate(step=steps[2]) == []  # not overdue yet
    [escalation] = Notification.objects.filter(event="escalation")
    assert escalation.title == "逾期督办：2 项审批" and three[2].name not in escalation.body


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_escalations_at_once_escalate_each_step_once(client, world, staff, klass, three):
    steps = leave_asked(client, world, staff, klass, three)
    with time_machine.travel(steps[0].due_at + dt.timedelta(minutes=5), tick=False):
        outcomes = together(
            *(lambda step=step: len(services.steps_escalate(step=step)) for step in steps)
        )
    assert all(kind == "ok" for kind, _count in outcomes), outcomes
    assert sum(count for _kind, count in outcomes) == 3
    assert AuditEvent.objects.filter(verb="approval.escalate").count() == 3
