"""Nobody approves a plan they drafted (回避): Bob, the city's dispatcher, holds the org
department head's role too; he starts, fills and submits the plan, so Oscar approves it
— not Bob, nor another dispatcher-head who added a class to it. Refused by the service
with nothing written, and by the pages (403 with the reason, never a 500)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import override

from approvals.policy import own_recusal_message
from audit.models import AuditEvent
from org import services as org_services
from planning import services
from planning.flows import PlanFlow
from planning.models import IndicatorWaiver, Plan, PlanStatus
from tests.factories import user
from tests.flowtools import assert_recused, open_task, process_of, recusal
from tests.planning.helpers import accept_all, act, dates, poor_sessions, quota_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(client, world, staff):
    """The city's plan, started, filled and submitted by Bob (also an org department
    head of the city), every consultation accepted: awaiting the head's approval."""
    org_services.role_grant(actor=None, user=world.bob, role="org_head", unit=world.root)
    client.force_login(world.bob)
    response = client.post(
        "/workflow/plan/start/",
        {"org_department": world.city_od.pk, "year": dates()[0].year, "title": "年度调训计划"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = Plan.objects.get()
    quota_line(world, plan)
    process = process_of(plan, "PlanFlow")
    deadline = timezone.localtime() + dt.timedelta(days=3)
    response = act(
        client, open_task(process, "draft"), {"deadline": deadline.strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    accept_all(plan)
    return plan, process


def _state(plan):
    plan = Plan.objects.get(pk=plan.pk)
    return plan.status, plan.approved_by_id, AuditEvent.objects.count()


def test_the_service_refuses_the_head_who_drafted_the_plan(world, submitted):
    plan, _ = submitted
    before = _state(plan)
    for approve in (True, False):
        with override("zh-hans"), pytest.raises(PermissionDenied) as refused:
            services.plan_decide(actor=world.bob, plan=plan, approve=approve, reason="再议")
        assert str(refused.value) == recusal()
    assert _state(plan) == before
    assert before[:2] == (PlanStatus.CONSULTATION, None)


def test_a_head_who_changed_a_class_is_a_drafter_too(world, staff):
    """In the county: Carol starts the plan and adds a class; Dan, a dispatcher who is
    also the county's org department head, changes it; Olga, who drafted nothing, waives
    the class's indicators and approves."""
    dan = user("dan", "dispatcher", world.county)
    org_services.role_grant(actor=None, user=dan, role="org_head", unit=world.county)
    start, _ = dates()
    plan = services.plan_create(actor=world.carol, org_department=world.county_od, year=start.year)
    fields = {
        "name": "进修班",
        "institution": world.school,
        "start_date": start,
        "end_date": start + dt.timedelta(days=4),
        "dispatch_date": timezone.localdate() + dt.timedelta(days=20),
        "hours": 40,
        "days": 5,
        "seats": 1,
        "mode": "quota",
        "allocations": [(world.b, 1)],
        "sessions": poor_sessions(start),
    }
    line = services.line_add(actor=world.carol, plan=plan, **fields)
    changed = {**fields, "seats": 2, "allocations": [(world.b, 2)]}
    line = services.line_change(actor=dan, line=line, **changed)
    deadline = timezone.now() + dt.timedelta(days=2)
    services.plan_submit(actor=world.carol, plan=plan, deadline=deadline)
    accept_all(plan)
    before = _state(plan)
    for refused in (
        lambda: services.line_waive(actor=dan, line=line, reason="师资所限"),
        lambda: services.plan_decide(actor=dan, plan=plan, approve=True),
    ):
        with pytest.raises(PermissionDenied) as refusal:
            refused()
        assert str(refusal.value) == own_recusal_message()
    assert _state(plan) == before
    assert not IndicatorWaiver.objects.filter(line=line).exists()
    services.line_waive(actor=staff.olga, line=line, reason="师资所限")
    services.plan_decide(actor=staff.olga, plan=plan, approve=True)
    assert Plan.objects.get(pk=plan.pk).approved_by == staff.olga


def test_the_task_is_not_offered_to_the_maker_and_its_pages_say_why(
    client, world, staff, submitted
):
    plan, process = submitted
    task = open_task(process, "approval")
    assert_recused(client, PlanFlow.approval, task, maker=world.bob, decider=staff.oscar)
    assert _state(plan)[0] == PlanStatus.CONSULTATION
    # Oscar takes the same task: approved and published.
    client.force_login(staff.oscar)
    response = act(client, task, {"decision": "approve"})
    assert response.status_code == 302, response.content.decode()[:2000]
    plan.refresh_from_db()
    assert (plan.status, plan.approved_by) == (PlanStatus.PUBLISHED, staff.oscar)
