"""The dispatch's human tasks through the API — confirm, request not to attend,
acknowledge (签收), record attendance — complete the Viewflow task as the task page does:
same service, same audit events, and the process moves on to the same next step."""

import pytest
from django.db import OperationalError
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from core.locking import LockBusy
from dispatch import services as dispatch_services
from dispatch.models import Dispatch, DispatchStatus, Makeup
from org.models import Cadre
from tests.api.actiontools import event_count, post, verbs
from tests.factories import user
from tests.flowtools import act, issue_roll_call, open_task, process_of, start_class

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(client, world, klass):
    """Cadre A named for the class: the dispatch waits for unit A's confirmation."""
    issue_roll_call(client, world, klass, [world.cadre_a])
    dispatch = Dispatch.objects.get()
    return dispatch, process_of(dispatch, "DispatchFlow")


def test_the_liaison_confirms_through_the_api_as_on_the_page(named, staff):
    dispatch, process = named
    task = open_task(process, "confirm")

    response = post(staff.lily, f"tasks/{task.pk}/confirm/")

    assert response.status_code == 200, response.json()
    dispatch.refresh_from_db()
    task.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED  # confirmed, then the notice went out
    assert task.status == STATUS.DONE and task.owner == staff.lily
    assert "dispatch.confirm" in verbs(dispatch)
    ack = open_task(process, "acknowledge")
    body = response.json()
    assert body["subject_status"] == DispatchStatus.NOTIFIED
    assert [t["node"] for t in body["open_tasks"] if t["status"] != "SCHEDULED"] == ["acknowledge"]
    assert ack.owner.username == "dave"  # the trainee holds it, as after the page


def test_the_page_and_the_api_leave_the_same_state(client, world, staff, klass):
    """Two cadres: one confirmed on the page, one through the API — same statuses, same
    audit verbs, same open steps."""
    Cadre.objects.filter(pk=world.cadre_a1.pk).update(user=user("tina", "trainee"))
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_a1])
    by_page, by_api = Dispatch.objects.order_by("pk")
    page_process, api_process = process_of(by_page), process_of(by_api)
    client.force_login(staff.lily)
    act(client, open_task(page_process, "confirm"), {"action": "confirm"})

    post(staff.lily, f"tasks/{open_task(api_process, 'confirm').pk}/confirm/")

    by_page.refresh_from_db()
    by_api.refresh_from_db()
    assert by_api.status == by_page.status == DispatchStatus.NOTIFIED
    assert verbs(by_api) == verbs(by_page)

    def steps(process):
        return sorted(
            (t.flow_task.name, t.status) for t in process.task_set.exclude(status=STATUS.DONE)
        )

    assert steps(api_process) == steps(page_process)


def test_a_stranger_gets_404_and_a_head_403_and_nothing_is_written(named, world):
    dispatch, process = named
    task = open_task(process, "confirm")
    before = event_count()

    assert post(world.charlie, f"tasks/{task.pk}/confirm/").status_code == 404
    refused = post(world.alice, f"tasks/{task.pk}/confirm/")  # sees it, not her step
    assert refused.status_code == 403
    assert refused.json()["detail"]

    task.refresh_from_db()
    assert task.status == STATUS.NEW and task.owner is None
    assert event_count() == before


def test_a_task_of_another_kind_is_not_found(named, staff):
    dispatch, process = named
    task = open_task(process, "confirm")

    assert post(staff.lily, f"tasks/{task.pk}/acknowledge/").status_code == 404
    assert post(staff.lily, "tasks/999999999/confirm/").status_code == 404


def test_confirming_twice_answers_409_and_changes_nothing(named, staff):
    dispatch, process = named
    task = open_task(process, "confirm")
    assert post(staff.lily, f"tasks/{task.pk}/confirm/").status_code == 200
    before = event_count()

    again = post(staff.lily, f"tasks/{task.pk}/confirm/")

    assert again.status_code == 409
    assert "已" in again.json()["detail"]
    assert event_count() == before


def test_a_request_not_to_attend_starts_the_approval(named, staff):
    dispatch, process = named
    task = open_task(process, "confirm")

    response = post(
        staff.lily,
        f"tasks/{task.pk}/request/",
        {"kind": "deferral", "reason": "因重大项目攻坚无法脱产"},
    )

    assert response.status_code == 200, response.json()
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.REQUESTED
    assert dispatch.request_kind == "deferral"
    assert "dispatch.request.deferral" in verbs(dispatch)
    approval = process_of(_request_of(dispatch), "ApprovalFlow")
    assert open_task(approval, "head_review") is not None
    assert open_task(process, "await_decision") is not None


def _request_of(dispatch):
    from django.contrib.contenttypes.models import ContentType

    from approvals.models import ApprovalRequest

    return ApprovalRequest.objects.get(
        subject_type=ContentType.objects.get_for_model(dispatch), subject_id=dispatch.pk
    )


def test_a_request_with_an_attachment_keeps_it(named, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dispatch, process = named
    task = open_task(process, "confirm")
    pdf = SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n", "application/pdf")

    response = post(
        staff.lily,
        f"tasks/{task.pk}/request/",
        {"kind": "leave", "reason": "病假", "attachment": pdf},
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    dispatch.refresh_from_db()
    assert dispatch.request_attachment.name.endswith(".pdf")
    assert _request_of(dispatch).attachment


@pytest.mark.parametrize(
    "data, field",
    [
        ({"kind": "holiday", "reason": "x"}, "kind"),
        ({"kind": "leave", "reason": "   "}, "reason"),
        ({"kind": "leave"}, "reason"),
        ({"kind": "leave", "reason": "长" * 1001}, "reason"),
    ],
)
def test_a_bad_request_answers_400_with_the_field_and_writes_nothing(named, staff, data, field):
    dispatch, process = named
    task = open_task(process, "confirm")
    before = event_count()

    response = post(staff.lily, f"tasks/{task.pk}/request/", data)

    assert response.status_code == 400
    assert field in response.json(), response.json()
    task.refresh_from_db()
    assert task.status == STATUS.NEW and task.owner is None  # not even claimed
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NAMED
    assert event_count() == before


def test_a_bad_attachment_is_refused_beside_its_field(named, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dispatch, process = named
    task = open_task(process, "confirm")
    fake = SimpleUploadedFile("证明.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")

    response = post(
        staff.lily,
        f"tasks/{task.pk}/request/",
        {"kind": "leave", "reason": "病假", "attachment": fake},
        format="multipart",
    )

    assert response.status_code == 400
    assert "attachment" in response.json(), response.json()
    assert not AuditEvent.objects.filter(verb__startswith="dispatch.request").exists()


def test_the_trainee_acknowledges_and_the_registrar_records_attendance(named, world, staff, klass):
    dispatch, process = named
    post(staff.lily, f"tasks/{open_task(process, 'confirm').pk}/confirm/")
    ack = open_task(process, "acknowledge")

    assert post(staff.lily, f"tasks/{ack.pk}/acknowledge/").status_code == 403  # dave's
    response = post(world.dave, f"tasks/{ack.pk}/acknowledge/", REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 200, response.json()
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ACKNOWLEDGED
    assert dispatch.acknowledged_ip == "10.1.2.3"
    assert "dispatch.acknowledge" in verbs(dispatch)
    assert post(world.dave, f"tasks/{ack.pk}/acknowledge/").status_code == 409

    start_class(klass)
    record = open_task(process, "record_attendance")
    assert (
        post(world.bob, f"tasks/{record.pk}/attendance/", {"result": "present"}).status_code == 403
    )
    bad = post(
        world.rita, f"tasks/{record.pk}/attendance/", {"result": "present", "leave_hours": -1}
    )
    assert bad.status_code == 400 and "leave_hours" in bad.json()

    done = post(world.rita, f"tasks/{record.pk}/attendance/", {"result": "absent"})

    assert done.status_code == 200, done.json()
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ABSENT
    assert "dispatch.absent" in verbs(dispatch)
    assert Makeup.objects.filter(source=dispatch).exists()  # absent: makeup owed
    process.refresh_from_db()
    assert process.status == "DONE"


def test_attendance_before_the_class_starts_is_refused_with_the_reason(named, world, staff):
    dispatch, process = named
    post(staff.lily, f"tasks/{open_task(process, 'confirm').pk}/confirm/")
    post(world.dave, f"tasks/{open_task(process, 'acknowledge').pk}/acknowledge/")
    record = open_task(process, "record_attendance")

    response = post(world.rita, f"tasks/{record.pk}/attendance/", {"result": "present"})

    assert response.status_code == 400
    assert "开班" in str(response.json()) or response.json()["non_field_errors"]
    record.refresh_from_db()
    assert record.status == STATUS.NEW and record.owner is None


@pytest.mark.parametrize(
    "busy",
    [LockBusy(), OperationalError("database is locked")],
    ids=["lock-busy", "sqlite-locked"],
)
def test_a_lock_held_by_someone_else_answers_409_and_keeps_nothing(named, staff, monkeypatch, busy):
    dispatch, process = named
    task = open_task(process, "confirm")
    before = event_count()

    def held(**kwargs):
        raise busy

    monkeypatch.setattr(dispatch_services, "dispatch_confirm", held)
    response = post(staff.lily, f"tasks/{task.pk}/confirm/")

    assert response.status_code == 409
    assert response.json()["detail"] == "该事项正在由他人办理，请稍后重试"
    task.refresh_from_db()
    assert task.status == STATUS.NEW and task.owner is None  # the claim rolled back too
    assert event_count() == before


def test_the_liaison_acknowledges_for_a_cadre_without_an_account(client, world, staff, klass):
    issue_roll_call(client, world, klass, [world.cadre_a1])  # 李玥 has no account
    dispatch = Dispatch.objects.get()
    process = process_of(dispatch)
    post(staff.lily, f"tasks/{open_task(process, 'confirm').pk}/confirm/")
    ack = open_task(process, "acknowledge")
    assert ack.owner is None

    assert post(world.dave, f"tasks/{ack.pk}/acknowledge/").status_code == 404
    assert post(staff.luke, f"tasks/{ack.pk}/acknowledge/").status_code == 404  # unit B's
    response = post(staff.lily, f"tasks/{ack.pk}/acknowledge/")

    assert response.status_code == 200, response.json()
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ACKNOWLEDGED
    ack.refresh_from_db()
    assert (ack.status, ack.owner) == (STATUS.DONE, staff.lily)
    assert open_task(process, "record_attendance").owner_permission == "org.record_attendance"


def test_an_unreadable_body_confirms_nothing_and_says_why_in_chinese(named, staff):
    """confirm takes no input, but a body that is not JSON is still a 400 — the caller
    sent something it thought mattered — and the dispatch stays unconfirmed."""
    dispatch, process = named
    task = open_task(process, "confirm")
    response = post(
        staff.lily, f"tasks/{task.pk}/confirm/", "{", format=None, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("请求内容不是有效的JSON")
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NAMED
    assert "dispatch.confirm" not in verbs(dispatch)


def test_a_field_the_action_does_not_read_is_refused_not_ignored(named, world, staff, klass):
    """{"confirm": false} sent to 确认 does not confirm; a named roll call sent with a
    misspelt field is not issued without it: each a 400 naming the field."""
    dispatch, process = named
    task = open_task(process, "confirm")
    response = post(staff.lily, f"tasks/{task.pk}/confirm/", {"confirm": False, "note": "不要"})
    assert response.status_code == 400
    assert set(response.json()) == {"confirm", "note"}
    assert "不接受该字段" in response.json()["confirm"][0]
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NAMED
    assert "dispatch.confirm" not in verbs(dispatch)

    before = Dispatch.objects.count()
    response = post(
        world.bob,
        "roll-calls/",
        {
            "training_class": klass.pk,
            "mode": "named",
            "response_deadline": "2099-01-01T18:00:00+08:00",
            "cadre": [world.cadre_b.pk],  # for "cadres"
        },
    )
    assert response.status_code == 400 and "cadre" in response.json()
    assert Dispatch.objects.count() == before


def test_who_may_not_take_the_step_hears_403_before_the_body_is_read(named, world, staff):
    """A head who sees the liaison's confirmation, or the liaison who sees the trainee's
    签收, is refused for the step, not for a body that is not JSON (a 400 would tell the
    caller to mend a request that can never succeed)."""
    dispatch, process = named
    task = open_task(process, "confirm")
    unreadable = {"format": None, "content_type": "application/json"}
    for action in ("confirm", "request"):
        refused = post(world.alice, f"tasks/{task.pk}/{action}/", "{", **unreadable)
        assert refused.status_code == 403, (action, refused.json())
    assert post(staff.lily, f"tasks/{task.pk}/confirm/").status_code == 200
    ack = open_task(process, "acknowledge")
    refused = post(staff.lily, f"tasks/{ack.pk}/acknowledge/", "{", **unreadable)
    assert refused.status_code == 403, refused.json()
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED
