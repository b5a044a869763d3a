"""Leave, deferral and exemption requests climb the approval chain; dual-managed cadres
need both organization departments."""

import datetime as dt

import pytest

from approvals.models import ApprovalRequest, RequestStatus
from dispatch.models import DispatchStatus, Makeup
from org import services as org_services
from org.models import Delegation
from tests.flowtools import act, decide, named, open_task, process_of, request


def test_a_dual_managed_leave_needs_both_departments(world, staff, klass, client):
    dispatch, process = named(client, world, klass, world.cadre_b)
    assert request(client, staff.luke, process, "leave").status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.REQUESTED
    approval = ApprovalRequest.objects.get()
    approval_process = process_of(approval, "ApprovalFlow")

    assert (
        decide(client, world.charlie, approval_process, "head_review", "approved").status_code
        == 302
    )
    # Both departments now hold a task, in parallel.
    assert (
        decide(client, staff.olga, approval_process, "managing_review", "approved").status_code
        == 302
    )
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.REQUESTED  # still waiting for the city
    assert (
        decide(client, staff.oscar, approval_process, "co_managing_review", "approved").status_code
        == 302
    )

    dispatch.refresh_from_db()
    approval.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED
    assert dispatch.status == DispatchStatus.DEFERRED
    assert Makeup.objects.get(source=dispatch).reason == "leave"
    process.refresh_from_db()
    assert process.status == "DONE"


def test_one_department_rejecting_rejects_and_confirmation_resumes(world, staff, klass, client):
    dispatch, process = named(client, world, klass, world.cadre_b)
    request(client, staff.luke, process, "exemption")
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    decide(client, world.charlie, approval_process, "head_review", "approved")
    decide(client, staff.olga, approval_process, "managing_review", "approved")
    response = decide(
        client, staff.oscar, approval_process, "co_managing_review", "rejected", "市管岗位不宜免训"
    )
    assert response.status_code == 302
    assert ApprovalRequest.objects.get().status == RequestStatus.REJECTED
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NAMED
    assert not Makeup.objects.exists()
    # The unit must answer again: the confirmation task is open once more.
    assert open_task(process, "confirm")


def test_a_deferral_approved_owes_makeup(world, staff, klass, client):
    dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "deferral")
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    decide(client, world.alice, approval_process, "head_review", "approved")
    decide(client, staff.oscar, approval_process, "managing_review", "approved")
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.DEFERRED
    makeup = Makeup.objects.get(source=dispatch)
    assert makeup.reason == "deferral"
    assert makeup.due_date.year == dt.date.today().year + 1


def test_an_approved_exemption_closes_as_exempt(world, staff, klass, client):
    dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "exemption")
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    decide(client, world.alice, approval_process, "head_review", "approved")
    decide(client, staff.oscar, approval_process, "managing_review", "approved")
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.EXEMPT
    assert not Makeup.objects.exists()


def test_the_org_department_sends_back_to_the_head_with_a_reason(world, staff, klass, client):
    dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave")
    approval = ApprovalRequest.objects.get()
    approval_process = process_of(approval, "ApprovalFlow")
    decide(client, world.alice, approval_process, "head_review", "approved")
    response = decide(client, staff.oscar, approval_process, "managing_review", "sent_back")
    assert "请说明" in response.content.decode()  # a reason is required
    decide(client, staff.oscar, approval_process, "managing_review", "sent_back", "请补充会议通知")
    # The department head decides again, in a second round.
    decide(client, world.alice, approval_process, "head_review", "approved")
    decide(client, staff.oscar, approval_process, "managing_review", "approved")
    approval.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED
    assert approval.steps.filter(round=2).count() == 2


def test_the_head_sending_back_returns_the_request_to_the_unit(world, staff, klass, client):
    dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave")
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    decide(client, world.alice, approval_process, "head_review", "sent_back", "理由不充分")
    assert ApprovalRequest.objects.get().status == RequestStatus.RETURNED
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NAMED
    assert open_task(process, "confirm")


def test_a_deputy_decides_during_the_delegation_window(world, staff, klass, client):
    from tests.factories import user

    deputy = user("deputy", "deputy_head", world.a)
    org_services.delegation_create(
        actor=world.alice,
        delegate=deputy,
        starts_on=dt.date.today(),
        ends_on=dt.date.today() + dt.timedelta(days=7),
    )
    dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave")
    approval = ApprovalRequest.objects.get()
    approval_process = process_of(approval, "ApprovalFlow")
    assert decide(client, deputy, approval_process, "head_review", "approved").status_code == 302
    step = approval.steps.get(stage=1)
    assert step.decided_by == deputy and step.on_behalf_of == world.alice


def test_a_revoked_or_expired_delegation_gives_nothing(world, staff, klass, client):
    from tests.factories import user

    deputy = user("deputy")
    Delegation.objects.create(
        delegator=world.alice,
        delegate=deputy,
        permission="org.approve_as_head",
        starts_on=dt.date.today() - dt.timedelta(days=10),
        ends_on=dt.date.today() - dt.timedelta(days=1),
    )
    dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave")
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    client.force_login(deputy)
    task = open_task(approval_process, "head_review")
    assert (
        client.post(
            f"/workflow/approval/{approval_process.pk}/head_review/{task.pk}/assign/"
        ).status_code
        == 403
    )


def test_a_leave_request_without_a_reason_changes_nothing(world, staff, klass, client):
    dispatch, process = named(client, world, klass, world.cadre_a)
    response = request(client, staff.lily, process, "leave", reason="  ")
    assert response.status_code == 200
    assert "请说明" in response.content.decode() or "理由" in response.content.decode()
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NAMED
    assert not ApprovalRequest.objects.exists()


def test_a_head_delegates_through_the_page_and_revokes(world, staff, client):
    import datetime as dt

    from tests.factories import user

    deputy = user("deputy", "deputy_head", world.a)  # a colleague in unit A
    client.force_login(world.alice)
    page = client.get("/delegations/").content.decode()
    assert "deputy" in page and "charlie" not in page
    today = dt.date.today()
    response = client.post(
        "/delegations/",
        {"delegate": deputy.pk, "starts_on": today, "ends_on": today - dt.timedelta(days=1)},
    )
    assert response.status_code == 200 and not Delegation.objects.exists()
    client.post(
        "/delegations/",
        {"delegate": deputy.pk, "starts_on": today, "ends_on": today + dt.timedelta(days=3)},
    )
    delegation = Delegation.objects.get()
    assert deputy.has_perm("org.approve_as_head", world.a1)
    client.post("/delegations/", {"revoke": delegation.pk})
    delegation.refresh_from_db()
    assert delegation.revoked
    deputy = type(deputy).objects.get(pk=deputy.pk)
    assert not deputy.has_perm("org.approve_as_head", world.a1)


def test_only_department_heads_delegate(world, staff, client):
    for outsider in (staff.lily, world.bob, world.nobody):
        client.force_login(outsider)
        assert client.get("/delegations/").status_code == 403


def test_an_undecided_request_is_reminded_then_escalated_to_the_dispatcher(
    world, staff, klass, client
):
    import time_machine
    from django.core.management import call_command

    from audit.models import AuditEvent

    dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave")
    approval = ApprovalRequest.objects.get()
    assert approval.due_at is not None
    approval_process = process_of(approval, "ApprovalFlow")
    with time_machine.travel(approval.due_at - dt.timedelta(hours=6), tick=False):
        call_command("workflow_timers")
    assert AuditEvent.objects.filter(verb="approval.remind").count() == 1
    with time_machine.travel(approval.due_at + dt.timedelta(hours=1), tick=False):
        call_command("workflow_timers")
    assert AuditEvent.objects.filter(verb="approval.escalate").count() == 1
    assert approval.steps.get(stage=1).escalated
    # Alice may no longer take it; the city dispatcher may, and decides.
    task = open_task(approval_process, "head_review")
    client.force_login(world.alice)
    assert (
        client.post(
            f"/workflow/approval/{approval_process.pk}/head_review/{task.pk}/assign/"
        ).status_code
        == 403
    )
    assert decide(client, world.bob, approval_process, "head_review", "approved").status_code == 302


# --- What the next person sees: reasons, the request, the attachment ---------------------


def task_page(client, person, task):
    """Open a task's page as `person`, claiming it first if nobody holds it."""
    from tests.flowtools import task_url

    client.force_login(person)
    task.refresh_from_db()
    if task.owner_id is None:
        assert client.post(task_url(task, "assign")).status_code == 302
    response = client.get(task_url(task, "execute"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_head_sees_the_org_departments_send_back_reason_in_round_two(
    world, staff, klass, client
):
    dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave", reason="母亲住院需陪护")
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    decide(client, world.alice, approval_process, "head_review", "approved", "同意")
    decide(client, staff.oscar, approval_process, "managing_review", "sent_back", "请补充住院证明")

    page = task_page(client, world.alice, open_task(approval_process, "head_review"))
    # The request itself: kind, reason and whom it is about.
    assert "请假" in page and "母亲住院需陪护" in page
    assert world.cadre_a.name in page and klass.name in page
    # The history: who decided what, and why, round by round.
    assert "请补充住院证明" in page and "已退回" in page and "oscar" in page
    assert "同意" in page and "alice" in page
    # No raw dump of the request's fields.
    for raw in ("Subject type", "Subject id", "Parent Task", "request_kind", "{&#x27;"):
        assert raw not in page, raw


def test_the_liaison_sees_the_heads_rejection_reason_back_at_confirmation(
    world, staff, klass, client
):
    dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "deferral")
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    decide(client, world.alice, approval_process, "head_review", "rejected", "年度重点班次不宜缓训")

    page = task_page(client, staff.lily, open_task(process, "confirm"))
    assert "年度重点班次不宜缓训" in page and "未同意" in page

    from notifications.models import Notification

    told = Notification.objects.get(event="decision_made", recipient=staff.lily)
    assert "年度重点班次不宜缓训" in told.body  # the reason travels with the decision


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_the_attachment_opens_for_those_who_decide_and_no_one_else(
    world, staff, klass, client, media
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dispatch, process = named(client, world, klass, world.cadre_a)
    client.force_login(staff.lily)
    proof = SimpleUploadedFile("proof.pdf", b"%PDF-1.4 proof", content_type="application/pdf")
    act(
        client,
        open_task(process, "confirm"),
        {"action": "request", "kind": "leave", "reason": "住院", "attachment": proof},
    )
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    url = f"/workflow/approval/{approval_process.pk}/attachment/"

    page = task_page(client, world.alice, open_task(approval_process, "head_review"))
    assert url in page and "proof" in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 proof"
    assert "attachment" in response["Content-Disposition"]

    # The org department decides next and may open it too; the requesting unit as well.
    decide(client, world.alice, approval_process, "head_review", "approved")
    for insider in (staff.oscar, staff.lily):
        client.force_login(insider)
        assert client.get(url).status_code == 200, insider

    for outsider in (world.charlie, world.carol, staff.luke, world.dave, world.nobody):
        client.force_login(outsider)
        assert client.get(url).status_code in (403, 404), outsider
    client.logout()
    assert client.get(url).status_code in (302, 403, 404)


def test_a_request_without_attachment_has_nothing_to_download(world, staff, klass, client):
    dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave")
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    client.force_login(world.alice)
    assert client.get(f"/workflow/approval/{approval_process.pk}/attachment/").status_code == 404


# --- Dual management: one rejection rejects, at once -----------------------------------


def test_the_first_department_to_reject_settles_the_request_at_once(world, staff, klass, client):
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from audit.models import AuditEvent
    from tests.flowtools import task_url

    dispatch, process = named(client, world, klass, world.cadre_b)
    request(client, staff.luke, process, "leave")
    approval = ApprovalRequest.objects.get()
    approval_process = process_of(approval, "ApprovalFlow")
    decide(client, world.charlie, approval_process, "head_review", "approved")
    sibling = open_task(approval_process, "co_managing_review")  # the city's, still open

    response = decide(
        client, staff.olga, approval_process, "managing_review", "rejected", "县管干部不宜请假"
    )
    assert response.status_code == 302

    # Settled right away: no waiting for the city.
    approval.refresh_from_db()
    assert approval.status == RequestStatus.REJECTED
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NAMED
    assert open_task(process, "confirm")  # back to the unit
    approval_process.refresh_from_db()
    assert approval_process.status == "DONE"
    # The city's task is cancelled, and the cancellation is on the record.
    sibling.refresh_from_db()
    assert sibling.status == STATUS.CANCELED
    assert not Task.objects.filter(
        process=approval_process, status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.SCHEDULED]
    ).exists()
    assert AuditEvent.objects.filter(verb="approval.step.cancel").count() == 1
    assert approval.steps.get(label=str(world.city_od)).decision == "pending"

    # The city's approver finds nothing left to do, and the process page says why.
    client.force_login(staff.oscar)
    page = client.get(f"/workflow/approval/{approval_process.pk}/").content.decode()
    assert "县管干部不宜请假" in page and "未办理" in page
    queue = client.get("/workflow/approval/queue/").content.decode()
    assert task_url(sibling) not in queue
    events = AuditEvent.objects.count()
    for action in ("assign", "execute"):
        response = client.post(task_url(sibling, action), {"decision": "approved"})
        assert response.status_code in (302, 403)
    sibling.refresh_from_db()
    assert sibling.status == STATUS.CANCELED
    approval.refresh_from_db()
    assert approval.status == RequestStatus.REJECTED
    assert AuditEvent.objects.count() == events


def test_the_co_managing_department_rejecting_first_settles_too(world, staff, klass, client):
    dispatch, process = named(client, world, klass, world.cadre_b)
    request(client, staff.luke, process, "deferral")
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    decide(client, world.charlie, approval_process, "head_review", "approved")
    decide(client, staff.oscar, approval_process, "co_managing_review", "rejected", "市管班次")
    assert ApprovalRequest.objects.get().status == RequestStatus.REJECTED
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NAMED
    assert open_task(process, "confirm")


def test_a_department_sending_back_still_waits_for_the_other(world, staff, klass, client):
    dispatch, process = named(client, world, klass, world.cadre_b)
    request(client, staff.luke, process, "leave")
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    decide(client, world.charlie, approval_process, "head_review", "approved")
    decide(client, staff.olga, approval_process, "managing_review", "sent_back", "补充材料")
    assert ApprovalRequest.objects.get().status == RequestStatus.PENDING
    decide(client, staff.oscar, approval_process, "co_managing_review", "approved")
    # Both have spoken: the department head decides again.
    assert open_task(approval_process, "head_review")


def test_a_reminder_in_one_branch_does_not_hold_up_the_decision(world, staff, klass, client):
    import time_machine
    from django.core.management import call_command

    dispatch, process = named(client, world, klass, world.cadre_b)
    request(client, staff.luke, process, "leave")
    approval = ApprovalRequest.objects.get()
    approval_process = process_of(approval, "ApprovalFlow")
    decide(client, world.charlie, approval_process, "head_review", "approved")
    with time_machine.travel(approval.due_at - dt.timedelta(hours=6), tick=False):
        call_command("workflow_timers")  # both departments reminded; due timers armed
    decide(client, staff.olga, approval_process, "managing_review", "approved")
    decide(client, staff.oscar, approval_process, "co_managing_review", "approved")
    approval.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.DEFERRED


# --- A task someone else already handled ------------------------------------------------


def test_a_second_liaison_finds_the_confirmation_already_handled(world, staff, klass, client):
    from audit.models import AuditEvent
    from tests.factories import user
    from tests.flowtools import task_url

    lily2 = user("lily2", "unit_liaison", world.a)  # a second liaison of the same unit
    dispatch, process = named(client, world, klass, world.cadre_a)
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    assert act(client, task, {"action": "confirm"}).status_code == 302
    dispatch.refresh_from_db()
    status, events = dispatch.status, AuditEvent.objects.count()

    client.force_login(lily2)
    for action, data in (
        ("execute", {"action": "request", "kind": "leave", "reason": "x"}),
        ("assign", {}),
        ("execute", None),
    ):
        if data is None:
            response = client.get(task_url(task, action))
        else:
            response = client.post(task_url(task, action), data)
        assert response.status_code == 302, action
        assert response["Location"] == task_url(task, "detail")
        page = client.get(response["Location"]).content.decode()
        assert "该事项已由他人办理" in page
        assert "无权" not in page and "You" not in page

    dispatch.refresh_from_db()
    assert dispatch.status == status
    assert AuditEvent.objects.count() == events
    assert not ApprovalRequest.objects.exists()


def test_an_approver_finds_the_cancelled_sibling_already_handled(world, staff, klass, client):
    from tests.flowtools import task_url

    dispatch, process = named(client, world, klass, world.cadre_b)
    request(client, staff.luke, process, "leave")
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    decide(client, world.charlie, approval_process, "head_review", "approved")
    sibling = open_task(approval_process, "co_managing_review")
    client.force_login(staff.oscar)
    assert client.post(task_url(sibling, "assign")).status_code == 302  # oscar claims it
    decide(client, staff.olga, approval_process, "managing_review", "rejected", "不同意")

    client.force_login(staff.oscar)
    response = client.post(task_url(sibling, "execute"), {"decision": "approved"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "该事项已由他人办理" in page
    assert ApprovalRequest.objects.get().status == RequestStatus.REJECTED


def test_a_finished_task_sends_someone_who_cannot_see_the_process_home(world, staff, klass, client):
    """The trainee acknowledges; opening the task again leads home, not to a 403."""
    from tests.flowtools import task_url

    dispatch, process = named(client, world, klass, world.cadre_a)
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    task = open_task(process, "acknowledge")
    client.force_login(world.dave)
    assert act(client, task, {"confirm": "on"}).status_code == 302
    response = client.post(task_url(task, "execute"), {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "您已办理该事项" in client.get("/").content.decode()


def test_an_outsider_at_a_finished_task_is_still_refused(world, staff, klass, client):
    from tests.flowtools import task_url

    dispatch, process = named(client, world, klass, world.cadre_a)
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    act(client, task, {"action": "confirm"})
    for outsider in (staff.luke, world.charlie, world.nobody):
        client.force_login(outsider)
        for action in ("assign", "execute"):
            assert client.post(task_url(task, action)).status_code in (403, 404), outsider


# --- Outsiders at the approval steps; deputies; unclaiming ------------------------------


def approval_for(client, world, staff, klass, cadre):
    """A leave request about `cadre`, waiting for its department head."""
    liaison = staff.lily if cadre.unit_id in (world.a.pk, world.a1.pk) else staff.luke
    dispatch, process = named(client, world, klass, cadre)
    request(client, liaison, process, "leave")
    return process_of(ApprovalRequest.objects.get(), "ApprovalFlow")


def assert_refused_at(task, outsiders, *, detail=True):
    """Each outsider: the task is not in their queue or inbox, and claiming and executing
    it is refused; when `detail` (outsiders who may not see the process at all), it is not
    in their task list either and its page is refused."""
    from django.test import Client
    from viewflow.workflow.status import STATUS

    from tests.flowtools import task_url

    for outsider in outsiders:
        client = Client()  # a browser of their own
        client.force_login(outsider)
        for listing in ("queue", "inbox", "tasks") if detail else ("queue", "inbox"):
            page = client.get(f"/workflow/approval/{listing}/")
            assert page.status_code in (200, 403), (outsider, listing)
            assert task_url(task) not in page.content.decode(), (outsider, listing)
        assert client.post(task_url(task, "assign")).status_code in (403, 404), outsider
        response = client.post(task_url(task, "execute"), {"decision": "approved"})
        assert response.status_code in (403, 404), outsider
        assert client.get(task_url(task, "execute")).status_code in (403, 404), outsider
        if detail:
            assert client.get(task_url(task, "detail")).status_code in (403, 404), outsider
        task.refresh_from_db()
        assert task.status in (STATUS.NEW, STATUS.ASSIGNED) and task.owner != outsider


def test_outsiders_are_refused_at_the_head_and_the_managing_departments_steps(
    world, staff, klass, client
):
    from tests.flowtools import task_url

    approval_process = approval_for(client, world, staff, klass, world.cadre_a)
    head_task = open_task(approval_process, "head_review")
    # Alice's queue holds it (so its absence elsewhere means something).
    client.force_login(world.alice)
    assert task_url(head_task) in client.get("/workflow/approval/queue/").content.decode()

    outsiders = [world.charlie, world.carol, staff.luke, staff.olga, world.dave, world.nobody]
    assert_refused_at(head_task, outsiders)
    # Alice claimed it: outsiders still cannot take or execute it.
    client.force_login(world.alice)
    client.post(task_url(head_task, "assign"))
    assert_refused_at(head_task, outsiders)

    decide(client, world.alice, approval_process, "head_review", "approved")
    managing = open_task(approval_process, "managing_review")
    client.force_login(staff.oscar)
    assert task_url(managing) in client.get("/workflow/approval/queue/").content.decode()
    # Alice (a department head of the very unit) and the county people are not the
    # city's organization department.
    assert_refused_at(managing, [world.charlie, world.carol, staff.olga, world.nobody])
    assert_refused_at(managing, [world.alice, staff.lily, world.bob], detail=False)


def test_outsiders_are_refused_at_the_co_managing_departments_step(world, staff, klass, client):
    from tests.flowtools import task_url

    approval_process = approval_for(client, world, staff, klass, world.cadre_b)
    decide(client, world.charlie, approval_process, "head_review", "approved")
    co_managing = open_task(approval_process, "co_managing_review")  # the city's step
    client.force_login(staff.oscar)
    assert task_url(co_managing) in client.get("/workflow/approval/queue/").content.decode()
    # Strangers to unit B may not even see it; the county's people see the process but
    # may not decide for the city.
    assert_refused_at(co_managing, [world.alice, staff.lily, world.nobody])
    assert_refused_at(co_managing, [staff.olga, world.charlie, world.carol], detail=False)


def test_outsiders_do_not_see_the_approval_process(world, staff, klass, client):
    approval_process = approval_for(client, world, staff, klass, world.cadre_a)
    base = f"/workflow/approval/{approval_process.pk}/"
    client.force_login(world.alice)
    assert client.get(base).status_code == 200
    assert base in client.get("/workflow/approval/flows/").content.decode()

    for outsider in (world.charlie, world.carol, staff.luke, world.dave, world.nobody):
        client.force_login(outsider)
        for url in (base, f"{base}chart/", f"{base}attachment/"):
            assert client.get(url).status_code in (403, 404), (outsider, url)
        listing = client.get("/workflow/approval/flows/")
        assert listing.status_code in (200, 403)
        assert base not in listing.content.decode(), outsider
        dashboard = client.get("/workflow/approval/")
        assert base not in dashboard.content.decode(), outsider


def test_a_deputy_sees_the_heads_task_only_within_the_delegation_window(
    world, staff, klass, client
):
    import time_machine

    from tests.factories import user
    from tests.flowtools import task_url

    deputy = user("deputy", "deputy_head", world.a)
    today = dt.date.today()
    org_services.delegation_create(
        actor=world.alice,
        delegate=deputy,
        starts_on=today + dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=2),
    )
    approval_process = approval_for(client, world, staff, klass, world.cadre_a)
    task = open_task(approval_process, "head_review")
    client.force_login(deputy)

    def in_queue():
        return task_url(task) in client.get("/workflow/approval/queue/").content.decode()

    assert not in_queue()  # the window has not begun
    assert client.post(task_url(task, "assign")).status_code == 403
    with time_machine.travel(today + dt.timedelta(days=1, hours=10)):
        assert in_queue()
    with time_machine.travel(today + dt.timedelta(days=3, hours=10)):
        assert not in_queue()  # over
        assert client.post(task_url(task, "assign")).status_code == 403
    with time_machine.travel(today + dt.timedelta(days=2, hours=10)):
        assert in_queue()
        assert client.post(task_url(task, "assign")).status_code == 302
        assert client.post(task_url(task, "execute"), {"decision": "approved"}).status_code == 302
    step = ApprovalRequest.objects.get().steps.get(stage=1)
    assert step.decided_by == deputy and step.on_behalf_of == world.alice


def test_the_owner_unclaims_a_task_and_others_cannot(world, staff, klass, client):
    from viewflow.workflow.status import STATUS

    from tests.factories import user
    from tests.flowtools import task_url

    approval_process = approval_for(client, world, staff, klass, world.cadre_a)
    task = open_task(approval_process, "head_review")
    client.force_login(world.alice)
    assert client.post(task_url(task, "assign")).status_code == 302
    task.refresh_from_db()
    assert task.owner == world.alice and task.status == STATUS.ASSIGNED

    # Neither a stranger nor a colleague who could have claimed it may unclaim it.
    colleague = user("alex", "department_head", world.a)
    for other in (world.charlie, colleague):
        client.force_login(other)
        assert client.post(task_url(task, "unassign")).status_code in (403, 404), other
    task.refresh_from_db()
    assert task.owner == world.alice

    client.force_login(world.alice)
    assert client.get(task_url(task, "unassign")).status_code == 200
    assert client.post(task_url(task, "unassign")).status_code == 302
    task.refresh_from_db()
    assert task.owner is None and task.status == STATUS.NEW
    # Back in the queue for the unit's heads, and the colleague may take it.
    client.force_login(colleague)
    assert task_url(task) in client.get("/workflow/approval/queue/").content.decode()
    assert client.post(task_url(task, "assign")).status_code == 302
