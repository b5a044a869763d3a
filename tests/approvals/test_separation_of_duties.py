"""Separation of duties (回避): nobody decides a request they made or a request about
themselves, nor does a deputy acting for them; the step goes to the unit's other head, or
to the nearest organization department's dispatchers when there is none
(approvals.policy.may_decide, route_chain)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals import policy
from approvals import services as approval_services
from approvals.models import ApprovalRequest, Decision, RequestStatus
from approvals.policy import HEAD_STAGE
from dispatch.models import DispatchStatus
from notifications.models import Event
from org import services as org_services
from org.models import Cadre
from org.roles import ESCALATION_PERMISSION, HEAD_PERMISSION, Role
from tests.factories import cadre, unit, user
from tests.flowtools import decide, named, notified, open_task, process_of, request, task_url
from workflow.mytasks import open_tasks

RECUSAL = "按回避规定由其他负责人审批"


def _today() -> dt.date:
    """Today, read when asked: a constant read when the module is collected goes stale
    if the run passes midnight."""
    return dt.date.today()


def own_record(world, person):
    """`person` is the cadre 李玥 of A1 (under A), whose requests A's head decides."""
    Cadre.objects.filter(pk=world.cadre_a1.pk).update(user=person)
    world.cadre_a1.refresh_from_db()
    return world.cadre_a1


def delegation(head, deputy):
    return org_services.delegation_create(
        actor=head, delegate=deputy, starts_on=_today(), ends_on=_today() + dt.timedelta(days=3)
    )


def requested(client, world, staff, klass, person, kind="leave", liaison=None):
    """`person` is named for `klass`; the liaison (lily of A unless said) asks `kind`.
    The approval request and its process."""
    _dispatch, process = named(client, world, klass, person)
    assert request(client, liaison or staff.lily, process, kind).status_code == 302
    approval = ApprovalRequest.objects.get()
    return approval, process_of(approval, "ApprovalFlow")


def head_step(approval):
    return approval_services.current_steps(approval, HEAD_STAGE)[0]


def decide_directly(actor, approval, decision=Decision.APPROVED):
    return approval_services.step_decide(
        actor=actor, step=head_step(approval), decision=decision, comment="同意"
    )


# -- a head's own record -------------------------------------------------------------


def test_a_head_may_not_decide_a_request_about_her_own_record(world, staff, klass, client):
    own_record(world, world.alice)
    approval, _process = requested(client, world, staff, klass, world.cadre_a1)

    assert approval.cadre == world.cadre_a1
    assert not policy.may_decide(world.alice, head_step(approval))
    with pytest.raises(PermissionDenied) as refusal:
        decide_directly(world.alice, approval)
    assert RECUSAL in str(refusal.value)
    assert head_step(approval).decision == Decision.PENDING


def test_with_no_other_head_the_step_goes_to_the_org_departments_dispatchers(
    world, staff, klass, client
):
    own_record(world, world.alice)
    approval, approval_process = requested(client, world, staff, klass, world.cadre_a1)

    step = head_step(approval)
    assert (step.permission, step.scope) == (ESCALATION_PERMISSION, world.a1)
    assert str(world.city_od) in step.label
    task = open_task(approval_process, "head_review")
    assert task.owner_permission == ESCALATION_PERMISSION
    assert task in open_tasks(world.bob)
    assert task not in open_tasks(world.alice)
    assert notified(Event.APPROVAL_WAITING) == {"bob"}

    # The step keeps the unit as its scope: the unit's people still see the request.
    client.force_login(staff.lily)
    assert client.get(f"/workflow/approval/{approval_process.pk}/").status_code == 200

    # Alice is told why she may not take it, and who does.
    client.force_login(world.alice)
    claim = client.post(task_url(task, "assign"))
    assert claim.status_code == 403
    assert RECUSAL in claim.content.decode()
    assert "bob" in claim.content.decode()

    assert decide(client, world.bob, approval_process, "head_review", "approved").status_code == 302
    assert (
        decide(client, staff.oscar, approval_process, "managing_review", "approved").status_code
        == 302
    )
    approval.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED


def test_with_another_head_the_step_stays_with_the_unit_and_she_decides(
    world, staff, klass, client
):
    ada = user("ada", Role.DEPARTMENT_HEAD, world.a)
    own_record(world, world.alice)
    approval, approval_process = requested(client, world, staff, klass, world.cadre_a1)

    step = head_step(approval)
    assert (step.permission, step.scope) == (HEAD_PERMISSION, world.a1)
    task = open_task(approval_process, "head_review")
    assert task in open_tasks(ada)
    assert notified(Event.APPROVAL_WAITING) == {"ada"}
    client.force_login(ada)
    assert task_url(task, "assign") in client.get("/tasks/").content.decode()

    client.force_login(world.alice)
    # In her 我的待办 (page and API) the step is marked, with no claim link.
    listed = client.get("/tasks/").content.decode()
    assert "回避：由其他负责人办理" in listed and task_url(task, "assign") not in listed
    assert task_url(task, "detail") in listed
    rows = client.get("/api/v1/actions/tasks/").json()["results"]
    assert [r["recused"] for r in rows if r["id"] == task.pk] == [True]
    page = client.get(task_url(task, "detail"))
    assert page.status_code == 200
    assert RECUSAL in page.content.decode() and "ada" in page.content.decode()
    claim = client.post(task_url(task, "assign"))
    assert claim.status_code == 403
    assert RECUSAL in claim.content.decode()
    task.refresh_from_db()
    assert task.owner_id is None

    assert decide(client, ada, approval_process, "head_review", "approved").status_code == 302
    step.refresh_from_db()
    assert (step.decision, step.decided_by) == (Decision.APPROVED, ada)


# -- the applicant -------------------------------------------------------------------


def test_a_liaison_who_also_heads_the_unit_may_not_approve_her_own_request(
    world, staff, klass, client
):
    lena = user("lena", Role.UNIT_LIAISON, world.a)
    org_services.role_grant(actor=None, user=lena, role=Role.DEPARTMENT_HEAD, unit=world.a)
    approval, approval_process = requested(
        client, world, staff, klass, world.cadre_a, "exemption", liaison=lena
    )
    assert approval.requested_by == lena

    with pytest.raises(PermissionDenied):
        decide_directly(lena, approval)
    client.force_login(lena)
    assert (
        client.post(task_url(open_task(approval_process, "head_review"), "assign")).status_code
        == 403
    )

    # Alice, the unit's other head, decides.
    assert (
        decide(client, world.alice, approval_process, "head_review", "approved").status_code == 302
    )


def test_the_only_head_requesting_sends_the_step_to_the_county_dispatchers(
    world, staff, klass, client
):
    finance = unit("某县财政局", world.county)
    clerk = cadre("赵琳", finance, world.county_od)
    lena = user("lena", Role.UNIT_LIAISON, finance)
    org_services.role_grant(actor=None, user=lena, role=Role.DEPARTMENT_HEAD, unit=finance)
    approval, approval_process = requested(
        client, world, staff, klass, clerk, "exemption", liaison=lena
    )

    step = head_step(approval)
    assert (step.permission, step.scope) == (ESCALATION_PERMISSION, finance)
    assert str(world.county_od) in step.label
    assert not policy.may_decide(lena, step)
    assert policy.may_decide(world.carol, step)
    with pytest.raises(PermissionDenied):
        decide_directly(lena, approval)
    assert (
        decide(client, world.carol, approval_process, "head_review", "approved").status_code == 302
    )


# -- delegation ----------------------------------------------------------------------


def test_a_deputy_may_not_decide_a_request_about_himself(world, staff, klass, client):
    dan = user("dan", Role.DEPUTY_HEAD, world.a)
    delegation(world.alice, dan)
    own_record(world, dan)
    approval, approval_process = requested(client, world, staff, klass, world.cadre_a1)

    assert head_step(approval).permission == HEAD_PERMISSION  # Alice is not excluded
    with pytest.raises(PermissionDenied):
        decide_directly(dan, approval)
    client.force_login(dan)
    assert (
        client.post(task_url(open_task(approval_process, "head_review"), "assign")).status_code
        == 403
    )
    assert (
        decide(client, world.alice, approval_process, "head_review", "approved").status_code == 302
    )


def test_a_heads_deputy_may_not_decide_the_heads_own_record(world, staff, klass, client):
    ada = user("ada", Role.DEPARTMENT_HEAD, world.a)
    dan = user("dan", Role.DEPUTY_HEAD, world.a)
    delegation(world.alice, dan)
    own_record(world, world.alice)
    approval, approval_process = requested(client, world, staff, klass, world.cadre_a1)

    step = head_step(approval)
    assert not policy.may_decide(dan, step)
    assert policy.is_recused(dan, step)
    with pytest.raises(PermissionDenied):
        decide_directly(dan, approval)
    client.force_login(dan)
    assert (
        client.post(task_url(open_task(approval_process, "head_review"), "assign")).status_code
        == 403
    )

    # Acting for Ada, who is not excluded, Dan may decide it — in her name, not in that
    # of Alice, whose delegation came first but who is recused.
    delegation(ada, dan)
    assert policy.may_decide(dan, step)
    assert decide(client, dan, approval_process, "head_review", "approved").status_code == 302
    step.refresh_from_db()
    assert (step.decided_by, step.on_behalf_of) == (dan, ada)
    page = client.get(f"/workflow/approval/{approval_process.pk}/").content.decode()
    assert "dan（代ada）" in page and "代alice" not in page


def test_a_deputy_acting_for_the_recused_head_is_told_so(world, staff, klass, client):
    ada = user("ada", Role.DEPARTMENT_HEAD, world.a)
    dan = user("dan", Role.DEPUTY_HEAD, world.a)
    delegation(world.alice, dan)
    own_record(world, world.alice)
    approval, approval_process = requested(client, world, staff, klass, world.cadre_a1)
    task = open_task(approval_process, "head_review")

    client.force_login(dan)
    # In his 我的待办 the step is marked, with no claim link (as for Alice herself).
    listed = client.get("/tasks/").content.decode()
    assert "回避：由其他负责人办理" in listed and task_url(task, "assign") not in listed
    assert task_url(task, "detail") in listed
    # He is told that the head he acts for is recused — not that he made the request.
    for page in (client.post(task_url(task, "assign")), client.get(task_url(task, "detail"))):
        text = page.content.decode()
        assert "您是该申请的申请人或当事人" not in text
        assert "person you act for" in text or "您代行职责的负责人" in text
        assert "ada" in text
    assert client.post(task_url(task, "assign")).status_code == 403

    # Acting for Ada as well, he may take it: no mark.
    delegation(ada, dan)
    listed = client.get("/tasks/").content.decode()
    assert task_url(task, "assign") in listed and "回避：由其他负责人办理" not in listed


def test_with_the_head_excluded_and_only_her_deputy_left_the_step_leaves_the_unit(
    world, staff, klass, client
):
    dan = user("dan", Role.DEPUTY_HEAD, world.a)
    delegation(world.alice, dan)
    own_record(world, world.alice)
    approval, _process = requested(client, world, staff, klass, world.cadre_a1)

    step = head_step(approval)
    assert step.permission == ESCALATION_PERMISSION
    assert not policy.may_decide(dan, step)
    assert policy.may_decide(world.bob, step)


# -- the ordinary case ---------------------------------------------------------------


def test_a_request_about_someone_else_is_decided_as_before(world, staff, klass, client):
    dan = user("dan", Role.DEPUTY_HEAD, world.a)
    delegation(world.alice, dan)
    approval, approval_process = requested(client, world, staff, klass, world.cadre_a, "deferral")

    step = head_step(approval)
    assert (step.permission, step.scope) == (HEAD_PERMISSION, world.a)
    assert policy.may_decide(world.alice, step) and policy.may_decide(dan, step)
    assert not policy.is_recused(world.alice, step)
    assert notified(Event.APPROVAL_WAITING) >= {"alice", "dan"}

    assert decide(client, dan, approval_process, "head_review", "approved").status_code == 302
    step.refresh_from_db()
    assert (step.decided_by, step.on_behalf_of) == (dan, world.alice)
    assert (
        decide(client, staff.oscar, approval_process, "managing_review", "approved").status_code
        == 302
    )
    approval.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED
    assert approval.cadre.dispatches.get().status == DispatchStatus.DEFERRED


def test_the_steps_a_page_loaded_tell_who_decided_without_another_query(
    world, staff, klass, client
):
    """recused_among reads who decided a step of each request from the steps 我的待办
    loaded with its tasks (`prefetch_related("steps")`), the same answer as its query."""
    dan = user("dan", Role.DEPUTY_HEAD, world.a)
    delegation(world.alice, dan)
    approval, _process = requested(client, world, staff, klass, world.cadre_a, "deferral")
    decide_directly(dan, approval)  # on Alice's behalf
    step = head_step(approval)
    for person in (world.alice, dan, staff.oscar):
        plain = ApprovalRequest.objects.get(pk=approval.pk)
        loaded = ApprovalRequest.objects.prefetch_related("steps").get(pk=approval.pk)
        with CaptureQueriesContext(connection) as asked:
            expected = policy.recused_among(person, {1: plain}, lambda _key: step)
        with CaptureQueriesContext(connection) as read:
            assert policy.recused_among(person, {1: loaded}, lambda _key: step) == expected
        assert len(read) < len(asked), person
