"""Every notification links to the most specific page about its object that its
recipient may open — and the page opens for them."""

import datetime as dt

import time_machine
from django.core.management import call_command
from django.utils import timezone

from approvals.models import ApprovalRequest
from dispatch.models import Dispatch, QuotaAllocation, TrainingClass
from notifications.models import Notification
from tests.flowtools import act, deadline, open_task, process_of


def start_named(client, world, klass, cadres, capture):
    client.force_login(world.bob)
    with capture(execute=True):
        client.post(
            "/workflow/rollcall/start/",
            {
                "training_class": klass.pk,
                "mode": "named",
                "response_deadline": deadline(5),
                "cadres": [c.pk for c in cadres],
            },
        )


def link(event, recipient, **filters):
    return Notification.objects.get(event=event, recipient=recipient, **filters).url


def assert_opens(client, user, url, expected_path=None):
    """`url` opens (200, after the task page's own redirects) for `user`."""
    assert url, "the notification has no link"
    client.force_login(user)
    response = client.get(url, follow=True)
    assert response.status_code == 200, (user.username, url, response.status_code)
    if expected_path:
        assert response.request["PATH_INFO"].startswith(expected_path)


def test_dispatch_events_link_to_the_process_page_or_the_trainees_own_pages(
    world, staff, klass, client, django_capture_on_commit_callbacks
):
    start_named(
        client, world, klass, [world.cadre_a, world.cadre_b], django_capture_on_commit_callbacks
    )
    wang = Dispatch.objects.get(cadre=world.cadre_a)
    zhang = Dispatch.objects.get(cadre=world.cadre_b)
    wang_page = f"/workflow/dispatch/{process_of(wang, 'DispatchFlow').pk}/"
    zhang_page = f"/workflow/dispatch/{process_of(zhang, 'DispatchFlow').pk}/"
    record = f"/cadres/{world.cadre_a.pk}/record/"

    # Dispatched: each liaison's one announcement to their tasks (我的待办, where each
    # cadre is confirmed), the trainee to his training record.
    assert link("dispatched", staff.lily) == "/"
    assert link("dispatched", world.dave) == record
    assert link("dispatched", staff.luke) == "/"
    for user, url in ((staff.lily, "/"), (world.dave, record), (staff.luke, "/")):
        assert_opens(client, user, url)
    assert zhang_page

    # The confirmation reminder (sweep): the liaison to the dispatch.
    with time_machine.travel(wang.confirm_due - dt.timedelta(days=2), tick=False):
        call_command("send_reminders")
    # The confirmation reminder (one per liaison for the roll call): one cadre, his page.
    lily_reminder = link("reminder", staff.lily, key__startswith=f"rollcall:{wang.roll_call_id}:")
    assert lily_reminder == wang_page
    assert_opens(client, staff.lily, wang_page)

    # Both confirm; the notices go out.
    for liaison, dispatch in ((staff.lily, wang), (staff.luke, zhang)):
        client.force_login(liaison)
        act(
            client,
            open_task(process_of(dispatch, "DispatchFlow"), "confirm"),
            {"action": "confirm"},
        )
    wang.refresh_from_db()
    notice = Notification.objects.get(event="notice_issued", recipient=world.dave)
    assert notice.url == f"/documents/{notice.document_id}/"
    assert_opens(client, world.dave, notice.url)

    # The acknowledgement reminder: Dave to his own acknowledgement task (he may act on
    # it there), the liaison of Zhang (no account) to Zhang's dispatch.
    with time_machine.travel(wang.acknowledge_due - dt.timedelta(hours=12), tick=False):
        call_command("send_reminders")
        call_command("workflow_timers")
    task = open_task(process_of(wang, "DispatchFlow"), "acknowledge")
    dave_link = link("reminder", world.dave)
    assert dave_link == f"{wang_page}acknowledge/{task.pk}/"
    assert_opens(client, world.dave, dave_link, expected_path=dave_link)
    luke_link = link(
        "reminder", staff.luke, key__startswith=f"rollcall:{zhang.roll_call_id}:acknowledge:"
    )
    assert luke_link == zhang_page
    assert_opens(client, staff.luke, luke_link)

    # Escalation: the roll call's dispatcher, once for both overdue notices, to the
    # overdue list.
    with time_machine.travel(wang.acknowledge_due + dt.timedelta(hours=1), tick=False):
        call_command("workflow_timers")
    assert link("escalation", world.bob) == "/dispatches/overdue/"
    assert_opens(client, world.bob, "/dispatches/overdue/")

    assert not Notification.objects.filter(url="").exists()


def test_makeup_owed_links_to_the_cadres_training_record(world, staff, klass, client):
    client.force_login(world.bob)
    client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "named",
            "response_deadline": deadline(5),
            "cadres": [world.cadre_a.pk],
        },
    )
    wang = Dispatch.objects.get(cadre=world.cadre_a)
    process = process_of(wang, "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    client.force_login(world.dave)
    act(client, open_task(process, "acknowledge"), {"confirm": "on"})
    today = timezone.localdate()
    TrainingClass.objects.filter(pk=klass.pk).update(
        start_date=today, end_date=today, report_date=today
    )
    client.force_login(world.rita)
    act(client, open_task(process, "record_attendance"), {"result": "absent"})
    record = f"/cadres/{world.cadre_a.pk}/record/"
    for user in (world.dave, staff.lily):
        assert link("makeup_owed", user) == record
        assert_opens(client, user, record)


def test_approval_notifications_link_to_the_approval_process(world, staff, klass, client):
    client.force_login(world.bob)
    client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "named",
            "response_deadline": deadline(10),
            "cadres": [world.cadre_a.pk],
        },
    )
    wang = Dispatch.objects.get(cadre=world.cadre_a)
    client.force_login(staff.lily)
    act(
        client,
        open_task(process_of(wang, "DispatchFlow"), "confirm"),
        {"action": "request", "kind": "leave", "reason": "重大项目攻坚"},
    )
    approval = ApprovalRequest.objects.get()
    approval_process = process_of(approval, "ApprovalFlow")
    page = f"/workflow/approval/{approval_process.pk}/"

    assert link("approval_waiting", world.alice) == page
    with time_machine.travel(approval.due_at - dt.timedelta(hours=6), tick=False):
        call_command("workflow_timers")
    assert link("reminder", world.alice, key__startswith="approval:") == page
    with time_machine.travel(approval.due_at + dt.timedelta(hours=1), tick=False):
        call_command("workflow_timers")
    assert link("escalation", world.bob, key__startswith="approval:") == page
    for user in (world.alice, world.bob):
        assert_opens(client, user, page)

    # The dispatcher decides for the head; the city department approves.
    client.force_login(world.bob)
    act(client, open_task(approval_process, "head_review"), {"decision": "approved"})
    client.force_login(staff.oscar)
    act(client, open_task(approval_process, "managing_review"), {"decision": "approved"})
    assert link("approval_waiting", staff.oscar) == page
    assert_opens(client, staff.oscar, page)
    # The decision: the requester to the approval, the trainee to his training record.
    assert link("decision_made", staff.lily) == page
    assert_opens(client, staff.lily, page)
    record = f"/cadres/{world.cadre_a.pk}/record/"
    assert link("decision_made", world.dave) == record
    assert_opens(client, world.dave, record)


def test_nomination_reminder_and_escalation_link_to_the_nomination(world, staff, klass, client):
    client.force_login(world.bob)
    client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": deadline(5),
            "allocations": f"{world.b.code} 1",
        },
    )
    allocation = QuotaAllocation.objects.get()
    page = f"/workflow/nomination/{process_of(allocation, 'NominationFlow').pk}/"
    due = allocation.roll_call.response_deadline
    with time_machine.travel(due - dt.timedelta(days=2), tick=False):
        call_command("send_reminders")
    assert link("reminder", staff.luke, key__endswith="reminder-3d") == page
    with time_machine.travel(due - dt.timedelta(hours=12), tick=False):
        call_command("workflow_timers")
    assert link("reminder", staff.luke, key__endswith="reminder-1d") == page
    assert_opens(client, staff.luke, page)
    with time_machine.travel(due + dt.timedelta(hours=1), tick=False):
        call_command("workflow_timers")
    assert link("escalation", world.bob) == page
    assert_opens(client, world.bob, page)
