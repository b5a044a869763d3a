"""Reminders before a due date and escalation to the dispatcher after it, fired by
Viewflow's timer dispatcher (`manage.py workflow_timers`) with the clock moved."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from core.deadlines import close_of_business
from dispatch.models import Dispatch, DispatchStatus
from tests.factories import training_class
from tests.flowtools import Staff, act, fire_at, open_task, process_of, task_url


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
        client.force_login(world.bob)  # days later: the first session has ended
        assert "王堃" in client.get("/dispatches/overdue/").content.decode()
        client.force_login(world.charlie)
        assert "王堃" not in client.get("/dispatches/overdue/").content.decode()

    # The dispatcher may now take it and answer for the unit; the liaison still may.
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    assert client.get(task_url(task, "assign")).status_code == 200
    client.force_login(world.bob)
    assert act(client, task, {"action": "confirm"}).status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED


def test_an_escalated_confirmation_stays_with_the_unit_and_opens_to_the_dispatchers(
    world, setup, client
):
    from workflow.models import ScopedTask

    staff, dispatch, process = setup
    fire_at(dispatch.confirm_due - dt.timedelta(hours=12))  # the reminder
    fire_at(dispatch.confirm_due + dt.timedelta(hours=1))  # the escalation
    task = open_task(process, "confirm")

    def queued(person):
        return ScopedTask.objects.user_queue(person).filter(pk=task.pk).exists()

    # The roll call's (city) dispatcher and the unit's liaison; not a county dispatcher
    # (the cadre is not in the county), nor the unit's head.
    assert queued(world.bob) and queued(staff.lily)
    assert not queued(world.carol) and not queued(world.alice)
    client.force_login(staff.lily)
    page = client.get(task_url(task, "assign")).content.decode()
    assert "本事项已逾期，转调训专员督办" in page and "added_permission" not in page
    client.force_login(world.carol)
    assert client.post(task_url(task, "assign")).status_code in (403, 404)
    # Reassigning offers both: whoever may do the task.
    client.force_login(world.bob)
    form = client.get(f"/tasks/{task.pk}/reassign/").context["form"]
    offered = set(form.fields["user"].queryset.values_list("username", flat=True))
    assert {"lily", "bob"} <= offered and not offered & {"carol", "alice"}

    # The liaison answers late, after the escalation: the dispatch goes on as usual.
    client.force_login(staff.lily)
    assert act(client, task, {"action": "confirm"}).status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED and dispatch.escalated


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
    client.force_login(world.alice)  # sees the dispatch of her unit; reassigning is not hers
    assert client.get(f"/tasks/{task.pk}/reassign/").status_code == 403
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


def events(verb, dispatch):
    return AuditEvent.objects.filter(verb=verb, target_id=str(dispatch.pk)).count()


def test_a_nominee_accepted_after_the_deadline_gets_a_due_moment_of_its_own(world, client):
    from dispatch.models import QuotaAllocation

    staff = Staff(world)
    klass = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=30))
    client.force_login(world.bob)
    client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": (timezone.localtime() + dt.timedelta(days=3)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "allocations": f"{world.a.code} 1",
        },
    )
    allocation = QuotaAllocation.objects.get()
    deadline = allocation.roll_call.response_deadline
    nomination = process_of(allocation, "NominationFlow")
    fire_at(deadline - dt.timedelta(hours=6))
    fire_at(deadline + dt.timedelta(hours=1))  # the unit stayed silent: the dispatcher nominates

    late = deadline + dt.timedelta(hours=2)
    with time_machine.travel(late, tick=False):
        client.force_login(world.bob)
        act(client, open_task(nomination, "nominate"), {"cadres": [world.cadre_a.pk]})
        client.force_login(world.alice)
        act(client, open_task(nomination, "head_approval"), {"decision": "approve"})
        client.force_login(world.bob)
        act(client, open_task(nomination, "dispatcher_review"), {"decision": "accept"})
    dispatch = Dispatch.objects.get()
    # XUNDIAO_APPROVAL_DAYS on, at the close of business
    assert dispatch.confirm_due == close_of_business(
        timezone.localdate(late) + dt.timedelta(days=3)
    )
    process = process_of(dispatch, "DispatchFlow")

    fire_at(dispatch.confirm_due - dt.timedelta(days=2))
    assert events("dispatch.remind.confirm", dispatch) == 0
    fire_at(dispatch.confirm_due - dt.timedelta(hours=12))
    assert events("dispatch.remind.confirm", dispatch) == 1
    dispatch.refresh_from_db()
    assert not dispatch.escalated

    fire_at(dispatch.confirm_due + dt.timedelta(hours=1))
    dispatch.refresh_from_db()
    assert dispatch.escalated
    assert events("dispatch.escalate.confirm", dispatch) == 1
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    assert client.get(task_url(task, "assign")).status_code == 200
    client.force_login(world.bob)
    assert act(client, task, {"action": "confirm"}).status_code == 302
    assert Dispatch.objects.get().status == DispatchStatus.NOTIFIED


def request_leave(client, liaison, process):
    client.force_login(liaison)
    response = act(
        client,
        open_task(process, "confirm"),
        {"action": "request", "kind": "leave", "reason": "承担重点项目，无法脱产"},
    )
    assert response.status_code == 302


def head_rejects(client, world, dispatch):
    from approvals.models import ApprovalRequest

    approval = process_of(ApprovalRequest.objects.get(subject_id=dispatch.pk), "ApprovalFlow")
    client.force_login(world.alice)
    response = act(
        client,
        open_task(approval, "head_review"),
        {"decision": "rejected", "comment": "年度重点班次，请按时参训"},
    )
    assert response.status_code == 302


def test_a_dispatch_sent_back_after_the_deadline_is_due_again(world, setup, client):
    staff, dispatch, process = setup
    deadline = dispatch.confirm_due
    request_leave(client, staff.lily, process)

    # The request is refused after the roll call's response deadline has passed.
    late = deadline + dt.timedelta(hours=2)
    with time_machine.travel(late, tick=False):
        head_rejects(client, world, dispatch)
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NAMED
    assert dispatch.confirm_due == close_of_business(
        timezone.localdate(late) + dt.timedelta(days=3)
    )
    assert not dispatch.escalated

    # The roll call's own timers (long due) leave it alone; its own due moment counts.
    fire_at(dispatch.confirm_due - dt.timedelta(hours=12))
    assert events("dispatch.remind.confirm", dispatch) == 1
    assert events("dispatch.escalate.confirm", dispatch) == 0
    fire_at(dispatch.confirm_due + dt.timedelta(hours=1))
    dispatch.refresh_from_db()
    assert dispatch.escalated
    assert events("dispatch.escalate.confirm", dispatch) == 1
    client.force_login(staff.lily)
    assert client.get(task_url(open_task(process, "confirm"), "assign")).status_code == 200


def test_a_second_round_of_confirmation_is_reminded_and_escalated_again(world, setup, client):
    from django.db.models import Q

    from notifications.models import Notification

    staff, dispatch, process = setup
    deadline = dispatch.confirm_due
    fire_at(deadline - dt.timedelta(hours=12))  # the first round's reminder
    request_leave(client, staff.lily, process)
    late = deadline + dt.timedelta(hours=2)
    with time_machine.travel(late, tick=False):
        head_rejects(client, world, dispatch)
    dispatch.refresh_from_db()
    fire_at(dispatch.confirm_due - dt.timedelta(hours=12))
    fire_at(dispatch.confirm_due + dt.timedelta(hours=1))

    # One reminder to the unit's liaison in each round (each its own due moment: the first
    # the roll call's, for all its cadres at once), and the second round's escalation to
    # the roll call's dispatcher.
    mine = Notification.objects.filter(
        Q(key__startswith=f"dispatch:{dispatch.pk}:confirm:")
        | Q(key__startswith=f"rollcall:{dispatch.roll_call_id}:confirm:")
    )
    reminders = mine.filter(event="reminder", recipient=staff.lily)
    assert reminders.count() == 2
    assert {n.context["due"][:10] for n in reminders} == {
        timezone.localtime(deadline).date().isoformat(),
        timezone.localtime(dispatch.confirm_due).date().isoformat(),
    }
    assert list(mine.filter(event="escalation").values_list("recipient__username", flat=True)) == [
        "bob"
    ]


def test_a_request_refused_before_the_deadline_keeps_the_roll_calls_due(world, setup, client):
    staff, dispatch, process = setup
    deadline = dispatch.confirm_due
    request_leave(client, staff.lily, process)
    head_rejects(client, world, dispatch)
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NAMED and dispatch.confirm_due == deadline

    # Watched once, by the roll call: one reminder, one escalation.
    fire_at(deadline - dt.timedelta(hours=12))
    fire_at(deadline + dt.timedelta(hours=1))
    assert events("dispatch.remind.confirm", dispatch) == 1
    assert events("dispatch.escalate.confirm", dispatch) == 1


def test_a_makeup_dispatch_is_reminded_and_escalated_by_its_own_due(world, setup, client):
    from dispatch import services
    from dispatch.flows import start_makeup
    from dispatch.models import Makeup

    staff, missed, _process = setup
    later = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=60), name="补训班次"
    )
    start_makeup(services.makeup_owe(actor=None, dispatch=missed, reason="absence"))
    client.force_login(world.bob)
    schedule = open_task(process_of(Makeup.objects.get(), "MakeupFlow"), "schedule")
    assert act(client, schedule, {"training_class": later.pk}).status_code == 302
    dispatch = Dispatch.objects.get(training_class=later)

    fire_at(dispatch.confirm_due - dt.timedelta(hours=12))
    assert events("dispatch.remind.confirm", dispatch) == 1
    fire_at(dispatch.confirm_due + dt.timedelta(hours=1))
    assert events("dispatch.escalate.confirm", dispatch) == 1
    client.force_login(staff.lily)
    task = open_task(process_of(dispatch, "DispatchFlow"), "confirm")
    assert client.get(task_url(task, "assign")).status_code == 200


def overdue_world(world, client, cadres, units, leave_for=()):
    """A named roll call of `cadres` (leave requested for `leave_for`) and a quota roll
    call for `units`, both due in three days at 18:00 (when the leave request's approval
    falls due too: `core.deadlines`); returns the due moment."""
    from tests.flowtools import Staff as _Staff

    staff = getattr(world, "_staff", None) or _Staff(world)
    world._staff = staff
    due = close_of_business(timezone.localdate() + dt.timedelta(days=3))
    start = dt.date.today() + dt.timedelta(days=30)
    client.force_login(world.bob)
    for mode, field, value in (
        ("named", "cadres", [c.pk for c in cadres]),
        ("quota", "allocations", "\n".join(f"{u.code} 1" for u in units)),
    ):
        if not value:
            continue
        klass = training_class(world.city_od, world.school, start, quota=40)
        response = client.post(
            "/workflow/rollcall/start/",
            {
                "training_class": klass.pk,
                "mode": mode,
                "response_deadline": due.strftime("%Y-%m-%dT%H:%M"),
                field: value,
            },
        )
        assert response.status_code == 302, response.content.decode()[-2000:]
    for person in leave_for:
        dispatch = Dispatch.objects.get(cadre=person)
        request_leave(client, staff.lily, process_of(dispatch, "DispatchFlow"))
    return due


def test_the_overdue_list_shows_late_dispatches_approvals_and_nominations(world, client):
    from approvals.models import ApprovalRequest
    from dispatch.models import QuotaAllocation

    due = overdue_world(
        world, client, [world.cadre_a, world.cadre_a1], [world.a, world.b], [world.cadre_a1]
    )
    confirm = open_task(
        process_of(Dispatch.objects.get(cadre=world.cadre_a), "DispatchFlow"), "confirm"
    )
    approval = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    head_review = open_task(approval, "head_review")
    nominate_a = open_task(
        process_of(QuotaAllocation.objects.get(unit=world.a), "NominationFlow"), "nominate"
    )
    nominate_b = open_task(
        process_of(QuotaAllocation.objects.get(unit=world.b), "NominationFlow"), "nominate"
    )

    client.force_login(world.bob)
    page = client.get("/dispatches/overdue/").content.decode()
    assert "王堃" not in page and "李玥：" not in page and world.b.name not in page  # not yet

    with time_machine.travel(due + dt.timedelta(hours=1), tick=False):
        client.force_login(world.bob)  # days later: the first session has ended
        page = client.get("/dispatches/overdue/").content.decode()
        assert "王堃" in page
        assert "李玥：请假" in page  # the head's decision on the leave request is overdue
        assert world.a.name in page and world.b.name in page  # no nomination by the deadline
        for task in (confirm, head_review, nominate_a, nominate_b):
            assert f"/tasks/{task.pk}/reassign/" in page
            assert task_url(task) in page

        # The county dispatcher sees the county's unit only; a stranger gets nothing.
        client.force_login(world.carol)
        page = client.get("/dispatches/overdue/").content.decode()
        assert world.b.name in page and f"/tasks/{nominate_b.pk}/reassign/" in page
        assert "王堃" not in page and "李玥" not in page and world.a.name not in page
        for task in (confirm, head_review, nominate_a):
            assert f"/tasks/{task.pk}/" not in page
        # The liaison sees the unit's late work, but may not reassign it.
        client.force_login(world._staff.lily)
        page = client.get("/dispatches/overdue/").content.decode()
        assert "王堃" in page and task_url(confirm) in page
        assert "/reassign/" not in page
        client.force_login(world.nobody)
        assert client.get("/dispatches/overdue/").status_code == 403


def test_the_overdue_list_keeps_a_flat_query_count(world, client, django_assert_max_num_queries):
    from tests.factories import cadre, unit

    due = overdue_world(world, client, [world.cadre_a], [world.a], [])
    extra_leave = cadre("钱八", world.a, world.city_od)
    overdue_world(world, client, [extra_leave], [], [extra_leave])  # one approval row

    def count():
        with time_machine.travel(due + dt.timedelta(hours=2), tick=False):
            client.force_login(world.bob)
            with django_assert_max_num_queries(60) as captured:
                page = client.get("/dispatches/overdue/")
            assert page.status_code == 200
        return len(captured), page.content.decode()

    few, page = count()
    assert page.count("/reassign/") == 3
    more = [cadre(f"干部{i}", world.a1, world.city_od) for i in range(6)]
    overdue_world(world, client, more, [unit(f"科室{i}", world.a) for i in range(5)], more[:4])
    many, page = count()
    assert page.count("/reassign/") == 3 + 6 + 5
    assert many <= few, (few, many)
