"""Leave, deferral or exemption asked at 签收: a trainee who finds a conflict once the
入学通知 came (illness, an urgent duty) — or the unit's liaison acknowledging for a cadre
without an account — asks instead of acknowledging. The same approval decides; approved,
the notice is no longer in force; refused, the notice stands and is to be acknowledged by
a new due moment (or, the class begun meanwhile, the registrar records whether the
cadre came)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext
from viewflow.workflow.status import STATUS

from approvals.models import ApprovalRequest, RequestStatus
from audit.models import AuditEvent
from core.deadlines import close_of_business
from dispatch import services
from dispatch.models import Dispatch, DispatchStatus, Makeup, TrainingClass
from dispatch.policy import answer_refusal
from dispatch.services import training_class_save
from notifications import acknowledgement as inbox
from notifications.models import Event, IssuedDocument, Notification
from tests.factories import cadre, user
from tests.flowtools import (
    act,
    decide,
    fire_at,
    issue_roll_call,
    open_task,
    process_of,
    start_class,
    task_url,
)

pytestmark = [
    pytest.mark.klass(name="全市专题培训班", credit_hours=40),
    pytest.mark.usefixtures("media"),
]

REASON = "突发急性阑尾炎，需住院手术"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
INSTEAD = "%(kind)s request instead of acknowledging; the notice stands until it is decided"
VOID = (
    "Leave or deferral has been approved: the notice is no longer in force and needs no "
    "acknowledgement."
)
WAITING = (
    "A request for leave, deferral or exemption awaits its decision: the notice is "
    "acknowledged if it is refused."
)


def zh(msgid, **params) -> str:
    """A message as the pages (zh-hans) print it."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
        return escape(text % {k: gettext(v) for k, v in params.items()} if params else text)


def notified(client, world, staff, klass, person):
    """`person` named for `klass` and confirmed by the liaison: the dispatch (its notice
    issued, waiting for 签收) and its process."""
    issue_roll_call(client, world, klass, [person])
    dispatch = Dispatch.objects.get(cadre=person)
    process = process_of(dispatch, "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED
    return dispatch, process


def ask(client, person, process, kind="leave", reason=REASON, **extra):
    """`person` answers the 签收 step with a request of `kind`; the POST response."""
    client.force_login(person)
    data = {"action": "request", "kind": kind, "reason": reason, **extra}
    return act(client, open_task(process, "acknowledge"), data)


def approval_of(dispatch):
    return process_of(ApprovalRequest.objects.get(subject_id=dispatch.pk), "ApprovalFlow")


def nothing_written(dispatch, process):
    """The dispatch still waits for 签收, its task open, and no request or its event."""
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED
    assert not dispatch.request_kind and dispatch.requested_by_id is None
    assert not dispatch.request_attachment
    assert not ApprovalRequest.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="dispatch.request").exists()
    assert open_task(process, "acknowledge")


def test_the_trainee_asks_leave_at_the_acknowledgement_and_the_approval_voids_the_notice(
    world, staff, klass, client
):
    dispatch, process = notified(client, world, staff, klass, world.cadre_a)
    number = dispatch.notice_reference
    client.force_login(world.dave)
    page = client.get(task_url(open_task(process, "acknowledge"), "execute")).content.decode()
    assert zh("Request leave, deferral or exemption instead") in page

    response = ask(client, world.dave, process, "leave")
    assert response.status_code == 302
    assert zh(INSTEAD, kind="Leave") in client.get(response.url).content.decode()
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.REQUESTED
    assert (dispatch.request_kind, dispatch.request_reason) == ("leave", REASON)
    assert dispatch.requested_by == world.dave
    event = AuditEvent.objects.get(verb="dispatch.request.leave", target_id=str(dispatch.pk))
    assert (event.actor, event.note) == (world.dave, f"after_notice:{number}")
    # While it waits, the inbox offers no 签收 of the notice, and says why.
    notice = Notification.objects.get(recipient=world.dave, event=Event.NOTICE_ISSUED)
    with translation.override("zh-hans"):
        assert inbox.refusal(notice) == gettext(WAITING)

    # The unit's head decides, seeing that the notice had been issued.
    approval = approval_of(dispatch)
    head_task = open_task(approval, "head_review")
    client.force_login(world.alice)
    assert client.post(task_url(head_task, "assign")).status_code == 302
    page = client.get(task_url(head_task, "execute")).content.decode()
    assert zh("Notice issued (%(number)s)") % {"number": number} in page
    decide(client, world.alice, approval, "head_review", "approved")
    decide(client, staff.oscar, approval, "managing_review", "approved")

    dispatch.refresh_from_db()
    assert ApprovalRequest.objects.get().status == RequestStatus.APPROVED
    assert dispatch.status == DispatchStatus.DEFERRED and dispatch.get_status_display() == "请假"
    assert dispatch.acknowledge_due is None and dispatch.acknowledged_at is None
    assert dispatch.notice_reference == number  # what was issued, no longer in force
    assert Makeup.objects.get(source=dispatch).reason == "leave"
    voided = AuditEvent.objects.get(verb="dispatch.defer", target_id=str(dispatch.pk))
    assert voided.note == f"notice_void:{number}"
    process.refresh_from_db()
    assert process.status == "DONE"
    assert not process.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]).exists()
    with translation.override("zh-hans"):
        assert inbox.refusal(notice) == gettext(VOID)


def test_a_refused_request_reopens_the_acknowledgement_by_a_new_due_moment(
    world, staff, klass, client
):
    dispatch, process = notified(client, world, staff, klass, world.cadre_a)
    first_due = dispatch.acknowledge_due
    assert ask(client, world.dave, process, "deferral").status_code == 302
    approval = approval_of(dispatch)

    later = timezone.now() + dt.timedelta(days=2)
    with time_machine.travel(later, tick=False):
        response = decide(client, world.alice, approval, "head_review", "rejected", "培训不宜缓")
        assert response.status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED and not dispatch.escalated
    # The trainee who asked hears the decision once, with its reason, linked to a page of
    # theirs (the approval's page is a 404 for them).
    [decision] = Notification.objects.filter(recipient=world.dave, event=Event.DECISION_MADE)
    assert decision.url == f"/cadres/{world.cadre_a.pk}/record/"
    assert "培训不宜缓" in decision.body
    client.force_login(world.dave)
    assert client.get(decision.url).status_code == 200
    three_days_on = close_of_business(timezone.localdate(later) + dt.timedelta(days=3))
    assert dispatch.acknowledge_due == three_days_on > first_due
    # Back to 签收, not to the unit's confirmation: the notice stands.
    task = open_task(process, "acknowledge")
    assert task.owner == world.dave
    assert not process.task_set.filter(
        flow_task__endswith=".confirm", status__in=[STATUS.NEW, STATUS.ASSIGNED]
    ).exists()
    client.force_login(world.dave)
    page = client.get(task_url(task, "execute")).content.decode()
    assert "培训不宜缓" in page  # the page says who turned it down and why

    assert act(client, task, {"confirm": "on"}).status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ACKNOWLEDGED
    assert open_task(process, "record_attendance")


def test_a_refusal_after_the_class_began_goes_to_the_registrar(world, staff, klass, client):
    dispatch, process = notified(client, world, staff, klass, world.cadre_a)
    ask(client, world.dave, process, "exemption")
    approval = approval_of(dispatch)
    start_class(klass, running=True)
    decide(client, world.alice, approval, "head_review", "rejected", "已开班")
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED
    assert open_task(process, "record_attendance")
    assert not process.task_set.filter(
        flow_task__endswith=".acknowledge", status__in=[STATUS.NEW, STATUS.ASSIGNED]
    ).exists()


def test_no_acknowledgement_reminder_or_escalation_while_the_request_waits(
    world, staff, klass, client
):
    dispatch, process = notified(client, world, staff, klass, world.cadre_a)
    due = dispatch.acknowledge_due
    fire_at(due - dt.timedelta(hours=6))  # the reminder, and the escalation's timer armed
    assert AuditEvent.objects.filter(verb="dispatch.remind.acknowledge").count() == 1
    with time_machine.travel(due - dt.timedelta(hours=5), tick=False):
        assert ask(client, world.dave, process, "leave").status_code == 302

    fire_at(due + dt.timedelta(hours=1))
    fire_at(due + dt.timedelta(days=1))
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.REQUESTED and not dispatch.escalated
    assert not AuditEvent.objects.filter(verb="dispatch.escalate.acknowledge").exists()
    assert AuditEvent.objects.filter(verb="dispatch.remind.acknowledge").count() == 1


def test_the_liaison_asks_for_a_cadre_without_an_account(world, staff, klass, client):
    dispatch, process = notified(client, world, staff, klass, world.cadre_a1)
    response = ask(
        client,
        staff.lily,
        process,
        "exemption",
        attachment=SimpleUploadedFile("病历.pdf", PDF),
    )
    assert response.status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.REQUESTED
    assert dispatch.requested_by == staff.lily and dispatch.request_attachment
    request = ApprovalRequest.objects.get()
    assert request.requested_by == staff.lily and request.attachment

    approval = approval_of(dispatch)
    decide(client, world.alice, approval, "head_review", "approved")
    decide(client, staff.oscar, approval, "managing_review", "approved")
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.EXEMPT and dispatch.acknowledge_due is None
    assert not Makeup.objects.exists()


def test_outsiders_may_not_ask(world, staff, klass, client):
    dispatch, process = notified(client, world, staff, klass, world.cadre_a)
    url = task_url(open_task(process, "acknowledge"), "execute")
    data = {"action": "request", "kind": "leave", "reason": REASON}
    # Another unit's liaison and another trainee: the process is out of their reach.
    other_trainee = user("tina", "trainee")
    cadre("赵敏", world.a, world.city_od, user=other_trainee, male=False)
    for outsider in (staff.luke, other_trainee):
        client.force_login(outsider)
        assert client.post(url, data).status_code == 404
    # The unit's head sees the dispatch, but the step is not hers.
    client.force_login(world.alice)
    assert client.post(url, data).status_code == 403
    nothing_written(dispatch, process)

    # The service refuses them too — and a dispatcher, who may 签收 an escalated notice
    # for the department, but not ask in the unit's stead.
    for person in (staff.luke, other_trainee, world.alice, world.bob):
        with pytest.raises(PermissionDenied):
            services.dispatch_request_after_notice(
                actor=person, dispatch=dispatch, kind="leave", reason=REASON
            )
    nothing_written(dispatch, process)


def test_a_dispatcher_acknowledging_an_escalated_notice_is_not_offered_the_request(
    world, staff, klass, client
):
    dispatch, process = notified(client, world, staff, klass, world.cadre_a1)
    fire_at(dispatch.acknowledge_due - dt.timedelta(hours=6))
    fire_at(dispatch.acknowledge_due + dt.timedelta(hours=1))
    task = open_task(process, "acknowledge")
    client.force_login(world.bob)
    assert client.post(task_url(task, "assign")).status_code == 302
    page = client.get(task_url(task, "execute")).content.decode()
    assert zh("Request leave, deferral or exemption instead") not in page
    assert 'name="reason"' not in page


def test_no_request_once_the_class_has_begun(world, staff, klass, client):
    dispatch, process = notified(client, world, staff, klass, world.cadre_a)
    start_class(klass, running=True)  # the class-start timer has not swept yet
    klass.refresh_from_db()
    response = ask(client, world.dave, process, "leave")
    assert response.status_code == 200
    with translation.override("zh-hans"):
        began = answer_refusal(klass)
    assert escape(began) in response.content.decode()
    nothing_written(dispatch, process)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("note.pdf", b"<html></html>", "附件内容与其 PDF 扩展名不符"),
        ("setup.exe", b"MZ\x90\x00", "附件须为"),
    ],
)
def test_the_attachment_is_checked_as_at_the_confirmation(
    world, staff, klass, client, name, content, message
):
    dispatch, process = notified(client, world, staff, klass, world.cadre_a)
    response = ask(client, world.dave, process, attachment=SimpleUploadedFile(name, content))
    assert response.status_code == 200 and message in response.content.decode()
    nothing_written(dispatch, process)
    # The service checks it alike (whoever calls it: the API, a script).
    with pytest.raises(ValidationError) as refused:
        services.dispatch_request_after_notice(
            actor=world.dave,
            dispatch=dispatch,
            kind="leave",
            reason=REASON,
            attachment=SimpleUploadedFile(name, content),
        )
    assert "attachment" in refused.value.message_dict
    nothing_written(dispatch, process)


def test_a_reason_is_required_and_bounded(world, staff, klass, client):
    dispatch, process = notified(client, world, staff, klass, world.cadre_a)
    required = zh("Please give a reason for the request.")
    for reason in ("", "  "):
        response = ask(client, world.dave, process, reason=reason)
        assert response.status_code == 200 and required in response.content.decode()
    response = ask(client, world.dave, process, reason="理" * 1001)
    assert response.status_code == 200 and "1000" in response.content.decode()
    nothing_written(dispatch, process)
    with pytest.raises(ValidationError) as refused:
        services.dispatch_request_after_notice(
            actor=world.dave, dispatch=dispatch, kind="leave", reason="理" * 1001
        )
    assert "reason" in refused.value.message_dict
    nothing_written(dispatch, process)


def test_a_class_moved_while_the_request_waits_reissues_the_notice(world, staff, klass, client):
    """The notice stands while the request waits: a class change reissues it, and the
    new one is what the trainee signs for if the request is refused."""
    dispatch, process = notified(client, world, staff, klass, world.cadre_a)
    old = dispatch.notice_reference
    ask(client, world.dave, process, "leave")
    moved = TrainingClass.objects.get(pk=klass.pk)
    later = dt.timedelta(days=7)
    moved.start_date, moved.end_date = moved.start_date + later, moved.end_date + later
    moved.report_date += later
    training_class_save(actor=world.bob, training_class=moved)
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.REQUESTED and dispatch.notice_reference != old
    assert IssuedDocument.objects.get(document_number=dispatch.notice_reference).supersedes
    new_notice = Notification.objects.get(
        recipient=world.dave, document__document_number=dispatch.notice_reference
    )
    assert new_notice.requires_ack

    decide(client, world.alice, approval_of(dispatch), "head_review", "rejected", "不予批准")
    assert inbox.refusal(new_notice) is None  # 签收 of the new notice is open again
