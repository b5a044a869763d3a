"""A class whose dates, report date or place change while its trainees hold their notices:
each notice still in force (notified or acknowledged) is issued again, superseding the
old one, and its trainee — or, for a cadre without an account, the unit's liaisons — gets
ONE message with it, per change. A notified trainee signs for the new notice (the old
one's 签收 is refused); an acknowledged one is told, and stays acknowledged."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from dispatch import receivers
from dispatch.models import Dispatch, DispatchStatus, Makeup, TrainingClass
from dispatch.services import (
    dispatch_confirm,
    dispatch_notify,
    makeup_schedule,
)
from imports.kinds import Action
from notifications.models import IssuedDocument, Notification
from tests.dispatch.class_change_kit import by_service, moved, notified
from tests.dispatch.import_kit import commit
from tests.factories import training_class
from tests.flowtools import act, open_task, task_url
from tests.pdftools import stored_flat as pdf_text

pytestmark = [
    pytest.mark.klass(name="全市专题培训班", credit_hours=40),
    pytest.mark.usefixtures("media"),
]


def in_words(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def by_import(world, klass, **fields):
    """The class list's row of `klass`, numbered, with `fields` changed, imported (a row
    that changes nothing is left unchanged)."""
    klass = TrainingClass.objects.get(pk=klass.pk)
    for field, value in fields.items():
        setattr(klass, field, value)
    row = {
        "number": str(klass.pk),
        "name": klass.name,
        "institution": klass.institution.unit.code,
        "organizer": klass.organizer.issuer_code,
        "kind": str(klass.get_kind_display()),
        "start": klass.start_date.isoformat(),
        "end": klass.end_date.isoformat(),
        "report": klass.report_date.isoformat(),
        "location": klass.location,
        "credit_hours": str(klass.credit_hours),
        "days": str(klass.days),
        "quota": str(klass.quota),
    }
    [outcome] = commit("classes", world.bob, [row])
    assert outcome.action in (Action.UPDATE, Action.UNCHANGED), outcome.errors


def notices_of(dispatch, recipient):
    return list(
        Notification.objects.filter(
            event="notice_issued", recipient=recipient, document__subject_id=dispatch.pk
        ).order_by("pk")
    )


@pytest.mark.parametrize("move", [by_service, by_import])
def test_a_moved_class_reissues_the_notice_and_tells_the_trainee_once(
    move, world, staff, klass, client
):
    dispatch, _process = notified(client, world, staff, klass, [world.cadre_a, world.cadre_b])
    old = IssuedDocument.objects.get(document_number=dispatch.notice_reference)
    assert in_words(klass.report_date) in pdf_text(old)

    fields = moved(klass)
    move(world, klass, **fields)

    dispatch.refresh_from_db()
    new = IssuedDocument.objects.get(document_number=dispatch.notice_reference)
    assert new != old and new.kind == "admission_notice"
    assert new.supersedes == old and new.version == 2
    text = pdf_text(new)
    institution = klass.institution.unit.name
    assert (
        f"请于{in_words(fields['report_date'])}到{institution}报到，地址为{fields['location']}。"
        in text
    )
    assert in_words(fields["start_date"]) in text and in_words(fields["end_date"]) in text
    assert in_words(klass.report_date) not in text
    assert f"原通知（{old.document_number}）同时作废" in text

    first, second = notices_of(dispatch, world.dave)
    assert first.document == old
    assert second.document == new and second.requires_ack
    assert second.context["previous_number"] == old.document_number
    assert old.document_number in second.body and new.document_number in second.body
    assert second.calendar["start"] == fields["start_date"].isoformat()
    # The unanswered cadre holds no notice: nothing is issued for them.
    assert not IssuedDocument.objects.filter(kind="admission_notice").exclude(
        subject_id=dispatch.pk
    )

    # Audited: the document's reissue and the dispatch's new reference, by the dispatcher.
    reissue = AuditEvent.objects.get(verb="document.reissue", target_id=str(new.pk))
    assert reissue.actor == world.bob
    event = AuditEvent.objects.get(verb="dispatch.notice_reissue", target_id=str(dispatch.pk))
    assert event.actor == world.bob
    assert set(event.note.split(",")) == {"start_date", "end_date", "report_date", "location"}

    # The same class saved again, unchanged: nothing more; another change: one more message.
    move(world, klass, **fields)
    assert len(notices_of(dispatch, world.dave)) == 2
    move(world, klass, location="某市人民路1号")
    third = notices_of(dispatch, world.dave)[-1]
    assert third.document.supersedes == new and third.document.version == 3
    assert len(notices_of(dispatch, world.dave)) == 3


def test_the_acknowledgement_task_shows_the_new_notice(world, staff, klass, client):
    dispatch, process = notified(client, world, staff, klass, [world.cadre_a])
    old_number = dispatch.notice_reference
    by_service(world, klass, **moved(klass))
    dispatch.refresh_from_db()
    client.force_login(world.dave)
    page = client.get(task_url(open_task(process, "acknowledge"), "execute")).content.decode()
    assert dispatch.notice_reference in page and old_number not in page


def test_the_old_notice_is_not_signed_for_the_new_one_is(world, staff, klass, client):
    dispatch, _process = notified(client, world, staff, klass, [world.cadre_a])
    by_service(world, klass, **moved(klass))
    old, new = notices_of(dispatch, world.dave)
    client.force_login(world.dave)

    client.post(reverse("notifications:acknowledge", args=[old.pk]))
    old.refresh_from_db()
    dispatch.refresh_from_db()
    assert old.acknowledged_at is None and dispatch.status == DispatchStatus.NOTIFIED

    client.post(reverse("notifications:acknowledge", args=[new.pk]))
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ACKNOWLEDGED
    old.refresh_from_db()
    assert old.acknowledged_at is not None  # closed with the dispatch's acknowledgement


def test_the_liaisons_hear_it_for_a_cadre_without_an_account(world, staff, klass, client):
    """Not in a message of its own: in the liaison's one message of the change
    (tests/dispatch/test_class_change_on_behalf.py)."""
    dispatch, _process = notified(client, world, staff, klass, [world.cadre_a1])
    by_service(world, klass, **moved(klass))
    dispatch.refresh_from_db()
    [first] = notices_of(dispatch, staff.lily)
    assert first.document.document_number != dispatch.notice_reference
    [message] = changed_messages(staff.lily, klass)
    new = IssuedDocument.objects.get(document_number=dispatch.notice_reference)
    assert message.enclosure_ids == [new.pk] and message.requires_ack
    assert message.context["on_behalf"] and world.cadre_a1.name in message.body


def test_an_acknowledged_trainee_gets_the_new_notice_and_stays_acknowledged(
    world, staff, klass, client
):
    dispatch, process = notified(client, world, staff, klass, [world.cadre_a])
    client.force_login(world.dave)
    act(client, open_task(process, "acknowledge"), {"confirm": "on"})

    by_service(world, klass, location="某市新华路88号")

    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ACKNOWLEDGED
    new = IssuedDocument.objects.get(document_number=dispatch.notice_reference)
    assert new.version == 2 and "某市新华路88号" in pdf_text(new)
    last = notices_of(dispatch, world.dave)[-1]
    assert last.document == new and not last.requires_ack


def test_a_makeup_notice_is_reissued_as_a_makeup_notice(world, staff):
    today = timezone.localdate()
    missed = training_class(world.city_od, world.school, today - dt.timedelta(days=60))
    source = Dispatch.objects.create(
        training_class=missed,
        cadre=world.cadre_a,
        unit=world.a,
        status="withdrawn",
        confirm_due=timezone.now() - dt.timedelta(days=70),
    )
    makeup = Makeup.objects.create(
        cadre=world.cadre_a,
        source=source,
        reason="withdrawn",
        due_date=today + dt.timedelta(days=90),
    )
    klass = training_class(
        world.city_od, world.school, today + dt.timedelta(days=30), days=3, name="干部补训班"
    )
    dispatch = makeup_schedule(actor=world.bob, makeup=makeup, training_class=klass)
    dispatch_confirm(actor=staff.lily, dispatch=dispatch)
    dispatch_notify(dispatch=dispatch)
    dispatch.refresh_from_db()
    old = IssuedDocument.objects.get(document_number=dispatch.notice_reference)

    by_service(world, klass, **moved(klass, days=5))

    dispatch.refresh_from_db()
    new = IssuedDocument.objects.get(document_number=dispatch.notice_reference)
    assert new.kind == "makeup_notice" and new.supersedes == old
    assert in_words(klass.start_date + dt.timedelta(days=5)) in pdf_text(new)


def test_a_class_already_over_reissues_nothing(world, staff, klass, client):
    dispatch, _process = notified(client, world, staff, klass, [world.cadre_a])
    reference = dispatch.notice_reference
    past = timezone.localdate() - dt.timedelta(days=10)
    TrainingClass.objects.filter(pk=klass.pk).update(
        start_date=past, end_date=past + dt.timedelta(days=4), report_date=past
    )
    by_service(world, klass, location="某市新华路88号")
    dispatch.refresh_from_db()
    assert dispatch.notice_reference == reference
    assert len(notices_of(dispatch, world.dave)) == 1


def test_a_new_place_touches_no_timer_and_no_task(world, staff, klass, client, monkeypatch):
    """The hooks of the dates and the institution react to their own fields only."""
    notified(client, world, staff, klass, [world.cadre_a])

    def untouched(*args, **kwargs):
        raise AssertionError("a change of place moved timers, deadlines or tasks")

    for name in ("rearm_timers", "_advance_request_deadlines", "rescope_open_tasks"):
        monkeypatch.setattr(receivers, name, untouched)
    by_service(
        world, klass, location="某市新华路88号", report_date=klass.start_date - dt.timedelta(days=1)
    )
    assert IssuedDocument.objects.filter(kind="admission_notice", version=2).exists()


def changed_messages(recipient, klass):
    return list(
        Notification.objects.filter(
            recipient=recipient, key__startswith=f"class:{klass.pk}:changed:"
        ).order_by("pk")
    )


def test_each_liaison_hears_the_change_once_naming_the_cadres_by_unit(world, staff, klass, client):
    """The liaisons hold the roll call's 调训通知, printed with the class as it was: one
    message each per change, naming every cadre of their units still dispatched — the
    notified one and the one not answered yet — by unit; not one per cadre. The trainee
    hears it with their new notice only; the liaison of a unit with no cadre there, nothing."""
    notified(client, world, staff, klass, [world.cadre_a, world.cadre_a1, world.cadre_b])
    fields = moved(klass)

    by_service(world, klass, **fields)

    [message] = changed_messages(staff.lily, klass)
    assert message.event == "notice_issued" and not message.requires_ack
    assert message.title == f"{klass.name}有变更（培训时间、报到日期、地点）"
    body = message.body
    assert f"{world.a.name}（1人）：{world.cadre_a.name}" in body
    assert f"{world.a1.name}（1人）：{world.cadre_a1.name}" in body
    assert world.cadre_b.name not in body and in_words(fields["start_date"]) in body
    assert fields["location"] in body and f"报到日期：{in_words(fields['report_date'])}" in body
    [county] = changed_messages(staff.luke, klass)
    assert f"{world.b.name}（1人）：{world.cadre_b.name}" in county.body
    assert world.cadre_a.name not in county.body
    assert changed_messages(world.dave, klass) == []
    assert changed_messages(world.alice, klass) == []  # a head, not a liaison

    # Saved again unchanged: nothing; changed again: one more message.
    by_service(world, klass, **fields)
    assert len(changed_messages(staff.lily, klass)) == 1
    by_service(world, klass, location="某市人民路1号")
    latest = changed_messages(staff.lily, klass)[-1]
    assert len(changed_messages(staff.lily, klass)) == 2
    assert latest.title == f"{klass.name}有变更（地点）" and "某市人民路1号" in latest.body


def test_a_change_of_a_class_without_open_dispatches_tells_no_unit(world, staff, klass):
    by_service(world, klass, **moved(klass))
    assert not Notification.objects.filter(key__startswith=f"class:{klass.pk}:changed:")
