"""Hour recognition (学时认定) through its approval, as the people in it see it: a request
the department head sends back comes back to the unit to correct and submit again (not
rejected), the approver reads which training and hours are asked for, and the cadre
hears the outcome as the liaison does (one message each)."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals.models import ApprovalRequest, RequestStatus
from audit.models import AuditEvent
from ledger.models import HourRecord
from notifications.models import Event, Notification
from tests.flowtools import (
    act,
    decide,
    open_task,
    process_of,
    recognition_post,
    task_url,
)

pytestmark = pytest.mark.usefixtures("media")

DAY = dt.date(2026, 3, 5)


def submitted(client, liaison, person, **changes):
    """`liaison` asks for 24 concentrated hours of `person` on DAY; the record, its
    recognition process and its (first) approval process."""
    client.force_login(liaison)
    response = recognition_post(client, person, date=DAY.isoformat(), **changes)
    assert response.status_code == 302, response.content.decode()[-2000:]
    record = HourRecord.objects.get(source="recognition", cadre=person)
    approval = ApprovalRequest.objects.get(subject_id=record.pk)
    return record, process_of(record, "RecognitionFlow"), process_of(approval, "ApprovalFlow")


def proof(name="证明.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 proof", content_type="application/pdf")


def test_a_request_sent_back_by_the_head_is_corrected_and_submitted_again(world, staff, client):
    record, process, first = submitted(client, staff.lily, world.cadre_a)
    assert decide(
        client, world.alice, first, "head_review", "sent_back", "请附结业证书"
    ).status_code
    assert ApprovalRequest.objects.get().status == RequestStatus.RETURNED

    # Not rejected: still pending, the process waits for the unit to correct it.
    record.refresh_from_db()
    assert record.status == "pending"
    process.refresh_from_db()
    assert process.status != "DONE"
    correct = open_task(process, "correct")
    assert AuditEvent.objects.filter(
        verb="hours.recognition_returned", target_id=str(record.pk), note="请附结业证书"
    ).exists()

    # The liaison's task says why and by whom, and offers the reason to correct.
    client.force_login(staff.lily)
    assert client.post(task_url(correct, "assign")).status_code == 302
    page = client.get(task_url(correct, "execute")).content.decode()
    assert "请附结业证书" in page and "中国干部网络学院" in page
    assert "参加省委党校专题班" in page  # the reason given, to correct
    # Someone else's unit cannot correct it.
    client.force_login(staff.luke)
    assert client.get(task_url(correct, "execute")).status_code in (403, 404)

    client.force_login(staff.lily)
    response = client.post(
        task_url(correct, "execute"),
        {"reason": "参加省委党校专题班，附结业证书", "attachment": proof()},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]

    # A new round of approval: a new request, with the corrected reason and the proof.
    second = ApprovalRequest.objects.order_by("-id").first()
    assert ApprovalRequest.objects.count() == 2 and second.status == RequestStatus.PENDING
    assert second.reason == "参加省委党校专题班，附结业证书"
    assert second.attachment.name.endswith(".pdf") and second.requested_by == staff.lily
    record.refresh_from_db()
    assert record.status == "pending" and record.note.startswith("中国干部网络学院：")
    assert record.attachment
    assert AuditEvent.objects.filter(
        verb="hours.recognition_resubmit", target_id=str(record.pk), actor=staff.lily
    ).exists()

    approval = process_of(second, "ApprovalFlow")
    decide(client, world.alice, approval, "head_review", "approved")
    decide(client, staff.oscar, approval, "managing_review", "approved")
    record.refresh_from_db()
    assert record.status == "recognized"
    process.refresh_from_db()
    assert process.status == "DONE"


def test_a_sent_back_request_cannot_be_corrected_twice_or_without_a_reason(world, staff, client):
    record, process, first = submitted(client, staff.lily, world.cadre_a)
    decide(client, world.alice, first, "head_review", "sent_back", "请附证明")
    correct = open_task(process, "correct")
    client.force_login(staff.lily)
    response = act(client, correct, {"reason": "  "})
    assert response.status_code == 200
    assert ApprovalRequest.objects.count() == 1
    # A file that is not what its name says is refused.
    bad = SimpleUploadedFile("证明.pdf", b"not a pdf", content_type="application/pdf")
    assert act(client, correct, {"reason": "补充", "attachment": bad}).status_code == 200
    assert ApprovalRequest.objects.count() == 1
    assert act(client, correct, {"reason": "补充说明"}).status_code == 302
    assert ApprovalRequest.objects.count() == 2
    # The task is done: no second correction into a third round.
    correct.refresh_from_db()
    assert correct.status == STATUS.DONE
    assert not Task.objects.filter(
        process=process, flow_task__endswith=".correct", status__in=[STATUS.NEW, STATUS.ASSIGNED]
    ).exists()


def test_a_rejected_request_ends_rejected(world, staff, client):
    record, process, first = submitted(client, staff.lily, world.cadre_a)
    decide(client, world.alice, first, "head_review", "rejected", "不符合认定范围")
    record.refresh_from_db()
    process.refresh_from_db()
    assert record.status == "rejected" and process.status == "DONE"


def test_the_approver_reads_which_training_and_hours_are_asked_for(world, staff, client):
    record, process, approval = submitted(
        client, staff.lily, world.cadre_a, provider="省委党校", hours="8"
    )
    request = ApprovalRequest.objects.get()
    assert "2026年3月5日" in request.title and "8学时" in request.title
    head = open_task(approval, "head_review")
    client.force_login(world.alice)
    assert client.post(task_url(head, "assign")).status_code == 302
    page = client.get(task_url(head, "execute")).content.decode()
    for label, value in (
        ("日期", "2026年3月5日"),
        ("培训类型", "集中培训"),
        ("学时", "8"),
        ("平台或机构", "省委党校"),
        ("理由", "参加省委党校专题班"),
    ):
        assert re.search(rf"<th>{label}</th>\s*<td[^>]*>{value}</td>", page), (label, value)
    # The reason is the reason, the provider is on its own line.
    assert request.reason == "参加省委党校专题班"
    # The message that the decision waits says it too.
    waiting = Notification.objects.filter(event=Event.APPROVAL_WAITING, recipient=world.alice)
    assert any("2026年3月5日" in n.body and "省委党校" in n.body for n in waiting)


def test_the_cadre_hears_the_outcome_as_the_liaison_does(world, staff, client):
    record, process, approval = submitted(client, staff.lily, world.cadre_a)
    decide(client, world.alice, approval, "head_review", "approved")
    decide(client, staff.oscar, approval, "managing_review", "approved")
    record.refresh_from_db()
    assert record.status == "recognized"
    decided = Notification.objects.filter(event=Event.DECISION_MADE)
    assert sorted(decided.values_list("recipient__username", flat=True)) == ["dave", "lily"]
    to_dave = decided.get(recipient=world.dave)
    assert "王堃" in to_dave.title and "已同意" in to_dave.title
    assert to_dave.url == f"/cadres/{world.cadre_a.pk}/record/"
    # The cadre may open it: their own training record.
    client.force_login(world.dave)
    assert client.get(to_dave.url).status_code == 200


def test_a_cadre_who_is_also_the_liaison_gets_one_message(world, staff, client):
    from org.models import Cadre

    Cadre.objects.filter(pk=world.cadre_a1.pk).update(user=staff.lily)
    record, process, approval = submitted(client, staff.lily, world.cadre_a1)
    decide(client, world.alice, approval, "head_review", "sent_back", "请附证明")
    decided = Notification.objects.filter(event=Event.DECISION_MADE)
    assert list(decided.values_list("recipient__username", flat=True)) == ["lily"]
    assert "已退回申请单位" in decided.get().title
