"""Reminders and escalations of approvals and nominations reach exactly the people who
may act, once; everyone else hears nothing."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from approvals.models import ApprovalRequest
from dispatch.models import Dispatch, QuotaAllocation
from notifications.models import Notification
from tests.factories import training_class, user
from tests.flowtools import Staff, act, deadline, open_task, process_of


def notified(event, **filters):
    return set(
        Notification.objects.filter(event=event, **filters).values_list(
            "recipient__username", flat=True
        )
    )


def fire_at(moment, command="workflow_timers"):
    with time_machine.travel(moment, tick=False):
        call_command(command)


@pytest.fixture
def staff(world):
    staff = Staff(world)
    # Distractors: a head of a sub-unit of A, a liaison of a sub-unit of A.
    staff.ann = user("ann", "department_head", world.a1)
    staff.leo = user("leo", "unit_liaison", world.a1)
    return staff


EVERYONE = {
    "alice",
    "bob",
    "carol",
    "charlie",
    "dave",
    "rita",
    "nobody",
    "lily",
    "luke",
    "oscar",
    "olga",
    "ann",
    "leo",
}


@pytest.fixture
def klass(world):
    return training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=30))


def named(client, world, klass, cadre):
    client.force_login(world.bob)
    client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "named",
            "response_deadline": deadline(10),
            "cadres": [cadre.pk],
        },
    )
    dispatch = Dispatch.objects.get(cadre=cadre)
    return dispatch, process_of(dispatch, "DispatchFlow")


def ask_leave(client, liaison, process):
    client.force_login(liaison)
    act(
        client,
        open_task(process, "confirm"),
        {"action": "request", "kind": "leave", "reason": "重大项目攻坚"},
    )
    approval = ApprovalRequest.objects.get()
    return approval, process_of(approval, "ApprovalFlow")


def test_an_approval_reminder_goes_to_the_head_then_escalation_to_the_dispatcher(
    world, staff, klass, client
):
    _dispatch, process = named(client, world, klass, world.cadre_a)
    approval, _approval_process = ask_leave(client, staff.lily, process)
    before = set(Notification.objects.values_list("pk", flat=True))

    fire_at(approval.due_at - dt.timedelta(hours=6))
    fire_at(approval.due_at - dt.timedelta(hours=5))  # nothing new
    reminders = Notification.objects.filter(event="reminder").exclude(pk__in=before)
    assert set(reminders.values_list("recipient__username", flat=True)) == {"alice"}
    assert reminders.count() == 1
    assert reminders.get().title == f"到期提醒：{approval.title}"

    fire_at(approval.due_at + dt.timedelta(hours=1))
    # The city dispatcher, whose jurisdiction reaches unit A; not the county's.
    escalation = Notification.objects.filter(event="escalation", key__startswith="approval:")
    assert set(escalation.values_list("recipient__username", flat=True)) == {"bob"}
    heard = set(
        Notification.objects.exclude(pk__in=before).values_list("recipient__username", flat=True)
    )
    assert heard == {"alice", "bob"}
    assert not heard & (EVERYONE - {"alice", "bob"})


def test_a_dual_managed_approval_reminds_both_departments_in_parallel(world, staff, klass, client):
    _dispatch, process = named(client, world, klass, world.cadre_b)
    approval, approval_process = ask_leave(client, staff.luke, process)
    client.force_login(world.charlie)
    act(client, open_task(approval_process, "head_review"), {"decision": "approved"})
    fire_at(approval.due_at - dt.timedelta(hours=6))
    assert notified("reminder", key__startswith=f"approval:{approval.pk}:") == {"olga", "oscar"}
    fire_at(approval.due_at + dt.timedelta(hours=1))
    # Escalation: whoever holds the dispatcher's permission over each department's scope.
    assert notified("escalation", key__startswith=f"approval:{approval.pk}:") == {"bob", "carol"}


def quota(client, world, klass, days=5):
    client.force_login(world.bob)
    response = client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": deadline(days),
            "allocations": f"{world.a.code} 1\n{world.b.code} 1",
        },
    )
    assert response.status_code == 302
    return QuotaAllocation.objects.get(unit=world.a), QuotaAllocation.objects.get(unit=world.b)


def test_a_silent_unit_is_reminded_to_nominate_then_escalated_to_the_dispatchers(
    world, staff, klass, client
):
    a, b = quota(client, world, klass)
    due = a.roll_call.response_deadline
    before = set(Notification.objects.values_list("pk", flat=True))

    # The reminder sweep, three days before: both units' liaisons (not the sub-unit's).
    fire_at(due - dt.timedelta(days=2), "send_reminders")
    assert notified("reminder", key__endswith="reminder-3d") == {"lily", "luke"}

    # Unit A nominates; B stays silent.
    client.force_login(staff.lily)
    act(
        client,
        open_task(process_of(a, "NominationFlow"), "nominate"),
        {"cadres": [world.cadre_a.pk]},
    )

    # The roll call's own reminder and the sweep a day before: Luke only, once.
    fire_at(due - dt.timedelta(hours=12))
    fire_at(due - dt.timedelta(hours=11), "send_reminders")
    one_day = Notification.objects.filter(event="reminder", key__endswith="reminder-1d")
    assert list(one_day.values_list("recipient__username", flat=True)) == ["luke"]
    assert one_day.get().key == f"nomination:{b.pk}:nominate:reminder-1d"

    fire_at(due + dt.timedelta(hours=1))
    escalation = Notification.objects.filter(event="escalation")
    assert set(escalation.values_list("recipient__username", flat=True)) == {"bob"}
    assert escalation.get().key == f"nomination:{b.pk}:escalated"
    assert "某县公安局" in escalation.get().body

    heard = set(
        Notification.objects.exclude(pk__in=before).values_list("recipient__username", flat=True)
    )
    assert heard == {"lily", "luke", "bob"}
