"""A notice's 签收 is asked only while its dispatch awaits it (notified — also once the
class has begun). A roll call cancelled, or the trainee recorded absent, used to leave the
入学通知 asking for 签收 in the inbox and accepting it: "已签收", an audited receipt of an
order withdrawn, while the dispatch stayed cancelled. Now the inbox says why no 签收 is
needed and `notifications.services.acknowledge` refuses, writing nothing."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from audit.models import AuditEvent
from dispatch.acknowledgement import refusal_reason, replaced_reason
from dispatch.models import Dispatch, DispatchStatus
from notifications import services
from notifications.models import Event, IssuedDocument, Notification
from tests.flowtools import act, issue_roll_call, open_task, process_of

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)

CANCELLED = "The dispatch has been cancelled: no acknowledgement is needed."
ATTENDANCE = "Attendance has been recorded (%(status)s): no acknowledgement is needed."


def zh(msgid, **params) -> str:
    """A message as the pages (zh-hans) print it."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
        if params:
            text = text % {k: gettext(v) for k, v in params.items()}
        return escape(text)


def notified(client, world, staff, klass, cadre):
    """`cadre` named for `klass` and confirmed by the liaison: the dispatch and process."""
    issue_roll_call(client, world, klass, [cadre])
    dispatch = Dispatch.objects.get(cadre=cadre)
    process = process_of(dispatch, "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED
    return dispatch, process


def cancel(client, world, klass):
    client.force_login(world.bob)
    response = client.post(
        f"/rollcalls/{klass.roll_calls.get().pk}/", {"reason": "培训计划调整，本期停办"}
    )
    assert response.status_code == 302


def notice_of(recipient) -> Notification:
    return Notification.objects.get(recipient=recipient, event=Event.NOTICE_ISSUED)


def assert_refused(client, person, notice, reason):
    """`person`'s inbox and the notice's page offer no 签收 but say why; posting it
    anyway is refused with the reason, and nothing is written."""
    url = f"/inbox/{notice.pk}/acknowledge/"
    client.force_login(person)
    inbox = client.get("/inbox/").content.decode()
    assert url not in inbox and reason in inbox
    detail = client.get(f"/inbox/{notice.pk}/").content.decode()
    assert url not in detail and reason in detail
    page = client.post(url, follow=True).content.decode()
    assert reason in page
    with pytest.raises(ValidationError):
        services.acknowledge(user=person, notification=notice)
    notice.refresh_from_db()
    assert notice.acknowledged_at is None and notice.acknowledged_ip is None
    assert not AuditEvent.objects.filter(verb="notification.acknowledge").exists()


def test_a_cancelled_roll_call_s_notice_asks_the_trainee_for_no_acknowledgement(
    world, staff, klass, client
):
    dispatch, _process = notified(client, world, staff, klass, world.cadre_a)
    notice = notice_of(world.dave)
    cancel(client, world, klass)

    assert_refused(client, world.dave, notice, zh(CANCELLED))
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.CANCELLED and dispatch.acknowledged_at is None


def test_the_liaison_is_no_longer_asked_to_acknowledge_on_behalf_of_a_cancelled_cadre(
    world, staff, klass, client
):
    notified(client, world, staff, klass, world.cadre_a1)  # no account: the liaisons sign
    notice = notice_of(staff.lily)
    assert notice.context["on_behalf"]
    cancel(client, world, klass)

    assert_refused(client, staff.lily, notice, zh(CANCELLED))


def test_a_trainee_recorded_absent_can_no_longer_acknowledge(world, staff, klass, client):
    dispatch, process = notified(client, world, staff, klass, world.cadre_a)
    notice = notice_of(world.dave)
    moment = dt.datetime.combine(
        klass.start_date, dt.time(9), tzinfo=timezone.get_current_timezone()
    )
    with time_machine.travel(moment, tick=False):
        call_command("workflow_timers")  # the class begins: the step ends unanswered
        client.force_login(world.rita)
        act(client, open_task(process, "record_attendance"), {"result": "absent"})
        dispatch.refresh_from_db()
        assert dispatch.status == DispatchStatus.ABSENT

        assert_refused(client, world.dave, notice, zh(ATTENDANCE, status="Absent"))
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ABSENT and dispatch.acknowledged_at is None


def test_the_inbox_still_asks_for_the_acknowledgement_of_a_notified_dispatch(
    world, staff, klass, client
):
    _dispatch, _process = notified(client, world, staff, klass, world.cadre_a)
    notice = notice_of(world.dave)
    client.force_login(world.dave)
    assert f"/inbox/{notice.pk}/acknowledge/" in client.get("/inbox/").content.decode()


def test_a_replaced_notice_is_not_offered_for_acknowledgement(world, staff, klass, client):
    """Its class changed and the notice was reissued: the old one's 签收 (which the
    dispatch's receiver refuses) is not offered; the reason names the new notice."""
    dispatch, _process = notified(client, world, staff, klass, world.cadre_a)
    notice = notice_of(world.dave)
    old = notice.document
    new = IssuedDocument(
        kind=old.kind,
        issuer_code=old.issuer_code,
        year=old.year,
        number=old.number + 1,
        document_number=f"{old.document_number}-2",
        title=old.title,
        file="documents/replaced.pdf",
        sha256="0" * 64,
        size=1,
        pages=1,
        subject_type=old.subject_type,
        subject_id=dispatch.pk,
        supersedes=old,
        version=2,
    )
    new.save()

    assert_refused(client, world.dave, notice, escape(replaced_reason(new.document_number)))


@pytest.mark.parametrize("status", DispatchStatus.values)
def test_only_a_notified_dispatch_awaits_acknowledgement(status):
    """Notified — before or after the class began — awaits it; every other status has a
    reason (cancelled, deferred, exempt, attendance recorded, already acknowledged, or a
    dispatch not yet notified)."""
    if status == DispatchStatus.NOTIFIED:
        assert refusal_reason(status) is None
    else:
        assert refusal_reason(status)
