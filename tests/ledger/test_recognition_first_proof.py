"""A recognition request (学时认定) carries its proof from the first submission: the
liaison's start form offers an attachment, checked as the correction's is, kept on the
record and sent to the approvers, who can download it."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals.models import ApprovalRequest
from ledger.models import HourRecord
from tests.flowtools import open_task, process_of, recognition_post, task_url

pytestmark = pytest.mark.usefixtures("media")

DAY = dt.date(2026, 3, 5).isoformat()


def proof(name="结业证书.pdf", content=b"%PDF-1.4 proof"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_the_start_form_offers_an_attachment_and_posts_it_as_a_file(world, staff, client):
    client.force_login(staff.lily)
    page = client.get("/workflow/recognition/start/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file" name="attachment"' in page


def test_the_proof_sent_with_the_request_reaches_the_approvers(world, staff, client):
    client.force_login(staff.lily)
    response = recognition_post(client, world.cadre_a, date=DAY, attachment=proof())
    assert response.status_code == 302, response.content.decode()[-2000:]
    record = HourRecord.objects.get(source="recognition", cadre=world.cadre_a)
    assert record.attachment.name.startswith("recognitions/")
    assert record.attachment.read().startswith(b"%PDF-")
    request = ApprovalRequest.objects.get(subject_id=record.pk)
    assert request.attachment.name.endswith(".pdf")

    # The department head reads it on the approval and downloads it.
    head = open_task(process_of(request, "ApprovalFlow"), "head_review")
    client.force_login(world.alice)
    assert client.post(task_url(head, "assign")).status_code == 302
    page = client.get(task_url(head, "execute")).content.decode()
    assert "结业证书" in page and "/attachment/" in page


def test_a_request_without_a_proof_is_still_accepted(world, staff, client):
    client.force_login(staff.lily)
    assert recognition_post(client, world.cadre_a, date=DAY).status_code == 302
    record = HourRecord.objects.get(source="recognition", cadre=world.cadre_a)
    assert not record.attachment
    assert not ApprovalRequest.objects.get(subject_id=record.pk).attachment


def test_a_file_that_is_not_what_its_name_says_is_refused(world, staff, client):
    client.force_login(staff.lily)
    fake = proof(content=b"<html>not a pdf</html>")
    response = recognition_post(client, world.cadre_a, date=DAY, attachment=fake)
    assert response.status_code == 200
    assert not HourRecord.objects.filter(source="recognition").exists()
    assert not ApprovalRequest.objects.exists()


def test_the_service_checks_the_attachment_too(world, staff):
    from django.core.exceptions import ValidationError

    from ledger.services import recognition_submit

    with pytest.raises(ValidationError) as refused:
        recognition_submit(
            actor=staff.lily,
            cadre=world.cadre_a,
            date=dt.date(2026, 3, 5),
            hours="8",
            kind="concentrated",
            provider="省委党校",
            reason="参加专题班",
            attachment=SimpleUploadedFile("证明.exe", b"MZ", content_type="application/x"),
        )
    assert "attachment" in refused.value.message_dict
    assert not HourRecord.objects.filter(source="recognition").exists()
