"""Reminders and escalations of approvals and nominations reach exactly the people who
may act, once; everyone else hears nothing."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from approvals.models import ApprovalRequest
from dispatch.models import Dispatch, QuotaAllocation
from notifications.models import Notification
from tests.factories import user
from tests.flowtools import act, deadline, fire_at, named, notified, open_task, process_of


@pytest.fixture
def staff(staff, world):
    # The shared staff, and distractors: a head and a liaison of a sub-unit of A.
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
    assert notified("reminder", key__startswith="approval:reminders:") == {"olga", "oscar"}
    assert Notification.objects.filter(event="reminder").count() == 2
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
    rc = b.roll_call_id
    assert one_day.get().key == f"rollcall:{rc}:nominate:all:reminder-1d"
    assert "某县公安局" in one_day.get().body

    fire_at(due + dt.timedelta(hours=1))
    escalation = Notification.objects.filter(event="escalation")
    assert set(escalation.values_list("recipient__username", flat=True)) == {"bob"}
    assert escalation.get().key == f"rollcall:{rc}:nominate:all:escalated"
    assert "某县公安局" in escalation.get().body

    heard = set(
        Notification.objects.exclude(pk__in=before).values_list("recipient__username", flat=True)
    )
    assert heard == {"lily", "luke", "bob"}


# --- who hears each dispatch event, exactly -------------------------------------------


def leave_approved(client, world, staff, klass):
    """Lily asks leave for cadre A; his head and managing department approve it."""
    _dispatch, process = named(client, world, klass, world.cadre_a)
    approval, approval_process = ask_leave(client, staff.lily, process)
    client.force_login(world.alice)
    act(client, open_task(approval_process, "head_review"), {"decision": "approved"})
    client.force_login(staff.oscar)
    act(client, open_task(approval_process, "managing_review"), {"decision": "approved"})
    approval.refresh_from_db()
    return approval


def test_the_decision_goes_to_the_requester_and_the_trainee(world, staff, klass, client):
    approval = leave_approved(client, world, staff, klass)
    assert approval.status == "approved"
    assert notified("decision_made") == {"lily", "dave"}
    trainee = Notification.objects.get(event="decision_made", recipient=world.dave)
    assert "王堃" in trainee.title and "已同意" in trainee.title


def test_an_approved_leave_is_one_message_to_each_who_hears_of_it(world, staff, klass, client):
    """The leave approved owes a makeup: the liaison who asked and the trainee hear both
    in ONE message each (the decision, saying the makeup and its due date); the unit's
    other liaison, who asked nothing, hears of the makeup alone."""
    lena = user("lena", "unit_liaison", world.a)
    before = set(Notification.objects.values_list("pk", flat=True))
    assert leave_approved(client, world, staff, klass).status == "approved"
    makeup = Dispatch.objects.get(cadre=world.cadre_a).makeup
    new = Notification.objects.exclude(pk__in=before)
    for who in ("lily", "dave"):
        [message] = new.filter(recipient__username=who, event__in=["decision_made", "makeup_owed"])
        assert message.event == "decision_made"
        assert "须参加补训" in message.body
        assert f"{makeup.due_date.year}年{makeup.due_date.month}月{makeup.due_date.day}日" in (
            message.body
        )
    [owed] = new.filter(event="makeup_owed")
    assert owed.recipient == lena and "王堃" in owed.body


def test_a_refused_leave_says_no_makeup(world, staff, klass, client):
    _dispatch, process = named(client, world, klass, world.cadre_a)
    approval, approval_process = ask_leave(client, staff.lily, process)
    client.force_login(world.alice)
    act(
        client,
        open_task(approval_process, "head_review"),
        {"decision": "rejected", "comment": "工作再安排"},
    )
    approval.refresh_from_db()
    assert approval.status == "rejected"
    assert notified("decision_made") == {"lily", "dave"}
    assert not Notification.objects.filter(event="makeup_owed").exists()
    assert not Notification.objects.filter(body__contains="须参加补训").exists()


def test_an_inactive_account_hears_nothing(world, staff, klass, client):
    """A trainee whose account was deactivated gets no message on the decision (nor the
    makeup it owes): nobody could sign in to read it; the liaison who asked hears both,
    in the decision's message."""
    world.dave.is_active = False
    world.dave.save(update_fields=["is_active"])
    assert leave_approved(client, world, staff, klass).status == "approved"
    assert notified("decision_made") == {"lily"}
    assert "须参加补训" in Notification.objects.get(event="decision_made").body
    assert not Notification.objects.filter(recipient=world.dave).exists()


def confirm(client, liaison, process):
    client.force_login(liaison)
    act(client, open_task(process, "confirm"), {"action": "confirm"})


def test_a_notice_for_a_cadre_without_account_goes_to_the_units_liaisons_only(
    world, staff, klass, client
):
    lucy = user("lucy", "unit_liaison", world.b)
    county_liaison = user("cora", "unit_liaison", world.county)  # reaches unit B too
    dispatch, process = named(client, world, klass, world.cadre_b)
    confirm(client, staff.luke, process)
    assert notified("notice_issued") == {"luke", lucy.username, county_liaison.username}
    notice = Notification.objects.filter(event="notice_issued").first()
    assert notice.requires_ack and notice.document.subject == dispatch


def test_acknowledgement_reminder_and_escalation_reach_the_trainee_then_the_dispatchers(
    world, staff, klass, client
):
    wang, wang_process = named(client, world, klass, world.cadre_a)
    zhang = Dispatch.objects.create(
        roll_call=wang.roll_call,
        training_class=klass,
        cadre=world.cadre_b,
        unit=world.b,
        confirm_due=wang.confirm_due,
    )
    confirm(client, staff.lily, wang_process)
    wang.refresh_from_db()
    # Zhang (no account) is notified through the service, as his flow would.
    from dispatch import services

    Dispatch.objects.filter(pk=zhang.pk).update(status="confirmed")
    services.dispatch_notify(dispatch=zhang)
    zhang.refresh_from_db()
    before = set(Notification.objects.values_list("pk", flat=True))

    with time_machine.travel(wang.acknowledge_due - dt.timedelta(hours=12), tick=False):
        call_command("send_reminders")
        call_command("workflow_timers")
    reminders = Notification.objects.filter(event="reminder").exclude(pk__in=before)
    assert set(
        reminders.filter(key__startswith=f"dispatch:{wang.pk}:").values_list(
            "recipient__username", flat=True
        )
    ) == {"dave"}
    assert set(
        reminders.filter(key__startswith=f"rollcall:{zhang.roll_call_id}:acknowledge:").values_list(
            "recipient__username", flat=True
        )
    ) == {"luke"}

    with time_machine.travel(wang.acknowledge_due + dt.timedelta(hours=1), tick=False):
        call_command("workflow_timers")
    # The roll call's (city) dispatcher, not the county's, though Zhang is a county cadre.
    wang.refresh_from_db()
    # One escalation for the roll call, naming both overdue notices.
    escalation = Notification.objects.get(event="escalation")
    assert (escalation.recipient.username, escalation.key) == (
        "bob",
        f"rollcall:{wang.roll_call_id}:acknowledge:all:escalated",
    )
    assert wang.cadre.name in escalation.body and zhang.cadre.name in escalation.body
    heard = set(
        Notification.objects.exclude(pk__in=before).values_list("recipient__username", flat=True)
    )
    assert heard == {"dave", "luke", "bob"}


def test_dispatched_in_quota_mode_reaches_each_nominee_and_their_units_liaisons(
    world, staff, klass, client, django_capture_on_commit_callbacks
):
    client.force_login(world.bob)
    client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": deadline(5),
            "allocations": f"{world.a.code} 2",
        },
    )
    process = process_of(QuotaAllocation.objects.get(), "NominationFlow")
    client.force_login(staff.lily)
    act(
        client,
        open_task(process, "nominate"),
        {"cadres": [world.cadre_a.pk, world.cadre_a1.pk]},
    )
    client.force_login(world.alice)
    act(client, open_task(process, "head_approval"), {"decision": "approve"})
    assert not notified("dispatched")
    client.force_login(world.bob)
    with django_capture_on_commit_callbacks(execute=True):  # announced after commit
        act(client, open_task(process, "dispatcher_review"), {"decision": "accept"})
    wang = Dispatch.objects.get(cadre=world.cadre_a)
    li = Dispatch.objects.get(cadre=world.cadre_a1)
    assert notified("dispatched", key=f"dispatch:{wang.pk}:dispatched") == {"dave"}
    # Li (no account) works in A's sub-unit: its liaison and A's, in their announcement.
    announced = Notification.objects.filter(key__contains=":announced:")
    assert {n.recipient.username: n.context["cadre_count"] for n in announced} == {
        "lily": 2,
        "leo": 1,
    }
    assert li.pk
    assert notified("dispatched") == {"dave", "lily", "leo"}


# --- deputies: a head's delegation carries the head's notices while it runs -------------


def test_a_deputy_hears_approval_waiting_and_reminders_only_within_the_delegation(
    world, staff, klass, client
):
    from django.utils import timezone

    from core.deadlines import close_of_business
    from org.models import Delegation

    today = timezone.localdate()
    # The approval is due in three days (18:00); its reminder fires six hours before that.
    reminder_moment = close_of_business(today + dt.timedelta(days=3)) - dt.timedelta(hours=6)
    reminder_day = timezone.localdate(reminder_moment)
    head = "org.approve_as_head"

    def deputy(name, starts_on, ends_on, *, delegator=world.alice, permission=head, **extra):
        person = user(name, **extra)
        Delegation.objects.create(
            delegator=delegator,
            delegate=person,
            permission=permission,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        return person

    long_after = reminder_day + dt.timedelta(days=3)
    deputy("dora", today, reminder_day - dt.timedelta(days=1))  # over before the reminder
    deputy("dan", reminder_day, long_after)  # begins after the request, before the reminder
    deputy("dina", today, long_after)  # throughout
    deputy("del", today - dt.timedelta(days=9), today - dt.timedelta(days=1))  # expired
    revoked = deputy("rex", today, long_after)
    Delegation.objects.filter(delegate=revoked).update(revoked=True)
    deputy("ivy", today, long_after, is_active=False)  # an inactive account
    deputy("cid", today, long_after, delegator=world.charlie)  # a head of another unit
    # Alice delegates a permission she holds nowhere: it carries nothing.
    deputy("pat", today, long_after, permission="org.issue_dispatch")

    _dispatch, process = named(client, world, klass, world.cadre_a)
    approval, _approval_process = ask_leave(client, staff.lily, process)
    assert notified("approval_waiting") == {"alice", "dora", "dina"}

    before = set(Notification.objects.values_list("pk", flat=True))
    assert timezone.localdate(approval.due_at - dt.timedelta(hours=6)) == reminder_day
    fire_at(approval.due_at - dt.timedelta(hours=6))
    fire_at(approval.due_at - dt.timedelta(hours=5), "send_reminders")
    reminders = Notification.objects.filter(event="reminder").exclude(pk__in=before)
    assert sorted(reminders.values_list("recipient__username", flat=True)) == [
        "alice",
        "dan",
        "dina",
    ]

    # Escalation follows the dispatcher's permission: no deputy of the head hears it.
    fire_at(approval.due_at + dt.timedelta(hours=1))
    assert notified("escalation", key__startswith=f"approval:{approval.pk}:") == {"bob"}
