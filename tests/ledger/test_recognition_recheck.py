"""Hour recognition checked again when it is decided: hours that entered the ledger after
the request (a class's attendance, a filing, an online import) cannot be approved — the
approver is told where the ledger holds them and may still reject — and a final approval
that lands anyway does not count them twice."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum

from approvals import policy as approval_policy
from approvals import services as approval_services
from approvals.models import ApprovalRequest, Decision, RequestStatus
from approvals.policy import HEAD_STAGE
from audit.models import AuditEvent
from ledger import services as ledger_services
from ledger.models import HourRecord
from tests.factories import credit
from tests.flowtools import act, decide, open_task, process_of, recognition_post, task_url


def _day():
    """The day `recognition_post` asks for (read when asked: a run may pass midnight)."""
    return dt.date.today() - dt.timedelta(days=30)


def submitted(client, staff, person, **changes):
    """The liaison of A asks for `person`'s hours; the record and its approval process."""
    client.force_login(staff.lily)
    response = recognition_post(client, person, **changes)
    assert response.status_code == 302, response.content.decode()[-2000:]
    record = HourRecord.objects.get(source="recognition", cadre=person)
    return record, process_of(ApprovalRequest.objects.get(subject_id=record.pk), "ApprovalFlow")


def attended(person, note="春季专题班"):
    """The same 24 concentrated hours credited by a class after the request."""
    record = credit(person, 24, _day())
    HourRecord.objects.filter(pk=record.pk).update(note=note)
    return record


def errors(response) -> str:
    assert response.status_code == 200
    return " ".join(
        re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    )


def recognized_hours(person) -> Decimal:
    total = HourRecord.objects.filter(cadre=person, status="recognized").aggregate(s=Sum("hours"))
    return total["s"] or Decimal(0)


def test_the_service_refuses_to_approve_hours_the_ledger_came_to_hold(world, staff, client):
    record, approval = submitted(client, staff, world.cadre_a)
    step = approval_services.current_steps(approval.artifact, HEAD_STAGE)[0]
    assert approval_policy.approval_refusal(approval.artifact) is None
    attended(world.cadre_a)
    with pytest.raises(ValidationError) as refused:
        approval_services.step_decide(actor=world.alice, step=step, decision=Decision.APPROVED)
    [message] = refused.value.message_dict["decision"]
    assert "王堃" in message and "春季专题班" in message and "24" in message, message
    step.refresh_from_db()
    assert step.decision == Decision.PENDING
    # Rejecting (with a reason) and sending back stay open.
    approval_services.step_decide(
        actor=world.alice, step=step, decision=Decision.REJECTED, comment="学时已由培训班记入"
    )
    step.refresh_from_db()
    assert step.decision == Decision.REJECTED


def test_the_platforms_own_import_is_found_whatever_the_provider_spells(world, staff, client):
    """Hours imported from the platform named — here with a "：" in its name — count as
    the hours asked for, other hours of the day too."""
    day = dt.date.today() - dt.timedelta(days=3)
    platform = "学习平台：省级"
    record, approval = submitted(
        client,
        staff,
        world.cadre_a,
        date=day.isoformat(),
        hours="3",
        kind="online",
        provider=platform,
        reason="专题学习：第二期",
    )
    assert ledger_services.recognition_refusal(record) is None
    text = (
        "身份证号码,姓名,学习日期,学时,课程,平台\n"
        f"{world.cadre_a.id_number},王堃,{day.isoformat()},2,党史学习,{platform}\n"
    )
    upload = SimpleUploadedFile("hours.csv", text.encode(), content_type="text/csv")
    hour_import = ledger_services.hours_import_preview(
        actor=world.bob, upload=upload, name="hours.csv"
    )
    ledger_services.hours_import_commit(actor=world.bob, hour_import=hour_import)
    assert platform in ledger_services.recognition_refusal(record)


def test_the_approve_page_refuses_and_reject_still_works(world, staff, client):
    record, approval = submitted(client, staff, world.cadre_a)
    attended(world.cadre_a)
    task = open_task(approval, "head_review")
    client.force_login(world.alice)
    assert client.post(task_url(task, "assign")).status_code == 302
    # The approver who opens the step is told before choosing.
    page = client.get(task_url(task, "execute")).content.decode()
    assert "王堃" in page and "春季专题班" in page
    # Approving is refused with the ledger's reason; nothing moves.
    message = errors(act(client, task, {"decision": "approved", "comment": ""}))
    assert "王堃" in message and "春季专题班" in message, message
    task.refresh_from_db()
    assert task.status == "ASSIGNED"
    record.refresh_from_db()
    assert record.status == "pending"
    # Rejecting still works and closes the request.
    response = decide(client, world.alice, approval, "head_review", "rejected", "已由培训班记入")
    assert response.status_code == 302
    assert ApprovalRequest.objects.get().status == RequestStatus.REJECTED
    record.refresh_from_db()
    assert record.status == "rejected"
    assert recognized_hours(world.cadre_a) == 24


def test_a_final_approval_landing_as_the_hours_are_credited_does_not_count_twice(
    world, staff, client, monkeypatch
):
    record, approval = submitted(client, staff, world.cadre_a)
    decide(client, world.alice, approval, "head_review", "approved")

    def credited_right_after_the_check(request):
        # The class's attendance is credited as the department's approval lands (once:
        # the page asks too).
        if not HourRecord.objects.filter(source="class").exists():
            attended(world.cadre_a)
        return None

    monkeypatch.setattr(approval_policy, "approval_refusal", credited_right_after_the_check)
    response = decide(client, staff.oscar, approval, "managing_review", "approved")
    assert response.status_code == 302
    assert ApprovalRequest.objects.get().status == RequestStatus.APPROVED
    record.refresh_from_db()
    assert record.status == "rejected"
    assert recognized_hours(world.cadre_a) == 24  # the class's hours, once
    event = AuditEvent.objects.get(verb="hours.recognition_refused", target_id=str(record.pk))
    assert "春季专题班" in event.note
    assert (event.before["status"], event.after["status"]) == ("pending", "rejected")


def test_an_approval_of_hours_the_ledger_does_not_hold_is_recognized(world, staff, client):
    record, approval = submitted(client, staff, world.cadre_a)
    credit(world.cadre_a, 16, _day())  # other hours that day: other training
    decide(client, world.alice, approval, "head_review", "approved")
    decide(client, staff.oscar, approval, "managing_review", "approved")
    record.refresh_from_db()
    assert record.status == "recognized"
    assert not AuditEvent.objects.filter(verb="hours.recognition_refused").exists()
