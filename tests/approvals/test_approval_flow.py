"""Leave, deferral and exemption requests climb the approval chain; dual-managed cadres
need both organization departments."""

import datetime as dt

from approvals.models import ApprovalRequest, RequestStatus
from dispatch.models import DispatchStatus, Makeup
from org import services as org_services
from org.models import Delegation
from tests.flowtools import decide, named, open_task, process_of, request


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


def test_the_result_message_quotes_only_the_deciding_rounds_reason(world, staff, klass, client):
    from notifications.models import Event, Notification

    dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave")
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    decide(client, world.alice, approval_process, "head_review", "approved")
    decide(client, staff.oscar, approval_process, "managing_review", "sent_back", "请补充材料")
    # Round two is approved without a word: the liaison is not told round one's reason.
    decide(client, world.alice, approval_process, "head_review", "approved")
    decide(client, staff.oscar, approval_process, "managing_review", "approved")
    message = Notification.objects.get(event=Event.DECISION_MADE, recipient=staff.lily)
    assert "已同意" in message.title
    assert "请补充材料" not in message.body and message.context["comment"] == ""


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

    deputy = user("deputy", "deputy_head", world.a)  # sees the process, may not act
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
    # The city dispatcher may take it now, and decides; Alice still could have
    # (tests/approvals/test_escalation.py).
    assert decide(client, world.bob, approval_process, "head_review", "approved").status_code == 302


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
        assert response.status_code == 302  # "already handled by someone else"
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
