"""Each dispatch event notifies exactly the right people, once, and no one outside the
jurisdiction; 签收 in the inbox completes the acknowledgement."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import TestCase

from dispatch.models import Dispatch, DispatchStatus
from notifications.models import Notification
from tests.factories import user
from tests.flowtools import act, deadline, notified, open_task, process_of

pytestmark = pytest.mark.klass(name="全市专题班")


@pytest.fixture
def roll_call(world, staff, klass, client, django_capture_on_commit_callbacks):
    """Named: Wang (unit A, trainee Dave has an account) and Zhang (county unit B)."""
    luke_county = staff.luke
    client.force_login(world.bob)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/workflow/rollcall/start/",
            {
                "training_class": klass.pk,
                "mode": "named",
                "response_deadline": deadline(5),
                "cadres": [world.cadre_a.pk, world.cadre_b.pk],
            },
        )
    assert luke_county
    return Dispatch.objects.get(cadre=world.cadre_a).roll_call


def test_dispatched_goes_to_the_trainee_and_their_units_liaisons_only(world, staff, roll_call):
    wang = Dispatch.objects.get(cadre=world.cadre_a)
    zhang = Dispatch.objects.get(cadre=world.cadre_b)
    assert notified("dispatched", key=f"dispatch:{wang.pk}:dispatched") == {"dave"}
    assert notified("dispatched", key=f"dispatch:{zhang.pk}:dispatched") == set()
    # the units' liaisons: one announcement each for the roll call, with its notice
    assert notified("dispatched", key__startswith=f"rollcall:{roll_call.pk}:announced:") == {
        "lily",
        "luke",
    }
    # Heads, dispatchers and strangers hear nothing of it.
    assert not notified("dispatched") & {"alice", "charlie", "carol", "nobody", "rita"}


def test_a_leave_request_tells_exactly_the_deciders_in_turn(world, staff, roll_call, client):
    zhang = Dispatch.objects.get(cadre=world.cadre_b)
    client.force_login(staff.luke)
    act(
        client,
        open_task(process_of(zhang, "DispatchFlow"), "confirm"),
        {"action": "request", "kind": "leave", "reason": "重大安保任务"},
    )
    assert notified("approval_waiting") == {"charlie"}
    from approvals.models import ApprovalRequest

    approval = ApprovalRequest.objects.get()
    approval_process = process_of(approval, "ApprovalFlow")
    client.force_login(world.charlie)
    act(client, open_task(approval_process, "head_review"), {"decision": "approved"})
    # Dual management: both departments' heads, in parallel.
    assert notified("approval_waiting") == {"charlie", "olga", "oscar"}
    client.force_login(staff.olga)
    act(client, open_task(approval_process, "managing_review"), {"decision": "approved"})
    client.force_login(staff.oscar)
    act(
        client,
        open_task(approval_process, "co_managing_review"),
        {"decision": "rejected", "comment": "不同意"},
    )
    assert notified("decision_made") == {"luke"}


def test_the_notice_goes_out_with_pdf_and_invite_and_inbox_acknowledgement_completes_the_task(
    world, staff, roll_call, client, django_capture_on_commit_callbacks, settings
):
    from notifications.models import ContactProfile

    world.dave.email = "dave@example.com"
    world.dave.save()
    ContactProfile.objects.update_or_create(user=world.dave, defaults={"email_enabled": True})
    wang = Dispatch.objects.get(cadre=world.cadre_a)
    process = process_of(wang, "DispatchFlow")
    client.force_login(staff.lily)
    with django_capture_on_commit_callbacks(execute=True):
        act(client, open_task(process, "confirm"), {"action": "confirm"})
    notice = Notification.objects.get(event="notice_issued")
    assert notice.recipient == world.dave and notice.requires_ack and notice.document is not None
    message = next(m for m in mail.outbox if "dave@example.com" in m.to)
    names = [a.get_filename() if hasattr(a, "get_filename") else a[0] for a in message.attachments]
    assert any(n.endswith(".pdf") for n in names) and any(n.endswith(".ics") for n in names)

    # Someone else cannot acknowledge Dave's notice.
    client.force_login(staff.lily)
    assert client.post(f"/inbox/{notice.pk}/acknowledge/").status_code == 404
    client.force_login(world.dave)
    response = client.post(f"/inbox/{notice.pk}/acknowledge/", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    wang.refresh_from_db()
    assert wang.status == DispatchStatus.ACKNOWLEDGED
    assert wang.acknowledged_ip == "10.1.2.3"
    assert open_task(process, "record_attendance")

    # The dispatcher sees who has acknowledged; strangers do not.
    client.force_login(world.bob)
    page = client.get(f"/rollcalls/{roll_call.pk}/acknowledgements/").content.decode()
    assert "王堃" in page and "10.1.2.3" in page
    for outsider in (world.carol, world.alice, world.nobody):
        client.force_login(outsider)
        assert client.get(f"/rollcalls/{roll_call.pk}/acknowledgements/").status_code == 404


def test_reminders_go_out_three_and_one_day_before_and_once(world, staff, roll_call):
    wang = Dispatch.objects.get(cadre=world.cadre_a)
    with time_machine.travel(wang.confirm_due - dt.timedelta(days=2), tick=False):
        call_command("send_reminders")
        call_command("send_reminders")
    assert (
        Notification.objects.filter(event="reminder", key__endswith="reminder-3d").count() == 2
    )  # lily, luke
    with time_machine.travel(wang.confirm_due - dt.timedelta(hours=12), tick=False):
        call_command("send_reminders")
        call_command("workflow_timers")  # the roll call's own reminder: same key, nothing new
    one_day = Notification.objects.filter(event="reminder", key__endswith="reminder-1d")
    assert set(one_day.values_list("recipient__username", flat=True)) == {"lily", "luke"}
    assert one_day.count() == 2


def test_escalation_tells_the_roll_calls_dispatchers_only(world, staff, roll_call):
    wang = Dispatch.objects.get(cadre=world.cadre_a)
    with time_machine.travel(wang.confirm_due - dt.timedelta(hours=12), tick=False):
        call_command("workflow_timers")
    with time_machine.travel(wang.confirm_due + dt.timedelta(hours=1), tick=False):
        call_command("workflow_timers")
    assert notified("escalation") == {"bob"}


def test_makeup_owed_and_circular_issued_reach_their_units(world, staff, roll_call, client):
    from django.utils import timezone

    from dispatch.models import TrainingClass

    wang = Dispatch.objects.get(cadre=world.cadre_a)
    process = process_of(wang, "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    client.force_login(world.dave)
    act(client, open_task(process, "acknowledge"), {"confirm": "on"})
    today = timezone.localdate()
    TrainingClass.objects.filter(pk=wang.training_class_id).update(
        start_date=today, end_date=today, report_date=today
    )
    client.force_login(world.rita)
    act(client, open_task(process, "record_attendance"), {"result": "absent"})
    assert notified("makeup_owed") == {"dave", "lily"}

    client.force_login(world.bob)
    client.post(
        "/workflow/circular/start/",
        {
            "org_department": world.city_od.pk,
            "period_kind": "custom",
            "period_start": today,
            "period_end": today,
        },
    )
    from circulars.models import Circular

    circular_process = process_of(Circular.objects.get(), "CircularFlow")
    act(client, open_task(circular_process, "draft"), {"title": "通报", "body": ""})
    client.force_login(staff.oscar)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the PDF renders in a task
        act(client, open_task(circular_process, "approval"), {"decision": "approve"})
    # Both dispatched units are counted: their heads and liaisons hear of it.
    assert notified("circular_issued") == {"alice", "lily", "charlie", "luke"}


def test_a_repeated_event_notifies_no_one_twice(world, staff, roll_call):
    from dispatch import notices

    wang = Dispatch.objects.select_related("cadre__user", "unit", "training_class").get(
        cadre=world.cadre_a
    )
    # (The fixture's roll call announced it with its 调训通知; announced here without the
    # document, the liaison's batch is another one, keyed by the dispatch.)
    notices.dispatched([wang])
    before = Notification.objects.count()
    notices.dispatched([wang])
    assert Notification.objects.count() == before


def test_a_new_liaison_is_told_only_of_later_events(world, staff, roll_call):
    user("late", "unit_liaison", world.a)
    assert "late" not in notified("dispatched")


def report(client, roll_call):
    """The acknowledgement report as the dispatcher sees it: (cadre, acknowledged at, IP)
    per line, the names still pending, and the page text."""
    response = client.get(f"/rollcalls/{roll_call.pk}/acknowledgements/")
    assert response.status_code == 200
    rows = list(response.context["page"])
    lines = [(d.cadre.name, d.acknowledged_at, d.acknowledged_ip) for d in rows]
    pending = [d.cadre.name for d in rows if d.status == DispatchStatus.NOTIFIED]
    return lines, pending, response.content.decode()


def test_acknowledging_on_the_task_page_is_reported_and_closes_the_inbox_entry(
    world, staff, roll_call, client
):
    wang = Dispatch.objects.get(cadre=world.cadre_a)
    process = process_of(wang, "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    client.force_login(world.bob)
    lines, pending, page = report(client, roll_call)
    assert pending == ["王堃"] and ">未签收</td>" in page

    # Dave acknowledges on the Viewflow task page, not in the inbox.
    client.force_login(world.dave)
    task = open_task(process, "acknowledge")
    task_page = f"/workflow/dispatch/{process.pk}/acknowledge/{task.pk}/execute/"
    assert client.post(task_page, {"confirm": "on"}, REMOTE_ADDR="10.9.8.7").status_code == 302
    wang.refresh_from_db()
    assert wang.status == DispatchStatus.ACKNOWLEDGED

    client.force_login(world.bob)
    lines, pending, page = report(client, roll_call)
    assert lines == [("王堃", wang.acknowledged_at, "10.9.8.7")]
    assert pending == [] and ">未签收</td>" not in page and "10.9.8.7" in page
    # Dave's inbox no longer asks him to acknowledge: same time and IP as the dispatch.
    notice = Notification.objects.get(event="notice_issued", recipient=world.dave)
    assert notice.acknowledged_at == wang.acknowledged_at
    assert notice.acknowledged_ip == "10.9.8.7"
    client.force_login(world.dave)
    detail = client.get(f"/inbox/{notice.pk}/").content.decode()
    assert f"/inbox/{notice.pk}/acknowledge/" not in detail


def test_one_liaison_acknowledging_for_a_cadre_without_account_settles_it_for_all(
    world, staff, roll_call, client
):
    lucy = user("lucy", "unit_liaison", world.b)  # a second liaison of Zhang's unit
    zhang = Dispatch.objects.get(cadre=world.cadre_b)
    process = process_of(zhang, "DispatchFlow")
    client.force_login(staff.luke)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    # Zhang has no account: every liaison of his unit is asked to acknowledge.
    assert notified("notice_issued") == {"luke", "lucy"}
    client.force_login(world.bob)
    lines, pending, _page = report(client, roll_call)
    assert pending == ["张喆"] and len(lines) == 1

    luke_notice = Notification.objects.get(event="notice_issued", recipient=staff.luke)
    client.force_login(staff.luke)
    client.post(f"/inbox/{luke_notice.pk}/acknowledge/", REMOTE_ADDR="10.4.4.4")
    zhang.refresh_from_db()
    assert zhang.status == DispatchStatus.ACKNOWLEDGED and zhang.acknowledged_ip == "10.4.4.4"

    # One line per dispatch, acknowledged; Lucy's entry is settled too.
    client.force_login(world.bob)
    lines, pending, page = report(client, roll_call)
    assert lines == [("张喆", zhang.acknowledged_at, "10.4.4.4")]
    assert pending == [] and ">未签收</td>" not in page
    lucy_notice = Notification.objects.get(event="notice_issued", recipient=lucy)
    assert lucy_notice.acknowledged_at == zhang.acknowledged_at
    # Lucy pressing 签收 afterwards changes nothing and fails nothing.
    client.force_login(lucy)
    assert client.post(f"/inbox/{lucy_notice.pk}/acknowledge/").status_code == 302
    lucy_notice.refresh_from_db()
    assert lucy_notice.acknowledged_ip == "10.4.4.4"

    # Outsiders still cannot open the report.
    for outsider in (world.carol, world.alice, world.nobody, staff.luke, lucy):
        client.force_login(outsider)
        assert client.get(f"/rollcalls/{roll_call.pk}/acknowledgements/").status_code == 404


def test_a_notice_giving_three_days_gets_no_three_day_reminder_right_after_it(
    world, staff, roll_call, client
):
    from django.utils import timezone

    wang = Dispatch.objects.get(cadre=world.cadre_a)
    process = process_of(wang, "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    wang.refresh_from_db()
    # Three days on, at 18:00 (`core.deadlines`).
    assert wang.acknowledge_due - timezone.now() <= dt.timedelta(days=3, hours=18)
    ack_reminders = Notification.objects.filter(
        event="reminder", key__startswith=f"dispatch:{wang.pk}:acknowledge"
    )
    # The sweep minutes and a day after the notice: nothing (the notice itself said so).
    for later in (dt.timedelta(minutes=15), dt.timedelta(days=1)):
        with time_machine.travel(timezone.now() + later, tick=False):
            call_command("send_reminders")
        assert not ack_reminders.exists()
    # The 1-day slot was still ahead: the sweep and the flow's own timer send it, once.
    with time_machine.travel(wang.acknowledge_due - dt.timedelta(hours=12), tick=False):
        call_command("send_reminders")
        call_command("workflow_timers")
    assert [(n.recipient.username, n.key.rsplit(":", 1)[1]) for n in ack_reminders] == [
        ("dave", "reminder-1d")
    ]


def test_a_roll_call_answered_within_three_days_gets_only_the_one_day_reminder(
    world, staff, klass, client
):
    client.force_login(world.bob)
    client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "named",
            "response_deadline": deadline(3),
            "cadres": [world.cadre_a.pk],
        },
    )
    wang = Dispatch.objects.get(cadre=world.cadre_a)
    with time_machine.travel(wang.confirm_due - dt.timedelta(days=2, hours=23), tick=False):
        call_command("send_reminders")
    assert not Notification.objects.filter(event="reminder").exists()
    with time_machine.travel(wang.confirm_due - dt.timedelta(hours=12), tick=False):
        call_command("send_reminders")
        call_command("workflow_timers")
    assert notified("reminder", key__endswith="reminder-1d") == {"lily"}
    assert Notification.objects.filter(event="reminder").count() == 1
