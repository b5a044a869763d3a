"""Bad input and outsiders: a clear message, and nothing changes."""

import datetime as dt
from contextlib import contextmanager

import pytest
from django.utils import timezone
from viewflow.workflow.models import Process, Task

from approvals.models import ApprovalRequest
from audit.models import AuditEvent
from dispatch.models import (
    Dispatch,
    DispatchStatus,
    QuotaAllocation,
    RollCall,
    RollCallStatus,
    TrainingClass,
)
from tests.factories import cadre, training_class
from tests.flowtools import act, deadline, open_task, post_roll_call, process_of, task_url

pytestmark = pytest.mark.klass(quota=2)


def issue(client, user, klass, cadres, response_deadline=None):
    client.force_login(user)
    return post_roll_call(client, klass, cadres, response_deadline)


# Rows that a refused request must leave as they were.
COUNTED = (RollCall, QuotaAllocation, Dispatch, Process, Task, ApprovalRequest, AuditEvent)


@contextmanager
def nothing_changes():
    before = {model.__name__: model.objects.count() for model in COUNTED}
    yield
    assert {model.__name__: model.objects.count() for model in COUNTED} == before


def refused(response, message):
    """The form comes back with exactly this message (and not Django's stock one)."""
    page = response.content.decode()
    assert response.status_code == 200, response.status_code
    assert message in page, page[-3000:]
    assert "有效的选项" not in page


def test_a_class_that_has_started_is_refused(world, client):
    started = training_class(world.city_od, world.school, dt.date.today())
    with nothing_changes():
        response = issue(client, world.bob, started, [world.cadre_a])
    refused(response, "该班次已经开始或已结束，不能调训。")


def test_a_class_that_has_finished_is_refused(world, client):
    finished = training_class(world.city_od, world.school, dt.date.today() - dt.timedelta(days=20))
    with nothing_changes():
        response = issue(client, world.bob, finished, [world.cadre_a])
    refused(response, "该班次已经开始或已结束，不能调训。")


def test_more_named_cadres_than_seats_are_refused(world, klass, client):
    third = cadre("钱八", world.a, world.city_od)
    with nothing_changes():
        response = issue(client, world.bob, klass, [world.cadre_a, world.cadre_a1, third])
    refused(response, "点名3人，超过班次名额2人。")


def test_a_deadline_after_the_class_starts_is_refused(world, klass, client):
    late = (timezone.localtime() + dt.timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")
    with nothing_changes():
        response = issue(client, world.bob, klass, [world.cadre_a], response_deadline=late)
    refused(response, "答复截止时间必须在开班之前。")


def test_a_cadre_already_in_an_overlapping_class_is_refused(world, klass, client):
    assert issue(client, world.bob, klass, [world.cadre_a]).status_code == 302
    other = training_class(
        world.city_od, world.school, klass.start_date + dt.timedelta(days=2), name="同期班"
    )
    with nothing_changes():
        response = issue(client, world.bob, other, [world.cadre_a])
    refused(response, f"王堃已被调训参加{klass.name}，与本班次时间冲突或重复。")


def test_cadres_outside_the_jurisdiction_are_refused_and_counted_not_named(world, client):
    county_class = training_class(
        world.county_od, world.school, dt.date.today() + dt.timedelta(days=30)
    )
    with nothing_changes():
        response = issue(client, world.carol, county_class, [world.cadre_a, world.cadre_a1])
    refused(response, "所选干部中有2名不在您的管辖范围内或已不存在，请重新选择。")
    assert "王堃" not in response.content.decode()  # not the county's to see
    # One outsider among insiders is counted alone.
    with nothing_changes():
        response = issue(client, world.carol, county_class, [world.cadre_b, world.cadre_a])
    refused(response, "所选干部中有1名不在您的管辖范围内或已不存在，请重新选择。")


def test_the_same_cadre_named_twice_is_refused(world, klass, client):
    with nothing_changes():
        response = issue(client, world.bob, klass, [world.cadre_a, world.cadre_a])
    refused(response, "同一名干部被重复点名两次。")


def test_a_leave_request_without_a_reason_is_refused(world, staff, klass, client):
    issue(client, world.bob, klass, [world.cadre_a])
    task = open_task(process_of(Dispatch.objects.get(), "DispatchFlow"), "confirm")
    client.force_login(staff.lily)
    assert client.post(task_url(task, "assign")).status_code == 302
    with nothing_changes():
        response = act(client, task, {"action": "request", "kind": "leave", "reason": "  "})
    refused(response, "请说明申请理由。")
    assert Dispatch.objects.get().status == DispatchStatus.NAMED
    task.refresh_from_db()
    assert task.status == "ASSIGNED"


def test_a_reason_too_long_is_said_to_be_too_long_not_missing(world, staff, klass, client):
    """The request's reason past its length is refused as such, once: not also as a
    reason not given (Django drops a field's value once its own check fails)."""
    issue(client, world.bob, klass, [world.cadre_a])
    task = open_task(process_of(Dispatch.objects.get(), "DispatchFlow"), "confirm")
    client.force_login(staff.lily)
    assert client.post(task_url(task, "assign")).status_code == 302
    with nothing_changes():
        response = act(client, task, {"action": "request", "kind": "leave", "reason": "因" * 1001})
    refused(response, "不能超过1000个字（现有1001个字）")
    assert "请说明申请理由" not in response.content.decode()
    assert Dispatch.objects.get().status == DispatchStatus.NAMED


def test_the_same_cadre_named_twice_is_refused_by_the_service(world, klass):
    from django.core.exceptions import ValidationError

    from dispatch import services

    with pytest.raises(ValidationError) as exc:
        services.roll_call_issue(
            actor=world.bob,
            training_class=klass,
            mode="named",
            response_deadline=timezone.now() + dt.timedelta(days=5),
            cadres=[world.cadre_a, world.cadre_a],
        )
    assert "两次" in str(exc.value.messages) or "重复" in str(exc.value.messages)
    assert not RollCall.objects.exists()


def test_a_task_completed_by_someone_else_changes_nothing(world, staff, klass, client):
    from dispatch import services

    issue(client, world.bob, klass, [world.cadre_a])
    dispatch = Dispatch.objects.get()
    events = AuditEvent.objects.count()
    services.dispatch_confirm(actor=staff.lily, dispatch=dispatch)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.dispatch_request(actor=staff.lily, dispatch=dispatch, kind="leave", reason="出差")
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.CONFIRMED
    assert AuditEvent.objects.count() == events + 1


def test_a_second_claim_on_a_claimed_task_is_refused(world, staff, klass, client):
    issue(client, world.bob, klass, [world.cadre_a])
    task = open_task(process_of(Dispatch.objects.get(), "DispatchFlow"), "confirm")
    other_liaison = __import__("tests.factories", fromlist=["user"]).user(
        "lucy", "unit_liaison", world.a
    )
    client.force_login(staff.lily)
    assert client.post(task_url(task, "assign")).status_code == 302
    client.force_login(other_liaison)
    assert client.post(task_url(task, "assign")).status_code == 403
    assert client.post(task_url(task, "execute"), {"action": "confirm"}).status_code == 403
    assert Dispatch.objects.get().status == DispatchStatus.NAMED


def test_outsiders_are_refused_at_every_step(world, staff, klass, client):
    issue(client, world.bob, klass, [world.cadre_a])
    dispatch = Dispatch.objects.get()
    process = process_of(dispatch, "DispatchFlow")
    confirm = open_task(process, "confirm")

    # Charlie (head of another unit), Carol (county dispatcher) and a user without roles.
    for outsider in (world.charlie, world.carol, world.nobody):
        client.force_login(outsider)
        # The dispatch is out of their reach: every page of its process answers 404.
        assert client.post(task_url(confirm, "assign")).status_code == 404
        assert client.post(task_url(confirm, "execute"), {"action": "confirm"}).status_code == 404
        assert client.get(f"/workflow/dispatch/{process.pk}/").status_code == 404
        assert client.get(task_url(confirm, "detail")).status_code == 404
        assert task_url(confirm) not in client.get("/workflow/dispatch/queue/").content.decode()
        assert (
            "王堃" not in client.get("/dispatches/").content.decode()
            if outsider != world.nobody
            else True
        )
        roll_call = RollCall.objects.get()
        assert client.get(f"/rollcalls/{roll_call.pk}/").status_code == 404
        if outsider != world.nobody:
            assert klass.name not in client.get("/rollcalls/").content.decode()
    # The insider sees the task in the queue.
    client.force_login(staff.lily)
    assert task_url(confirm) in client.get("/workflow/dispatch/queue/").content.decode()

    client.force_login(staff.lily)
    act(client, confirm, {"action": "confirm"})
    ack = open_task(process, "acknowledge")
    # Unit A's liaison sees the dispatch but the acknowledgement is the trainee's (403);
    # another unit's head and the school's registrar do not reach it yet (404).
    for outsider, refused in ((staff.lily, 403), (world.charlie, 404), (world.rita, 404)):
        client.force_login(outsider)
        assert client.post(task_url(ack, "execute"), {"confirm": "on"}).status_code == refused

    client.force_login(world.dave)
    act(client, ack, {"confirm": "on"})
    TrainingClass.objects.filter(pk=klass.pk).update(
        start_date=dt.date.today(),
        report_date=dt.date.today(),
        end_date=dt.date.today() + dt.timedelta(days=4),
    )
    attendance = open_task(process, "record_attendance")
    # The dispatcher and unit A's liaison see the dispatch but do not record attendance
    # (403); another unit's head and the trainee do not reach the registrar's task (404).
    refusals = ((world.bob, 403), (staff.lily, 403), (world.charlie, 404), (world.dave, 404))
    for outsider, refused in refusals:
        client.force_login(outsider)
        assert client.post(task_url(attendance, "assign")).status_code == refused
    assert Dispatch.objects.get().status == DispatchStatus.ACKNOWLEDGED


def test_only_the_dispatcher_may_start_a_roll_call(world, staff, klass, client):
    for outsider in (world.alice, staff.lily, world.dave, world.nobody):
        client.force_login(outsider)
        assert client.get("/workflow/rollcall/start/").status_code == 403


def test_cancelling_a_roll_call_cancels_every_open_child(world, staff, klass, client):
    issue(client, world.bob, klass, [world.cadre_a, world.cadre_a1])
    roll_call = RollCall.objects.get()
    first = Dispatch.objects.get(cadre=world.cadre_a)
    client.force_login(staff.lily)
    act(
        client,
        open_task(process_of(first, "DispatchFlow"), "confirm"),
        {"action": "request", "kind": "leave", "reason": "外出学习"},
    )

    client.force_login(world.charlie)
    assert client.post(f"/rollcalls/{roll_call.pk}/", {"reason": "越权"}).status_code == 404
    client.force_login(world.bob)
    response = client.post(f"/rollcalls/{roll_call.pk}/", {"reason": ""})
    assert RollCall.objects.get().status == RollCallStatus.OPEN
    response = client.post(f"/rollcalls/{roll_call.pk}/", {"reason": "培训计划调整，本期停办"})
    assert response.status_code == 302
    roll_call.refresh_from_db()
    assert roll_call.status == RollCallStatus.CANCELLED
    assert set(Dispatch.objects.values_list("status", flat=True)) == {DispatchStatus.CANCELLED}
    from viewflow.workflow.models import Process

    assert not Process.objects.filter(status="NEW").exists()
    from approvals.models import ApprovalRequest

    assert ApprovalRequest.objects.get().status == "cancelled"  # the leave request went with it
    assert (
        AuditEvent.objects.filter(verb="dispatch.cancel", note="培训计划调整，本期停办").count()
        == 2
    )
    reasons = AuditEvent.objects.filter(actor=world.bob, note="培训计划调整，本期停办")
    assert sorted(reasons.values_list("verb", flat=True)) == [
        "approval.cancel",
        "dispatch.cancel",
        "dispatch.cancel",
        "rollcall.cancel",
    ]
    assert set(Dispatch.objects.values_list("cancel_reason", flat=True)) == {
        "培训计划调整，本期停办"
    }


def test_cancelling_a_quota_roll_call_cancels_its_nominations_and_dispatches(
    world, staff, klass, client
):
    from dispatch.models import QuotaStatus

    TrainingClass.objects.filter(pk=klass.pk).update(quota=5)
    client.force_login(world.bob)
    response = client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": deadline(),
            "allocations": f"{world.a.code} 2\n{world.b.code} 1",
        },
    )
    assert response.status_code == 302
    roll_call = RollCall.objects.get()
    a = QuotaAllocation.objects.get(unit=world.a)
    b = QuotaAllocation.objects.get(unit=world.b)
    # Unit A's nominees are accepted (two dispatches); unit B's nomination waits for its head.
    nomination_a = process_of(a, "NominationFlow")
    client.force_login(staff.lily)
    act(
        client,
        open_task(nomination_a, "nominate"),
        {"cadres": [world.cadre_a.pk, world.cadre_a1.pk]},
    )
    client.force_login(world.alice)
    act(client, open_task(nomination_a, "head_approval"), {"decision": "approve"})
    client.force_login(world.bob)
    act(client, open_task(nomination_a, "dispatcher_review"), {"decision": "accept"})
    nomination_b = process_of(b, "NominationFlow")
    client.force_login(staff.luke)
    act(client, open_task(nomination_b, "nominate"), {"cadres": [world.cadre_b.pk]})
    assert Dispatch.objects.count() == 2
    assert QuotaAllocation.objects.get(pk=b.pk).status == QuotaStatus.AWAITING_HEAD

    reason = "名额调整，本期改为点名调训"
    client.force_login(world.bob)
    assert client.post(f"/rollcalls/{roll_call.pk}/", {"reason": reason}).status_code == 302

    roll_call.refresh_from_db()
    assert roll_call.status == RollCallStatus.CANCELLED and roll_call.cancel_reason == reason
    assert set(Dispatch.objects.values_list("status", "cancel_reason")) == {
        (DispatchStatus.CANCELLED, reason)
    }
    assert QuotaAllocation.objects.get(pk=b.pk).status == QuotaStatus.CANCELLED
    assert QuotaAllocation.objects.get(pk=a.pk).status == QuotaStatus.ACCEPTED  # it was filled
    assert not Process.objects.filter(status="NEW").exists()
    assert not Task.objects.filter(status__in=["NEW", "ASSIGNED", "SCHEDULED"]).exists()
    cancelled = AuditEvent.objects.filter(actor=world.bob, note=reason)
    assert sorted(cancelled.values_list("verb", flat=True)) == [
        "dispatch.cancel",
        "dispatch.cancel",
        "quota.cancel",
        "rollcall.cancel",
    ]
    assert cancelled.get(verb="quota.cancel").target_id == str(b.pk)
    # Nothing is left to do for anyone.
    client.force_login(world.charlie)
    assert "张喆" not in client.get("/workflow/nomination/queue/").content.decode()


def test_viewflow_dashboards_lists_and_charts_show_outsiders_nothing(world, staff, klass, client):
    issue(client, world.bob, klass, [world.cadre_a])
    dispatch = Dispatch.objects.get()
    process = process_of(dispatch, "DispatchFlow")
    pages = ["/workflow/dispatch/", "/workflow/dispatch/tasks/", "/workflow/dispatch/flows/"]
    for outsider in (world.charlie, world.carol, world.nobody):
        client.force_login(outsider)
        # The lists are filtered, not refused (200) — for a user without any role too:
        # a trainee, who reaches no unit, works on their own tasks from them.
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            assert "王堃" not in response.content.decode(), (outsider, url)
        assert client.get(f"/workflow/dispatch/{process.pk}/chart/").status_code == 404
    client.force_login(staff.lily)
    for url in pages:
        assert "王堃" in client.get(url).content.decode(), url
    assert client.get(f"/workflow/dispatch/{process.pk}/chart/").status_code == 200


def test_bulk_claiming_from_the_queue_works_for_insiders_only(world, staff, klass, client):
    issue(client, world.bob, klass, [world.cadre_a])
    task = open_task(process_of(Dispatch.objects.get(), "DispatchFlow"), "confirm")
    client.force_login(world.charlie)
    assert (
        client.post(
            "/workflow/dispatch/queue/assign/", {"pk": [task.pk], "_confirm": "1"}
        ).status_code
        == 403
    )
    task.refresh_from_db()
    assert task.owner is None
    client.force_login(staff.lily)
    client.post("/workflow/dispatch/queue/assign/", {"pk": [task.pk], "_confirm": "1"})
    task.refresh_from_db()
    assert task.owner == staff.lily


def test_two_roll_calls_cannot_overbook_a_class(world, staff, client):
    small = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=30), quota=2
    )
    assert issue(client, world.bob, small, [world.cadre_a]).status_code == 302
    extra = cadre("孙九", world.a1, world.city_od)
    response = issue(client, world.bob, small, [world.cadre_a1, extra])
    assert response.status_code == 200 and "名额" in response.content.decode()
    assert Dispatch.objects.count() == 1
    # Seats allotted to units count too.
    client.force_login(world.bob)
    response = client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": small.pk,
            "mode": "quota",
            "response_deadline": deadline(),
            "allocations": f"{world.b.code} 2",
        },
    )
    assert response.status_code == 200 and "名额" in response.content.decode()
    assert issue(client, world.bob, small, [world.cadre_a1]).status_code == 302


VIEWFLOW_LISTS = [
    "/workflow/dispatch/",  # the kanban board: one card per open task
    "/workflow/dispatch/inbox/",
    "/workflow/dispatch/queue/",
    "/workflow/dispatch/archive/",
    "/workflow/dispatch/tasks/",
    "/workflow/dispatch/flows/",
]


@pytest.mark.parametrize("url", VIEWFLOW_LISTS)
def test_viewflow_lists_keep_a_flat_query_count(
    url, world, staff, client, django_assert_max_num_queries
):
    """Each row's subject and each row's permission checks cost no query of their own:
    thirteen rows cost what one row costs."""
    start = dt.date.today() + dt.timedelta(days=30)
    issue(
        client,
        world.bob,
        training_class(world.city_od, world.school, start, quota=40),
        [world.cadre_a],
    )
    counts = {}
    for person in (staff.lily, world.bob):
        client.force_login(person)
        with django_assert_max_num_queries(60) as captured:
            assert client.get(url).status_code == 200
        counts[person] = len(captured)
    more = [cadre(f"干部{i}", world.a1, world.city_od) for i in range(12)]
    issue(client, world.bob, training_class(world.city_od, world.school, start, quota=40), more)
    for person, before in counts.items():
        client.force_login(person)
        with django_assert_max_num_queries(before):
            response = client.get(url)
        assert response.status_code == 200
        if url == "/workflow/dispatch/queue/" and person == staff.lily:
            assert response.content.decode().count("干部") >= 12  # the rows are there
