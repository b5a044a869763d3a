"""What the next person sees on an approval task: the request, the reasons given round by
round, the attachment (for those who decide and no one else), and a refusal beside the
field it concerns."""

import pytest

from approvals.models import ApprovalRequest
from dispatch.models import Dispatch
from tests.flowtools import (
    act,
    decide,
    issue_roll_call,
    named,
    open_task,
    process_of,
    request,
    task_url,
)


def task_page(client, person, task):
    """Open a task's page as `person`, claiming it first if nobody holds it."""
    from tests.flowtools import task_url

    client.force_login(person)
    task.refresh_from_db()
    if task.owner_id is None:
        assert client.post(task_url(task, "assign")).status_code == 302
    response = client.get(task_url(task, "execute"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_head_sees_the_org_departments_send_back_reason_in_round_two(
    world, staff, klass, client
):
    dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave", reason="母亲住院需陪护")
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    decide(client, world.alice, approval_process, "head_review", "approved", "同意")
    decide(client, staff.oscar, approval_process, "managing_review", "sent_back", "请补充住院证明")

    page = task_page(client, world.alice, open_task(approval_process, "head_review"))
    # The request itself: kind, reason and whom it is about.
    assert "请假" in page and "母亲住院需陪护" in page
    assert world.cadre_a.name in page and klass.name in page
    # The history: who decided what, and why, round by round.
    assert "请补充住院证明" in page and "已退回" in page and "oscar" in page
    assert "同意" in page and "alice" in page
    # No raw dump of the request's fields.
    for raw in ("Subject type", "Subject id", "Parent Task", "request_kind", "{&#x27;"):
        assert raw not in page, raw


def test_the_liaison_sees_the_heads_rejection_reason_back_at_confirmation(
    world, staff, klass, client
):
    dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "deferral")
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    decide(client, world.alice, approval_process, "head_review", "rejected", "年度重点班次不宜缓训")

    page = task_page(client, staff.lily, open_task(process, "confirm"))
    assert "年度重点班次不宜缓训" in page and "未同意" in page

    from notifications.models import Notification

    told = Notification.objects.get(event="decision_made", recipient=staff.lily)
    assert "年度重点班次不宜缓训" in told.body  # the reason travels with the decision


def test_the_attachment_opens_for_those_who_decide_and_no_one_else(
    world, staff, klass, client, media
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    dispatch, process = named(client, world, klass, world.cadre_a)
    client.force_login(staff.lily)
    proof = SimpleUploadedFile("proof.pdf", b"%PDF-1.4 proof", content_type="application/pdf")
    act(
        client,
        open_task(process, "confirm"),
        {"action": "request", "kind": "leave", "reason": "住院", "attachment": proof},
    )
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    url = f"/workflow/approval/{approval_process.pk}/attachment/"

    page = task_page(client, world.alice, open_task(approval_process, "head_review"))
    assert url in page and "proof" in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 proof"
    assert "attachment" in response["Content-Disposition"]

    # The org department decides next and may open it too; the requesting unit as well.
    decide(client, world.alice, approval_process, "head_review", "approved")
    for insider in (staff.oscar, staff.lily):
        client.force_login(insider)
        assert client.get(url).status_code == 200, insider

    for outsider in (world.charlie, world.carol, staff.luke, world.dave, world.nobody):
        client.force_login(outsider)
        assert client.get(url).status_code == 404, outsider
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_a_request_without_attachment_has_nothing_to_download(world, staff, klass, client):
    dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave")
    approval_process = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    client.force_login(world.alice)
    assert client.get(f"/workflow/approval/{approval_process.pk}/attachment/").status_code == 404


@pytest.mark.klass(name="全市专题培训班", credit_hours=40)
def test_an_approval_rejected_without_a_comment_is_refused_beside_it(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    client.force_login(staff.lily)
    task = open_task(process, "confirm")
    client.post(task_url(task, "assign"))
    page = client.get(task_url(task, "execute")).content.decode()
    assert page.count("申请不参训时必填") == 2  # beside 申请类别 and 理由
    act(client, task, {"action": "request", "kind": "leave", "reason": "出差"})
    approval = process_of(ApprovalRequest.objects.get(), "ApprovalFlow")
    client.force_login(world.alice)
    response = act(client, open_task(approval, "head_review"), {"decision": "rejected"})
    page = response.content.decode()
    assert response.status_code == 200
    comment = page[page.index('name="comment"') - 600 : page.index('name="comment"')]
    assert "请说明" in comment, comment
    assert ApprovalRequest.objects.get().status == "pending"
    # A comment too long is said to be too long, not missing.
    response = act(
        client, open_task(approval, "head_review"), {"decision": "rejected", "comment": "不" * 1001}
    )
    page = response.content.decode()
    assert "不能超过1000个字" in page and "请说明" not in page.split('name="comment"')[0][-600:]
    assert ApprovalRequest.objects.get().status == "pending"
