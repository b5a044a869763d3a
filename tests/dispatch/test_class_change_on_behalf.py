"""A class change told to a liaison whose cadres have no account: ONE message per change,
whatever the number of cadres — naming them by unit, carrying each one's reissued notice
(listed, enclosed, attached to the e-mail) — and one 签收 of it acknowledges on their
behalf every new notice that still awaits it."""

import email

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from dispatch.models import Dispatch, DispatchStatus
from notifications import outbox
from notifications.models import IssuedDocument, Notification
from tests.api.actiontools import post
from tests.dispatch.class_change_kit import by_service, moved
from tests.factories import cadre
from tests.flowtools import act, confirmed, issue_roll_call, open_task, process_of

pytestmark = [
    pytest.mark.klass(name="全市专题培训班", credit_hours=40),
    pytest.mark.usefixtures("media"),
]


@pytest.fixture
def notified_all(world, staff, klass, client):
    """Four cadres named and confirmed by the liaison (notified): dave, who has an
    account, and three without one in A and A1 — their dispatches by name."""
    without = [
        world.cadre_a1,
        cadre("赵一鸣", world.a, world.city_od),
        cadre("钱二丽", world.a1, world.city_od, male=False),
    ]
    issue_roll_call(client, world, klass, [world.cadre_a, *without])
    return {
        person.name: confirmed(client, staff.lily, Dispatch.objects.get(cadre=person))
        for person in [world.cadre_a, *without]
    }


def change_message(staff, klass):
    [message] = Notification.objects.filter(
        recipient=staff.lily, key__startswith=f"class:{klass.pk}:changed:"
    )
    return message


def test_one_message_carries_every_reissued_notice(world, staff, klass, notified_all):
    before = set(Notification.objects.filter(recipient=staff.lily).values_list("pk", flat=True))
    old = {name: d.notice_reference for name, d in notified_all.items()}

    by_service(world, klass, **moved(klass))

    new_for_lily = Notification.objects.filter(recipient=staff.lily).exclude(pk__in=before)
    assert new_for_lily.count() == 1  # not one per cadre besides the change message
    message = change_message(staff, klass)
    assert new_for_lily.get() == message and message.requires_ack
    without = [name for name in notified_all if name != world.cadre_a.name]
    reissued = {}
    for name in without:
        dispatch = Dispatch.objects.get(pk=notified_all[name].pk)
        reissued[name] = IssuedDocument.objects.get(document_number=dispatch.notice_reference)
        assert reissued[name].supersedes.document_number == old[name]
        unit = dispatch.unit.name
        line = (
            f"{name}（{unit}）：入学通知 {dispatch.notice_reference}，代替{old[name]}，待代为签收"
        )
        assert line in message.body
    assert set(message.enclosure_ids) == {d.pk for d in reissued.values()}
    assert "签收本消息，即为上列待签收的新通知一并代为签收" in message.body
    # Dave, who has an account, gets his own new notice; his is not enclosed for lily.
    dave = Dispatch.objects.get(pk=notified_all[world.cadre_a.name].pk)
    assert Notification.objects.filter(
        recipient=world.dave, document__document_number=dave.notice_reference
    ).exists()
    assert f"{world.cadre_a.name}（" not in message.body.split("请转交本人")[-1]


def test_one_acknowledgement_signs_for_every_cadre_still_awaiting(
    world, staff, klass, notified_all, client
):
    by_service(world, klass, **moved(klass))
    message = change_message(staff, klass)
    first = Dispatch.objects.get(pk=notified_all[world.cadre_a1.name].pk)
    client.force_login(staff.lily)
    # One of them signed on its task page first: the message signs for the other two.
    act(client, open_task(process_of(first, "DispatchFlow"), "acknowledge"), {"confirm": "on"})

    response = client.post(reverse("notifications:acknowledge", args=[message.pk]))

    assert response.status_code == 302
    message.refresh_from_db()
    assert message.acknowledged_at is not None
    for name, dispatch in notified_all.items():
        dispatch.refresh_from_db()
        expected = (
            DispatchStatus.NOTIFIED if name == world.cadre_a.name else DispatchStatus.ACKNOWLEDGED
        )
        assert dispatch.status == expected, name
    acknowledged = AuditEvent.objects.filter(verb="dispatch.acknowledge", actor=staff.lily)
    assert acknowledged.count() == 3  # one each, the first on its task page
    # No inbox entry of theirs still asks 签收: the old notices' are closed too.
    assert not Notification.objects.filter(
        recipient=staff.lily, requires_ack=True, acknowledged_at__isnull=True
    ).exists()


def test_a_message_whose_notices_were_all_signed_elsewhere_asks_nothing(
    world, staff, klass, notified_all, client
):
    by_service(world, klass, **moved(klass))
    message = change_message(staff, klass)
    client.force_login(staff.lily)
    for name, dispatch in notified_all.items():
        if name != world.cadre_a.name:
            process = process_of(dispatch, "DispatchFlow")
            act(client, open_task(process, "acknowledge"), {"confirm": "on"})

    page = client.get(reverse("notifications:detail", args=[message.pk])).content.decode()
    assert "本消息所列通知均已无需签收" in page and "代为签收</button>" not in page
    client.post(reverse("notifications:acknowledge", args=[message.pk]))
    message.refresh_from_db()
    assert message.acknowledged_at is None  # refused, nothing written


def test_a_second_change_replaces_what_the_first_message_signs_for(
    world, staff, klass, notified_all, client
):
    by_service(world, klass, **moved(klass))
    first = change_message(staff, klass)
    by_service(world, klass, location="某市人民路1号")
    client.force_login(staff.lily)

    client.post(reverse("notifications:acknowledge", args=[first.pk]))

    first.refresh_from_db()
    assert first.acknowledged_at is None  # its notices were replaced: the newest are signed
    assert {
        d.status for d in Dispatch.objects.filter(pk__in=[d.pk for d in notified_all.values()])
    } == {DispatchStatus.NOTIFIED}


def test_the_enclosed_notices_are_read_from_the_message_by_its_recipient_only(
    world, staff, klass, notified_all, client
):
    by_service(world, klass, **moved(klass))
    message = change_message(staff, klass)
    client.force_login(staff.lily)
    page = client.get(reverse("notifications:detail", args=[message.pk])).content.decode()
    for pk in message.enclosure_ids:
        document = IssuedDocument.objects.get(pk=pk)
        url = reverse("notifications:enclosure", args=[message.pk, pk])
        assert url in page and document.document_number in page
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    outside = IssuedDocument.objects.exclude(pk__in=message.enclosure_ids).first()
    assert (
        client.get(reverse("notifications:enclosure", args=[message.pk, outside.pk])).status_code
        == 404
    )
    client.force_login(staff.luke)
    url = reverse("notifications:enclosure", args=[message.pk, message.enclosure_ids[0]])
    assert client.get(url).status_code == 404


def test_the_e_mail_attaches_the_notices_up_to_the_bound(
    world, staff, klass, notified_all, settings
):
    by_service(world, klass, **moved(klass))
    message = change_message(staff, klass)
    settings.NOTIFICATIONS_MAX_ENCLOSURES = 2
    mail.outbox.clear()

    parsed = email.message_from_bytes(
        outbox.email_message(message, "lily@example.org").message().as_bytes()
    )

    pdfs = [p for p in parsed.walk() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 2
    first = IssuedDocument.objects.get(pk=message.enclosure_ids[0])
    assert pdfs[0].get_filename() in outbox.document_file_names(first)
    text = next(p for p in parsed.walk() if p.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode("utf-8")
    assert "另有1份文件未随本邮件附上" in body and "代为签收" in body


def test_an_acknowledged_cadre_s_new_notice_needs_no_signature(world, staff, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a1])
    dispatch = Dispatch.objects.get(cadre=world.cadre_a1)
    process = process_of(dispatch, "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    act(client, open_task(process, "acknowledge"), {"confirm": "on"})

    by_service(world, klass, location="某市新华路88号")

    message = change_message(staff, klass)
    assert not message.requires_ack and len(message.enclosure_ids) == 1
    assert "原通知已签收，无需重新签收" in message.body
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ACKNOWLEDGED


def test_a_liaison_signing_for_cadres_gets_no_calendar_invites(world, staff, notified_all):
    """The invite is for the trainee who attends; the liaison of three cadres without an
    account would otherwise hold three events of a class they do not attend."""
    on_behalf = Notification.objects.filter(recipient=staff.lily, event="notice_issued")
    assert on_behalf.count() == 3 and not on_behalf.exclude(calendar=None).exists()
    [own] = Notification.objects.filter(recipient=world.dave, event="notice_issued")
    assert own.calendar["summary"] == notified_all[world.cadre_a.name].training_class.name


def test_the_api_signs_the_message_as_the_inbox_does(world, staff, klass, notified_all):
    by_service(world, klass, **moved(klass))
    message = change_message(staff, klass)
    assert post(staff.luke, f"notifications/{message.pk}/acknowledge/").status_code == 404

    response = post(staff.lily, f"notifications/{message.pk}/acknowledge/", REMOTE_ADDR="10.0.0.9")

    assert response.status_code == 200, response.content
    without = [d for name, d in notified_all.items() if name != world.cadre_a.name]
    for dispatch in without:
        dispatch.refresh_from_db()
        assert dispatch.status == DispatchStatus.ACKNOWLEDGED
        assert dispatch.acknowledged_ip == "10.0.0.9"
