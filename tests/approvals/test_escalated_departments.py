"""An overdue organization department's step escalates to the dispatchers of that
department — not to a dispatcher above whose reach covers it — and nobody decides two
steps of one request in one round: a dual-managed cadre's request always takes both
departments (approvals.policy.may_decide). Each step's escalation message names the
department whose decision is overdue, once per recipient."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.translation import gettext

from approvals import policy
from approvals import services as approval_services
from approvals.models import ApprovalRequest, Decision, RequestStatus
from approvals.policy import ORG_STAGE
from notifications.models import Event, Notification
from org import services as org_services
from org.roles import Role
from tests.factories import user
from tests.flowtools import decide, fire_at, named, open_task, process_of, request, task_url


def overdue_at_both_departments(client, world, staff, klass):
    """Luke asks leave for 张喆 of B (managed by the county, co-managed by the city),
    Charlie approves, and both departments let their steps pass their due moment: the
    request, its process, and the county's and the city's steps."""
    _dispatch, process = named(client, world, klass, world.cadre_b)
    assert request(client, staff.luke, process, "leave").status_code == 302
    approval = ApprovalRequest.objects.get()
    approval_process = process_of(approval, "ApprovalFlow")
    assert (
        decide(client, world.charlie, approval_process, "head_review", "approved").status_code
        == 302
    )
    county, city = approval_services.current_steps(approval, ORG_STAGE)
    assert (county.scope, city.scope) == (world.county, world.root)
    fire_at(county.due_at - dt.timedelta(minutes=1))
    fire_at(county.due_at + dt.timedelta(hours=1))
    county.refresh_from_db()
    city.refresh_from_db()
    assert county.escalated and city.escalated
    return approval, approval_process, county, city


def zh(message, **values):
    with translation.override("zh-hans"):
        return gettext(message) % values


def test_each_escalated_step_goes_to_its_own_departments_dispatchers(world, staff, klass, client):
    approval, approval_process, county, city = overdue_at_both_departments(
        client, world, staff, klass
    )
    # Bob's reach covers the county, but the county's step is the county's to take.
    assert policy.may_decide(world.bob, city) and not policy.may_decide(world.bob, county)
    assert policy.may_decide(world.carol, county) and not policy.may_decide(world.carol, city)
    # The departments' own heads still decide their own steps.
    assert policy.may_decide(staff.olga, county) and policy.may_decide(staff.oscar, city)

    county_task = open_task(approval_process, "managing_review")
    city_task = open_task(approval_process, "co_managing_review")
    client.force_login(world.bob)
    listed = client.get("/tasks/").content.decode()
    assert task_url(city_task, "assign") in listed
    assert task_url(county_task, "assign") not in listed and task_url(county_task) in listed
    claim = client.post(task_url(county_task, "assign"))
    assert claim.status_code == 403
    assert "carol" in claim.content.decode() and str(world.county_od) in claim.content.decode()
    with pytest.raises(PermissionDenied):
        approval_services.step_decide(actor=world.bob, step=county, decision=Decision.APPROVED)

    for person, node in ((world.bob, "co_managing_review"), (world.carol, "managing_review")):
        assert decide(client, person, approval_process, node, "approved").status_code == 302
    approval.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED
    county.refresh_from_db()
    city.refresh_from_db()
    assert (county.decided_by, city.decided_by) == (world.carol, world.bob)


def test_each_escalation_message_names_its_department_once_to_each_recipient(
    world, staff, klass, client
):
    approval, _process, _county, _city = overdue_at_both_departments(client, world, staff, klass)
    escalations = Notification.objects.filter(
        event=Event.ESCALATION, key__startswith=f"approval:{approval.pk}:"
    )
    [to_bob] = escalations.filter(recipient=world.bob)
    [to_carol] = escalations.filter(recipient=world.carol)
    assert escalations.count() == 2
    assert str(world.city_od) in to_bob.title and str(world.county_od) not in to_bob.title
    assert str(world.county_od) in to_carol.title and str(world.city_od) not in to_carol.title


def test_nobody_decides_two_steps_of_one_request_in_one_round(world, staff, klass, client):
    """Max is a dispatcher of the city and of the county: the escalation reaches him at
    both departments, yet once he decided one step the other is another person's."""
    max_ = user("max", Role.DISPATCHER, world.root)
    org_services.role_grant(actor=None, user=max_, role=Role.DISPATCHER, unit=world.county)
    approval, approval_process, county, city = overdue_at_both_departments(
        client, world, staff, klass
    )
    assert policy.may_decide(max_, county) and policy.may_decide(max_, city)

    assert decide(client, max_, approval_process, "managing_review", "approved").status_code == 302
    city.refresh_from_db()
    assert not policy.may_decide(max_, city) and policy.is_recused(max_, city)
    told = zh(
        "You decided another step of this request in this round: nobody decides two steps "
        "of one request. It is decided by %(authority)s (%(names)s).",
        authority=city.label,
        names="bob、oscar",
    )
    with translation.override("zh-hans"), pytest.raises(PermissionDenied) as refusal:
        approval_services.step_decide(actor=max_, step=city, decision=Decision.APPROVED)
    assert str(refusal.value) == told
    client.force_login(max_)
    city_task = open_task(approval_process, "co_managing_review")
    claim = client.post(task_url(city_task, "assign"))
    assert claim.status_code == 403 and told in claim.content.decode()
    listed = client.get("/tasks/").content.decode()
    assert task_url(city_task, "assign") not in listed

    response = decide(client, world.bob, approval_process, "co_managing_review", "approved")
    assert response.status_code == 302
    approval.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED
