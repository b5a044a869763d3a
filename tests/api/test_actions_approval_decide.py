"""Deciding an approval step through the API: the same service (`step_decide`) and the
same Viewflow task as the decision page, with the separation of duties (回避) refused
exactly as there — and the dispatch resumes when the request is settled."""

import pytest
from viewflow.workflow.status import STATUS

from approvals.models import ApprovalRequest, Decision, RequestStatus
from dispatch.models import DispatchStatus
from org.models import Cadre
from org.roles import Role
from tests.api.actiontools import event_count, post, verbs
from tests.factories import user
from tests.flowtools import decide, named, open_task, process_of, request

pytestmark = pytest.mark.django_db

RECUSAL = "按回避规定由其他负责人审批"


def requested(client, world, staff, klass, person, kind="leave"):
    """`person` is named for `klass`; unit A's liaison asks `kind` on the page."""
    dispatch, process = named(client, world, klass, person)
    assert request(client, staff.lily, process, kind).status_code == 302
    approval = ApprovalRequest.objects.get()
    return dispatch, process, approval, process_of(approval, "ApprovalFlow")


def test_head_then_org_department_approve_through_the_api(client, world, staff, klass):
    dispatch, process, approval, flow = requested(client, world, staff, klass, world.cadre_a)
    head = open_task(flow, "head_review")

    response = post(world.alice, f"tasks/{head.pk}/decide/", {"decision": "approved"})

    assert response.status_code == 200, response.json()
    head.refresh_from_db()
    assert (head.status, head.owner) == (STATUS.DONE, world.alice)
    assert "approval.step.approved" in verbs(approval)
    assert [t["node"] for t in response.json()["open_tasks"] if t["status"] != "SCHEDULED"] == [
        "managing_review"
    ]

    org = open_task(flow, "managing_review")
    assert post(staff.oscar, f"tasks/{org.pk}/decide/", {"decision": "approved"}).status_code == 200

    approval.refresh_from_db()
    dispatch.refresh_from_db()
    assert approval.status == RequestStatus.APPROVED
    assert dispatch.status == DispatchStatus.DEFERRED  # leave approved: makeup owed
    flow.refresh_from_db()
    assert flow.status == "DONE"


def test_the_api_and_the_page_reject_alike(client, world, staff, klass):
    """A rejection through the API sends the dispatch back to confirmation, as the page."""
    dispatch, process, approval, flow = requested(client, world, staff, klass, world.cadre_a)
    head = open_task(flow, "head_review")

    response = post(
        world.alice, f"tasks/{head.pk}/decide/", {"decision": "rejected", "comment": "工作可调整"}
    )

    assert response.status_code == 200, response.json()
    approval.refresh_from_db()
    dispatch.refresh_from_db()
    assert approval.status == RequestStatus.REJECTED
    assert dispatch.status == DispatchStatus.NAMED
    assert open_task(process, "confirm") is not None


@pytest.mark.parametrize(
    "data, field",
    [
        ({"decision": "rejected"}, "comment"),
        ({"decision": "sent_back", "comment": "  "}, "comment"),
        ({"decision": "maybe"}, "decision"),
        ({}, "decision"),
        ({"decision": "approved", "comment": "长" * 1001}, "comment"),
    ],
)
def test_a_bad_decision_answers_400_and_writes_nothing(client, world, staff, klass, data, field):
    _dispatch, _process, approval, flow = requested(client, world, staff, klass, world.cadre_a)
    head = open_task(flow, "head_review")
    before = event_count()

    response = post(world.alice, f"tasks/{head.pk}/decide/", data)

    assert response.status_code == 400
    assert field in response.json(), response.json()
    head.refresh_from_db()
    assert head.status == STATUS.NEW and head.owner is None
    assert event_count() == before


def test_outsiders_are_refused(client, world, staff, klass):
    _dispatch, _process, approval, flow = requested(client, world, staff, klass, world.cadre_a)
    head = open_task(flow, "head_review")

    assert (
        post(world.charlie, f"tasks/{head.pk}/decide/", {"decision": "approved"}).status_code == 404
    )
    assert post(staff.lily, f"tasks/{head.pk}/decide/", {"decision": "approved"}).status_code == 403
    # the managing department's step is not open yet: Oscar takes no part in the head's
    assert (
        post(staff.oscar, f"tasks/{head.pk}/decide/", {"decision": "approved"}).status_code == 403
    )


def test_who_may_not_decide_hears_403_before_the_body_is_read(client, world, staff, klass):
    _dispatch, _process, approval, flow = requested(client, world, staff, klass, world.cadre_a)
    head = open_task(flow, "head_review")
    for body in ({"decision": "maybe"}, {}):
        refused = post(staff.lily, f"tasks/{head.pk}/decide/", body)
        assert refused.status_code == 403, refused.json()
    assert post(world.alice, f"tasks/{head.pk}/decide/", {"decision": "maybe"}).status_code == 400


def test_a_head_may_not_decide_a_request_about_herself(client, world, staff, klass):
    ada = user("ada", Role.DEPARTMENT_HEAD, world.a)
    Cadre.objects.filter(pk=world.cadre_a1.pk).update(user=world.alice)
    _dispatch, _process, approval, flow = requested(client, world, staff, klass, world.cadre_a1)
    head = open_task(flow, "head_review")
    before = event_count()

    refused = post(world.alice, f"tasks/{head.pk}/decide/", {"decision": "approved"})

    assert refused.status_code == 403
    assert RECUSAL in refused.json()["detail"]
    head.refresh_from_db()
    assert head.owner is None
    assert event_count() == before
    assert post(ada, f"tasks/{head.pk}/decide/", {"decision": "approved"}).status_code == 200


def test_deciding_twice_answers_409(client, world, staff, klass):
    _dispatch, _process, approval, flow = requested(client, world, staff, klass, world.cadre_a)
    head = open_task(flow, "head_review")
    assert decide(client, world.alice, flow, "head_review", "approved").status_code == 302
    before = event_count()

    again = post(world.alice, f"tasks/{head.pk}/decide/", {"decision": "approved"})

    assert again.status_code == 409
    assert event_count() == before
    assert approval.steps.filter(decision=Decision.APPROVED).count() == 1
