"""An overdue approval step escalates: the dispatchers of its scope may take it as well,
and those who could take it before still may — the claim and execute pages, 我的待办,
Viewflow's queue and `approvals.policy.may_decide` agree. The escalation message always
reaches someone who can act."""

import datetime as dt

import time_machine

from approvals import policy
from approvals import services as approval_services
from approvals.models import ApprovalRequest, Decision, RequestStatus
from approvals.policy import HEAD_STAGE, ORG_STAGE
from dispatch.models import Dispatch
from notifications.models import Event
from org import services as org_services
from org.roles import Role
from tests.factories import user
from tests.flowtools import (
    decide,
    fire_at,
    named,
    notified,
    open_task,
    process_of,
    request,
    task_url,
)

RECUSAL = "按回避规定由其他负责人审批"


def overdue(approval):
    """Run the timers past the request's due moment: its open steps are reminded, then
    escalated."""
    fire_at(approval.due_at - dt.timedelta(minutes=1))
    fire_at(approval.due_at + dt.timedelta(hours=1))


def leave_requested(client, world, staff, klass):
    """Lily asks leave for 王堃 of A; the approval request and its process."""
    _dispatch, process = named(client, world, klass, world.cadre_a)
    assert request(client, staff.lily, process, "leave").status_code == 302
    approval = ApprovalRequest.objects.get()
    return approval, process_of(approval, "ApprovalFlow")


def offered(client, person, task) -> bool:
    """`task` is in `person`'s 我的待办 (with its claim link) and Viewflow's queue, and its
    claim page opens for them."""
    client.force_login(person)
    link = task_url(task, "assign")
    in_todo = link in client.get("/tasks/").content.decode()
    in_queue = task_url(task) in client.get("/workflow/approval/queue/").content.decode()
    opens = client.get(link).status_code == 200
    assert in_todo == in_queue == opens, (person, in_todo, in_queue, opens)
    return opens


def test_an_escalated_head_step_is_offered_to_the_head_and_the_dispatcher(
    world, staff, klass, client
):
    approval, approval_process = leave_requested(client, world, staff, klass)
    task = open_task(approval_process, "head_review")
    assert offered(client, world.alice, task) and not offered(client, world.bob, task)

    overdue(approval)
    step = approval_services.current_steps(approval, HEAD_STAGE)[0]
    assert step.escalated
    # One rule: whom the policy lets decide, the pages and the queues offer it to.
    assert policy.may_decide(world.alice, step) and policy.may_decide(world.bob, step)
    assert offered(client, world.alice, task) and offered(client, world.bob, task)
    assert not offered(client, world.carol, task)  # another jurisdiction
    assert notified(Event.ESCALATION) == {"bob"}

    # The head, still within her hour, decides her own step.
    assert (
        decide(client, world.alice, approval_process, "head_review", "approved").status_code == 302
    )
    step.refresh_from_db()
    assert (step.decision, step.decided_by) == (Decision.APPROVED, world.alice)


def test_a_deputy_keeps_the_heads_escalated_step(world, staff, klass, client):
    dan = user("dan", Role.DEPUTY_HEAD, world.a)
    org_services.delegation_create(
        actor=world.alice,
        delegate=dan,
        starts_on=dt.date.today(),
        ends_on=dt.date.today() + dt.timedelta(days=30),
    )
    approval, approval_process = leave_requested(client, world, staff, klass)
    overdue(approval)
    task = open_task(approval_process, "head_review")
    assert offered(client, dan, task)
    assert decide(client, dan, approval_process, "head_review", "approved").status_code == 302


def test_an_escalated_org_step_stays_with_the_org_department_and_opens_to_the_dispatcher(
    world, staff, klass, client
):
    approval, approval_process = leave_requested(client, world, staff, klass)
    decide(client, world.alice, approval_process, "head_review", "approved")
    overdue(approval)
    step = approval_services.current_steps(approval, ORG_STAGE)[0]
    assert step.escalated
    task = open_task(approval_process, "managing_review")
    assert offered(client, staff.oscar, task) and offered(client, world.bob, task)
    assert (
        decide(client, staff.oscar, approval_process, "managing_review", "approved").status_code
        == 302
    )
    approval.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED


def test_a_request_the_only_dispatcher_made_still_escalates_to_someone_who_can_act(
    world, staff, klass, client
):
    """Bob records a leave request himself once the confirmation was escalated to him; its
    head step escalates to the dispatchers of A, and Bob is the only one — recused."""
    dispatch, process = named(client, world, klass, world.cadre_a)
    fire_at(dispatch.confirm_due - dt.timedelta(minutes=1))  # the reminder
    fire_at(dispatch.confirm_due + dt.timedelta(hours=1))
    dispatch.refresh_from_db()
    assert dispatch.escalated
    with time_machine.travel(dispatch.confirm_due + dt.timedelta(hours=2), tick=False):
        assert request(client, world.bob, process, "leave").status_code == 302
    approval = ApprovalRequest.objects.get(subject_id=Dispatch.objects.get().pk)
    assert approval.requested_by == world.bob
    approval_process = process_of(approval, "ApprovalFlow")

    overdue(approval)
    step = approval_services.current_steps(approval, HEAD_STAGE)[0]
    assert step.escalated
    task = open_task(approval_process, "head_review")
    # Bob is told why he may not take it, and that Alice decides.
    client.force_login(world.bob)
    claim = client.post(task_url(task, "assign"))
    assert claim.status_code == 403
    assert RECUSAL in claim.content.decode() and "alice" in claim.content.decode()
    # Alice still may, and is the one told it is overdue.
    assert offered(client, world.alice, task)
    assert notified(Event.ESCALATION, key__startswith=f"approval:{approval.pk}:") == {"alice"}
    assert (
        decide(client, world.alice, approval_process, "head_review", "approved").status_code == 302
    )
