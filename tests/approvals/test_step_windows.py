"""Each approval step has its own decision window (`ApprovalStep.due_at`): the head's
from when the request is made, the departments' from when the head approves, a new
round's from the send-back — 18:00 `XUNDIAO_APPROVAL_DAYS` days on, never past the request's own
limit (`ApprovalRequest.due_at`, the caller's latest moment), never less than an hour.
The reminder and escalation timers read the step's own due moment."""

import datetime as dt

import time_machine
from django.conf import settings
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals import policy as approval_policy
from approvals import services as approval_services
from approvals.flows import ApprovalFlow
from approvals.policy import HEAD_STAGE, ORG_STAGE
from core.deadlines import close_of_business
from tests.flowtools import decide, fire_at, process_of

DAYS = dt.timedelta(days=settings.XUNDIAO_APPROVAL_DAYS)
REMIND_BEFORE = dt.timedelta(hours=settings.XUNDIAO_REMINDER_BEFORE_HOURS)


def days_on(moment):
    """The close of business `XUNDIAO_APPROVAL_DAYS` days after `moment`'s day."""
    return close_of_business(timezone.localdate(moment) + DAYS)


def started(world, staff, latest):
    """Lily asks leave for 王堃 of A, to be decided by `latest` at the latest."""
    approval = approval_services.request_create(
        actor=staff.lily,
        kind="leave",
        subject=world.cadre_a,
        title="王堃：请假",
        reason="因重大项目攻坚无法脱产",
        chain=approval_policy.chain_for_cadre(world.cadre_a),
        due_at=latest,
        cadre=world.cadre_a,
    )
    ApprovalFlow.start.run(request=approval)
    return approval, process_of(approval, "ApprovalFlow")


def head_of(approval):
    return approval_services.current_steps(approval, HEAD_STAGE)[0]


def org_of(approval):
    return approval_services.current_steps(approval, ORG_STAGE)[0]


def scheduled(approval_process):
    return set(
        Task.objects.filter(process=approval_process, status=STATUS.SCHEDULED).values_list(
            "scheduled", flat=True
        )
    )


def test_the_departments_get_their_own_days_after_a_late_head_approval(world, staff, client):
    now = timezone.now().replace(microsecond=0)
    with time_machine.travel(now, tick=False):
        approval, approval_process = started(world, staff, now + dt.timedelta(days=20))
    head = head_of(approval)
    assert head.due_at == days_on(now)
    assert org_of(approval).due_at is None  # its stage has not opened
    assert scheduled(approval_process) == {head.due_at - REMIND_BEFORE}

    late = head.due_at - dt.timedelta(hours=5)
    with time_machine.travel(late, tick=False):
        assert (
            decide(client, world.alice, approval_process, "head_review", "approved").status_code
            == 302
        )
    org = org_of(approval)
    assert org.due_at == days_on(late)
    assert scheduled(approval_process) == {org.due_at - REMIND_BEFORE}

    # The head's due moment passes: the department's step is not overdue.
    fire_at(head.due_at + dt.timedelta(hours=1))
    org.refresh_from_db()
    assert not org.escalated
    fire_at(org.due_at - dt.timedelta(minutes=1))
    fire_at(org.due_at + dt.timedelta(minutes=1))
    org.refresh_from_db()
    assert org.escalated


def test_a_round_sent_back_after_the_first_due_moment_starts_with_its_own_window(
    world, staff, client
):
    now = timezone.now().replace(microsecond=0)
    with time_machine.travel(now, tick=False):
        approval, approval_process = started(world, staff, now + dt.timedelta(days=20))
    head = head_of(approval)
    # The head is reminded (the escalation's timer is armed for her due moment), then
    # approves in time; the department sends the request back just before that moment.
    fire_at(head.due_at - dt.timedelta(minutes=30))
    with time_machine.travel(head.due_at - dt.timedelta(minutes=20), tick=False):
        decide(client, world.alice, approval_process, "head_review", "approved")
        decide(client, staff.oscar, approval_process, "managing_review", "sent_back", "请补充材料")
    again = head_of(approval)
    assert again.round == 2
    assert again.due_at == days_on(head.due_at - dt.timedelta(minutes=20))

    # The first round's timer fires: the new round is not overdue, and nobody is told so.
    fire_at(head.due_at + dt.timedelta(minutes=1))
    again.refresh_from_db()
    assert not again.escalated
    fire_at(again.due_at - dt.timedelta(minutes=1))
    fire_at(again.due_at + dt.timedelta(minutes=1))
    again.refresh_from_db()
    assert again.escalated


def test_a_window_ends_by_the_requests_limit_and_lasts_an_hour_at_least(world, staff, client):
    now = timezone.now().replace(microsecond=0)
    latest = now + dt.timedelta(days=1)
    with time_machine.travel(now, tick=False):
        approval, approval_process = started(world, staff, latest)
    assert head_of(approval).due_at == latest

    late = latest - dt.timedelta(minutes=10)
    with time_machine.travel(late, tick=False):
        decide(client, world.alice, approval_process, "head_review", "approved")
    assert org_of(approval).due_at == late + dt.timedelta(hours=1)
