"""Leave, deferral or exemption asked through the API instead of 签收 (`tasks/<id>/request/`
on an acknowledge task), as on the task page: the trainee — or the unit's liaison for a
cadre without an account — asks, `dispatch_request_after_notice` records it, the same
approval follows; `tasks/` names `request` among the actions of the 签收 only for them."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.status import STATUS

from approvals.models import ApprovalRequest
from audit.models import AuditEvent
from dispatch.models import Dispatch, DispatchStatus
from dispatch.policy import may_request_after_notice, may_request_after_notice_among
from tests.api.actiontools import api, event_count, post, verbs
from tests.factories import cadre
from tests.flowtools import fire_at, issue_roll_call, open_task, process_of, start_class, task_url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

TASKS = "/api/v1/actions/tasks/"
REASON = "突发急性阑尾炎，需住院手术"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def notified(client, world, staff, klass, person):
    """`person` named for `klass` and confirmed by the liaison through the API: the
    dispatch (its notice issued, waiting for 签收), its process and the 签收 task."""
    issue_roll_call(client, world, klass, [person])
    dispatch = Dispatch.objects.get(cadre=person)
    process = process_of(dispatch, "DispatchFlow")
    assert post(staff.lily, f"tasks/{open_task(process, 'confirm').pk}/confirm/").status_code == 200
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED
    return dispatch, process, open_task(process, "acknowledge")


def actions_listed(person, task):
    rows = api(person).get(TASKS).json()["results"]
    return [row["actions"] for row in rows if row["id"] == task.pk]


def nothing_written(dispatch, process, before):
    """The dispatch still waits for 签收, its task open, and no request or its event."""
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED
    assert not dispatch.request_kind and dispatch.requested_by_id is None
    assert not dispatch.request_attachment
    assert not ApprovalRequest.objects.exists()
    assert event_count() == before
    assert open_task(process, "acknowledge")


def test_the_trainee_asks_leave_instead_of_acknowledging(client, world, staff, klass):
    dispatch, process, ack = notified(client, world, staff, klass, world.cadre_a)
    number = dispatch.notice_reference
    assert actions_listed(world.dave, ack) == [["acknowledge", "request"]]
    one = api(world.dave).get(f"{TASKS}{ack.pk}/").json()
    assert one["actions"] == ["acknowledge", "request"]

    response = post(world.dave, f"tasks/{ack.pk}/request/", {"kind": "leave", "reason": REASON})

    assert response.status_code == 200, response.json()
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.REQUESTED
    assert (dispatch.request_kind, dispatch.request_reason) == ("leave", REASON)
    assert dispatch.requested_by == world.dave
    assert dispatch.notice_reference == number  # the notice stands until it is decided
    event = AuditEvent.objects.get(verb="dispatch.request.leave", target_id=str(dispatch.pk))
    assert (event.actor, event.note) == (world.dave, f"after_notice:{number}")
    ack.refresh_from_db()
    assert (ack.status, ack.owner) == (STATUS.DONE, world.dave)
    request = ApprovalRequest.objects.get()
    assert request.requested_by == world.dave and request.subject_id == dispatch.pk
    assert open_task(process_of(request, "ApprovalFlow"), "head_review")
    assert open_task(process, "await_decision")
    body = response.json()
    assert body["subject_status"] == DispatchStatus.REQUESTED
    assert "acknowledge" not in [t["node"] for t in body["open_tasks"]]

    again = post(world.dave, f"tasks/{ack.pk}/request/", {"kind": "leave", "reason": REASON})
    assert again.status_code == 409
    assert verbs(dispatch).count("dispatch.request.leave") == 1


def test_the_liaison_asks_for_a_cadre_without_an_account(client, world, staff, klass):
    dispatch, process, ack = notified(client, world, staff, klass, world.cadre_a1)
    assert actions_listed(staff.lily, ack) == [["acknowledge", "request"]]

    response = post(
        staff.lily,
        f"tasks/{ack.pk}/request/",
        {"kind": "exemption", "reason": REASON, "attachment": SimpleUploadedFile("病历.pdf", PDF)},
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.REQUESTED and dispatch.request_kind == "exemption"
    assert dispatch.requested_by == staff.lily and dispatch.request_attachment
    request = ApprovalRequest.objects.get()
    assert request.requested_by == staff.lily and request.attachment
    ack.refresh_from_db()
    assert (ack.status, ack.owner) == (STATUS.DONE, staff.lily)
    assert "dispatch.request.exemption" in verbs(dispatch)


def test_outsiders_get_404_and_the_head_403_and_nothing_is_written(client, world, staff, klass):
    dispatch, process, ack = notified(client, world, staff, klass, world.cadre_a)
    before = event_count()
    data = {"kind": "leave", "reason": REASON}

    for outsider in (staff.luke, world.charlie):  # unit B's liaison, a stranger
        assert post(outsider, f"tasks/{ack.pk}/request/", data).status_code == 404
    refused = post(world.alice, f"tasks/{ack.pk}/request/", data)  # sees it, not her step
    assert refused.status_code == 403 and refused.json()["detail"]
    # Even with a body the step would refuse: the role is asked first.
    assert post(world.alice, f"tasks/{ack.pk}/request/", {"kind": "x"}).status_code == 403

    nothing_written(dispatch, process, before)
    ack.refresh_from_db()
    assert (ack.status, ack.owner) == (STATUS.ASSIGNED, world.dave)


def test_a_dispatcher_holding_the_escalated_acknowledgement_may_not_ask(
    client, world, staff, klass
):
    dispatch, process, ack = notified(client, world, staff, klass, world.cadre_a1)
    fire_at(dispatch.acknowledge_due - dt.timedelta(hours=6))
    fire_at(dispatch.acknowledge_due + dt.timedelta(hours=1))
    dispatch.refresh_from_db()
    assert dispatch.escalated
    ack = open_task(process, "acknowledge")
    assert actions_listed(world.bob, ack) == [["acknowledge"]]
    assert actions_listed(staff.lily, ack) == [["acknowledge", "request"]]
    client.force_login(world.bob)
    assert client.post(task_url(ack, "assign")).status_code == 302
    assert actions_listed(world.bob, ack) == [["acknowledge"]]
    before = event_count()

    for data in ({"kind": "leave", "reason": REASON}, {}):
        refused = post(world.bob, f"tasks/{ack.pk}/request/", data)
        assert refused.status_code == 403
        assert "联络员" in refused.json()["detail"]

    nothing_written(dispatch, process, before)
    ack.refresh_from_db()
    assert (ack.status, ack.owner) == (STATUS.ASSIGNED, world.bob)
    # What is his to do: 签收 for the department.
    assert post(world.bob, f"tasks/{ack.pk}/acknowledge/").status_code == 200


def test_no_request_once_the_class_has_begun(client, world, staff, klass):
    dispatch, process, ack = notified(client, world, staff, klass, world.cadre_a)
    start_class(klass, running=True)  # the class-start timer has not swept yet
    before = event_count()

    response = post(world.dave, f"tasks/{ack.pk}/request/", {"kind": "leave", "reason": REASON})

    assert response.status_code == 400
    assert "开班" in str(response.json()) or response.json()["non_field_errors"]
    nothing_written(dispatch, process, before)
    ack.refresh_from_db()
    assert (ack.status, ack.owner) == (STATUS.ASSIGNED, world.dave)


@pytest.mark.parametrize(
    "data, field",
    [
        ({"kind": "holiday", "reason": REASON}, "kind"),
        ({"reason": REASON}, "kind"),
        ({"kind": "leave", "reason": "   "}, "reason"),
        ({"kind": "leave"}, "reason"),
        ({"kind": "leave", "reason": "长" * 1001}, "reason"),
    ],
)
def test_a_bad_request_answers_400_with_the_field_and_writes_nothing(
    client, world, staff, klass, data, field
):
    dispatch, process, ack = notified(client, world, staff, klass, world.cadre_a)
    before = event_count()

    response = post(world.dave, f"tasks/{ack.pk}/request/", data)

    assert response.status_code == 400
    assert field in response.json(), response.json()
    nothing_written(dispatch, process, before)


def test_a_bad_attachment_is_refused_beside_its_field(client, world, staff, klass):
    dispatch, process, ack = notified(client, world, staff, klass, world.cadre_a)
    before = event_count()
    fake = SimpleUploadedFile("证明.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")

    response = post(
        world.dave,
        f"tasks/{ack.pk}/request/",
        {"kind": "leave", "reason": REASON, "attachment": fake},
        format="multipart",
    )

    assert response.status_code == 400
    assert "attachment" in response.json(), response.json()
    nothing_written(dispatch, process, before)


def test_the_list_costs_the_same_queries_for_many_acknowledgements(
    client, world, staff, klass, django_assert_max_num_queries
):
    """The liaison's 签收 for cadres without an account: whether each may be asked
    instead is answered for the page at once."""
    notified(client, world, staff, klass, world.cadre_a1)
    lily = api(staff.lily)
    with CaptureQueriesContext(connection) as one:
        assert len(lily.get(TASKS).json()["results"]) == 1
    queries = len(one.captured_queries)
    others = [cadre(f"干部{i}", world.a, world.city_od) for i in range(6)]
    issue_roll_call(client, world, klass, others)
    for dispatch in Dispatch.objects.filter(cadre__in=others):
        task = open_task(process_of(dispatch, "DispatchFlow"), "confirm")
        assert post(staff.lily, f"tasks/{task.pk}/confirm/").status_code == 200

    with django_assert_max_num_queries(queries):
        rows = lily.get(TASKS).json()["results"]
    assert len(rows) == 7
    assert all(row["actions"] == ["acknowledge", "request"] for row in rows)


def test_the_schema_says_the_request_is_asked_at_either_step(world):
    schema = api(world.bob).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/actions/tasks/{id}/request/"]["post"]
    assert "签收" in operation["description"] and "确认参训" in operation["description"]
    assert "multipart/form-data" in operation["requestBody"]["content"]


def test_the_list_answers_who_may_ask_as_the_page_does(client, world, staff, klass):
    """`may_request_after_notice_among` (the list) agrees with `may_request_after_notice`
    (the page, the service) for everyone around the two dispatches."""
    own, _, _ = notified(client, world, staff, klass, world.cadre_a)
    without_account, _, _ = notified(client, world, staff, klass, world.cadre_a1)
    dispatches = list(Dispatch.objects.select_related("cadre", "unit"))
    people = (world.dave, staff.lily, staff.luke, world.alice, world.bob, world.charlie)

    for person in people:
        expected = {d.pk for d in dispatches if may_request_after_notice(person, d)}
        assert may_request_after_notice_among(person, dispatches) == expected, person
    assert may_request_after_notice_among(world.dave, dispatches) == {own.pk}
    assert may_request_after_notice_among(staff.lily, dispatches) == {own.pk, without_account.pk}
