"""A task page's side panel shows the process's data only to those who may view the
process (the rule of its page). A registrar records the attendance of a dispatch whose
page is not theirs: the panel of their claim, form and detail pages used to list the
whole dispatch — the unit's refused leave request with its reason and attachment, who
made it, the address the notice was signed from. They see what their step shows."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals.models import ApprovalRequest
from dispatch.models import AttendanceResult, Dispatch, DispatchStatus
from tests.flowtools import act, decide, named, open_task, process_of, start_class, task_url

pytestmark = [
    pytest.mark.klass(name="全市专题培训班", credit_hours=40),
    pytest.mark.usefixtures("media"),
]

REASON = "住院治疗（肿瘤科）"
ATTACHMENT = "病假证明"
IP = "10.0.0.1"
REQUESTER = "林丽"

#: what the registrar's step needs (AttendanceView.details): the cadre, unit and class
STEP = ("王堃", "全市专题培训班")


def panel(page: str) -> str:
    start = page.index("xd-panel")
    return page[start : page.index("</table>", start)]


@pytest.fixture
def refused(world, staff, klass, client):
    """Unit A asked leave for 王堃 (with a medical certificate), the head refused it and
    the unit confirmed: the dispatch's process, with the trainee's acknowledgement open."""
    get_user_model().objects.filter(pk=staff.lily.pk).update(first_name=REQUESTER)
    dispatch, process = named(client, world, klass, world.cadre_a)
    client.force_login(staff.lily)
    proof = SimpleUploadedFile(
        f"{ATTACHMENT}.pdf", b"%PDF-1.4 proof", content_type="application/pdf"
    )
    act(
        client,
        open_task(process, "confirm"),
        {"action": "request", "kind": "leave", "reason": REASON, "attachment": proof},
    )
    approval = process_of(ApprovalRequest.objects.get(subject_id=dispatch.pk), "ApprovalFlow")
    response = decide(client, world.alice, approval, "head_review", "rejected", "请按时参训")
    assert response.status_code == 302
    client.force_login(staff.lily)
    assert act(client, open_task(process, "confirm"), {"action": "confirm"}).status_code == 302
    return process


@pytest.fixture
def attendance(world, klass, client, refused):
    """… then the trainee signed the notice from 10.0.0.1, and the class has ended: the
    dispatch's process, with the registrar's task open."""
    process = refused
    client.force_login(world.dave)
    task = open_task(process, "acknowledge")
    client.post(task_url(task, "assign"), REMOTE_ADDR=IP)
    response = client.post(task_url(task, "execute"), {"confirm": "on"}, REMOTE_ADDR=IP)
    assert response.status_code == 302
    start_class(klass)
    dispatch = Dispatch.objects.get()
    assert dispatch.request_reason == REASON and dispatch.acknowledged_ip == IP
    assert ATTACHMENT in dispatch.request_attachment.name
    return process


def assert_private(page: str):
    for secret in (REASON, ATTACHMENT, IP, REQUESTER):
        assert secret not in page, secret


def test_the_registrars_task_pages_do_not_show_the_dispatchs_private_fields(
    world, attendance, client
):
    task = open_task(attendance, "record_attendance")
    client.force_login(world.rita)
    # The process page itself is not the registrar's.
    assert client.get(f"/workflow/dispatch/{attendance.pk}/").status_code == 403

    page = client.get(task_url(task, "assign")).content.decode()
    assert_private(page)
    # The panel: the process's status and what the step needs.
    shown = panel(page)
    assert "流程状态" in shown and all(fact in shown for fact in STEP), shown

    assert client.post(task_url(task, "assign")).status_code == 302
    page = client.get(task_url(task, "execute")).content.decode()
    assert_private(page)
    assert all(fact in page for fact in STEP)

    # Its detail page is the process's (Viewflow's `can_view`): not the registrar's.
    response = client.get(task_url(task, "detail"))
    assert response.status_code == 403
    assert_private(response.content.decode())

    # The step still works.
    response = client.post(task_url(task, "execute"), {"result": AttendanceResult.PRESENT})
    assert response.status_code == 302
    assert Dispatch.objects.get().status == DispatchStatus.ATTENDED


def test_the_trainees_task_page_shows_no_more_than_the_step(world, refused, client):
    """The trainee, who may not view the dispatch either, signs the notice: the page
    shows the step's facts, not the unit's refused request nor who made it."""
    client.force_login(world.dave)
    assert client.get(f"/workflow/dispatch/{refused.pk}/").status_code == 403
    page = client.get(task_url(open_task(refused, "acknowledge"), "execute")).content.decode()
    assert all(fact in page for fact in STEP)
    assert "流程状态" in panel(page)
    for secret in (REASON, ATTACHMENT, REQUESTER):
        assert secret not in page, secret


def test_the_dispatcher_still_sees_them_on_the_process_page(world, attendance, client):
    client.force_login(world.bob)
    page = client.get(f"/workflow/dispatch/{attendance.pk}/").content.decode()
    shown = panel(page)
    for secret in (REASON, ATTACHMENT, IP, REQUESTER):
        assert secret in shown, secret
    # And on the registrar's task page, since the dispatch is the dispatcher's to read.
    task = open_task(attendance, "record_attendance")
    shown = panel(client.get(task_url(task, "detail")).content.decode())
    assert REASON in shown and IP in shown
