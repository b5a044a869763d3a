"""Notifications go out once per event and person, after commit, on the channels each
person wants; failures are recorded and retried; a broker outage loses nothing."""

import datetime as dt
import email
import email.utils
import socket
from unittest import mock

import icalendar
import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from kombu.exceptions import OperationalError

from notifications import outbox, reminders, services
from notifications.documents.context import DocumentContext, Issuer, Paragraph
from notifications.models import (
    ContactProfile,
    Delivery,
    DeliveryStatus,
    DocumentKind,
    Event,
    Notification,
)
from notifications.sms import MemorySmsBackend
from notifications.tasks import deliver_task

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture(autouse=True)
def _isolated(settings, media):
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.sms.MemorySmsBackend"
    MemorySmsBackend.outbox = []


def attached(message) -> dict:
    """{file name: (file name, content bytes, content type)} of a sent message's
    attachments, read back from its bytes with Python's `email` package."""
    parsed = email.message_from_bytes(message.message().as_bytes())
    result = {}
    for part in parsed.walk():
        if part.get_content_disposition() != "attachment":
            continue
        names = [v for k, v in part.get_params(header="content-disposition") if k == "filename"]
        # the RFC 2231 name (filename*) when there is one, else the plain one
        name = email.utils.collapse_rfc2231_value(
            next((v for v in names if isinstance(v, tuple)), names[0])
        )
        result[name] = (name, part.get_payload(decode=True), part.get_content_type())
    return result


def person(username, email=True, **profile):
    user = User.objects.create_user(
        username=username, email=f"{username}@example.org" if email else ""
    )
    if profile:
        ContactProfile.objects.create(user=user, **profile)
    return user


@pytest.fixture
def people():
    return {
        "wang": person("wang"),
        "li": person("li"),
        "zhao": person("zhao"),  # never a recipient
    }


def dispatched(recipients, key="dispatch:1:dispatched", **extra):
    return services.notify(
        event=Event.DISPATCHED,
        recipients=recipients,
        key=key,
        context={
            "class_name": "全市专题班",
            "cadre_name": "王堃",
            "unit_name": "市发改委",
            "start": dt.date(2026, 5, 11),
            "end": dt.date(2026, 5, 15),
            "location": "市委党校",
            "deadline": "2026-04-30",
        },
        url="/dispatches/1/",
        **extra,
    )


def emails_to():
    return sorted(address for message in mail.outbox for address in message.to)


EVENT_CONTEXT = {
    Event.DISPATCHED: {"class_name": "全市专题班", "cadre_name": "王堃", "unit_name": "市发改委"},
    Event.APPROVAL_WAITING: {"request_kind": "请假", "cadre_name": "王堃", "unit_name": "A"},
    Event.DECISION_MADE: {"request_kind": "请假", "cadre_name": "王堃", "decision": "批准"},
    Event.NOTICE_ISSUED: {"notice_title": "调训通知", "document_number": "X组通〔2026〕1号"},
    Event.REMINDER: {"subject": "签收调训通知", "due": "2026-05-01", "days_left": 3},
    Event.ESCALATION: {"subject": "确认参训", "cadre_name": "王堃", "unit_name": "A"},
    Event.MAKEUP_OWED: {"cadre_name": "王堃", "unit_name": "A", "class_name": "全市专题班"},
    Event.CIRCULAR_ISSUED: {"notice_title": "通报", "document_number": "X组通〔2026〕9号"},
    Event.CANCELLED: {"class_name": "全市专题班", "org_department": "中共某市委组织部"},
    Event.ALLOTTED: {
        "class_name": "全市专题班",
        "org_department": "中共某市委组织部",
        "units": [{"unit_name": "市发改委", "seats": 2}],
        "seat_count": 2,
    },
    Event.ATTENDANCE_CORRECTED: {
        "cadre_name": "王堃",
        "unit_name": "A",
        "class_name": "全市专题班",
        "before": "缺训",
        "after": "出勤，计入40学时",
        "reason": "登记有误",
    },
}


@pytest.mark.parametrize("event", list(Event))
def test_each_event_notifies_exactly_the_given_recipients_in_app_and_by_email(
    event, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rows = services.notify(
            event=event,
            recipients=[people["wang"], people["li"], people["wang"]],  # duplicates collapse
            key=f"test:{event}",
            context=EVENT_CONTEXT[event],
        )
    assert sorted(n.recipient.username for n in rows) == ["li", "wang"]
    assert not Notification.objects.filter(recipient=people["zhao"]).exists()
    assert emails_to() == ["li@example.org", "wang@example.org"]
    title = rows[0].title
    assert title and "{" not in title
    # The templates are in Chinese (English msgids, the app's own zh_Hans catalogue).
    assert any("\u4e00" <= ch <= "\u9fff" for ch in title.replace("王堃", ""))
    assert mail.outbox[0].subject == title


def test_dispatched_text_is_rendered_in_chinese(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [row] = dispatched([people["wang"]])
    assert row.title == "点名参训：全市专题班"
    assert "王堃，市发改委" in row.body and "市委党校" in row.body
    assert "http://127.0.0.1:8000/dispatches/1/" in mail.outbox[0].body


def test_nothing_is_sent_before_commit_and_nothing_if_the_transaction_rolls_back(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dispatched([people["wang"]])
    assert mail.outbox == [] and len(callbacks) == 1

    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            dispatched([people["li"]], key="dispatch:2:dispatched")
            raise RuntimeError("the business change failed")
    assert not Notification.objects.filter(key="dispatch:2:dispatched").exists()
    assert mail.outbox == []


def test_repeated_calls_and_task_retries_send_nothing_twice(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = dispatched([people["wang"], people["li"]])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = dispatched([people["wang"], people["li"]])
    assert [n.pk for n in again] == [n.pk for n in first]
    assert callbacks == []  # nothing new to deliver
    assert Notification.objects.count() == 2 and Delivery.objects.count() == 2
    ids = list(Delivery.objects.values_list("pk", flat=True))
    deliver_task.apply(args=(ids,))  # the task retried, or delivered twice by the broker
    deliver_task.apply(args=(ids,))
    outbox.sweep()
    assert len(mail.outbox) == 2
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_a_later_call_with_the_same_key_notifies_only_the_new_recipient(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dispatched([people["wang"]])
    with django_capture_on_commit_callbacks(execute=True):
        rows = dispatched([people["wang"], people["li"]])
    assert len(rows) == 2
    assert emails_to() == ["li@example.org", "wang@example.org"]


def test_a_recipient_without_email_gets_the_inbox_entry_and_a_recorded_skip(
    django_capture_on_commit_callbacks,
):
    nomail = person("nomail", email=False)
    with django_capture_on_commit_callbacks(execute=True):
        [row] = dispatched([nomail])
    assert row.pk and row.read_at is None
    delivery = row.deliveries.get()
    assert delivery.status == DeliveryStatus.SKIPPED
    assert "no e-mail address" in delivery.last_error
    assert mail.outbox == []


def test_preferences_choose_the_channels(django_capture_on_commit_callbacks):
    texter = person("texter", phone="13800000000", sms_enabled=True, email_enabled=False)
    both = person("both", phone="13900000000", sms_enabled=True)
    quiet = person("quiet", email_enabled=False)
    nophone = person("nophone", sms_enabled=True)
    with django_capture_on_commit_callbacks(execute=True):
        dispatched([texter, both, quiet, nophone])
    assert emails_to() == ["both@example.org", "nophone@example.org"]
    assert sorted(phone for phone, _ in MemorySmsBackend.outbox) == ["13800000000", "13900000000"]
    assert "全市专题班" in MemorySmsBackend.outbox[0][1]
    skipped = Delivery.objects.get(notification__recipient=nophone, channel="sms")
    assert skipped.status == DeliveryStatus.SKIPPED
    assert Notification.objects.count() == 4  # in-app for everyone, quiet included
    # The caller may narrow the channels for an event: in-app only.
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(event=Event.REMINDER, recipients=[both], key="r:1", channels=[])
    assert not Delivery.objects.filter(notification__key="r:1").exists()


def test_broker_down_leaves_rows_pending_and_the_sweep_delivers_them(
    people, django_capture_on_commit_callbacks
):
    with mock.patch.object(
        deliver_task, "apply_async", side_effect=OperationalError("Error 111 connecting")
    ):
        with django_capture_on_commit_callbacks(execute=True):
            rows = dispatched([people["wang"], people["li"]])  # the business request succeeds
    assert len(rows) == 2 and mail.outbox == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}

    from django.core.management import call_command

    call_command("send_pending_notifications", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert emails_to() == ["li@example.org", "wang@example.org"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    outbox.sweep()
    assert len(mail.outbox) == 2


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_smtp_is_recorded_retried_with_backoff_and_failed_at_last(
    people, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    settings.EMAIL_TIMEOUT = 2
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    start = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            [row] = dispatched([people["wang"]])
        delivery = row.deliveries.get()
        delivery.refresh_from_db()
        assert delivery.status == "pending" and delivery.attempts == 1
        assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()
        assert delivery.next_attempt_at == start + dt.timedelta(seconds=60)
        assert outbox.sweep() == {}  # not due yet
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        assert outbox.sweep() == {"pending": 1}
        delivery.refresh_from_db()
        assert delivery.attempts == 2
        assert delivery.next_attempt_at == start + dt.timedelta(seconds=61 + 120)
    with time_machine.travel(start + dt.timedelta(seconds=200), tick=False):
        assert outbox.sweep() == {"failed": 1}
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 3
    # The server is back: the admin's "send again now" delivers it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Delivery.objects.filter(pk=delivery.pk).update(status="pending")
    assert outbox.deliver([delivery.pk]) == {"sent": 1}
    assert len(mail.outbox) == 1


def test_a_worker_that_died_mid_send_is_released_after_the_lease(people, settings):
    settings.NOTIFICATIONS_SENDING_LEASE_SECONDS = 60
    with mock.patch.object(deliver_task, "apply_async"):
        with transaction.atomic():
            [row] = dispatched([people["wang"]])
    delivery = row.deliveries.get()
    outbox._claim([delivery.pk], delivery.next_attempt_at)  # claimed, then the worker died
    assert outbox.sweep() == {}
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)):
        assert outbox.sweep() == {"sent": 1}
    assert len(mail.outbox) == 1


def test_the_notice_email_carries_the_pdf_and_a_valid_calendar_invite(
    people, django_capture_on_commit_callbacks
):
    document = services.issue_document(
        actor=None,
        kind=DocumentKind.ADMISSION_NOTICE,
        context=DocumentContext(
            issuer=Issuer(name="中共某市委组织部", code="X组通"),
            title="关于王堃参加全市专题班的入学通知",
            date=dt.date(2026, 4, 1),
            body=[Paragraph("请按时报到。")],
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        [row] = services.notify(
            event=Event.NOTICE_ISSUED,
            recipients=[people["wang"]],
            key=f"document:{document.pk}:issued",
            context={"notice_title": document.title, "document_number": document.document_number},
            document=document,
            calendar={
                "summary": "全市专题班",
                "start": dt.date(2026, 5, 11),
                "end": dt.date(2026, 5, 15),
                "location": "市委党校",
            },
            requires_ack=True,
            group="rollcall:7",
        )
    [message] = mail.outbox
    attachments = attached(message)
    pdf = attachments[f"{document.document_number}.pdf"]
    assert pdf[1].startswith(b"%PDF") and pdf[2] == "application/pdf"
    with document.file.open("rb") as stored:
        assert pdf[1] == stored.read()
    ics = attachments["invite.ics"]
    assert ics[2].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(ics[1])
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "全市专题班"
    assert vevent.decoded("DTSTART") == dt.date(2026, 5, 11)
    assert vevent.decoded("DTEND") == dt.date(2026, 5, 16)  # all-day: exclusive end
    assert str(vevent["LOCATION"]) == "市委党校"
    assert str(vevent["UID"]) == f"document:{document.pk}:issued@xundiao"
    assert "签收" in message.body
    # Raw parse of the whole message too: the attachment survives MIME encoding.
    raw = message.message().as_bytes()
    assert b"invite.ics" in raw and b"application/pdf" in raw


def test_calendar_entries_are_checked():
    with pytest.raises(ValueError):
        services.notify(
            event=Event.DISPATCHED,
            recipients=[],
            key="k",
            calendar={"summary": "x", "start": "2026-05-15", "end": "2026-05-11"},
        )
    with pytest.raises(ValueError):
        services.notify(event="no-such-event", recipients=[], key="k")


def test_the_daily_digest_sends_one_email_a_day(django_capture_on_commit_callbacks):
    digester = person("digester", daily_digest=True)
    day = dt.datetime(2026, 4, 1, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(day, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            dispatched([digester], key="a")
            dispatched([digester], key="b")
        assert mail.outbox == []  # held for the digest, not sent one by one
        outbox.sweep()
        assert mail.outbox == []
    with time_machine.travel(day + dt.timedelta(hours=12), tick=False):
        assert outbox.send_digests() == 1
        assert outbox.send_digests() == 0  # nothing new: no second e-mail
    [digest] = mail.outbox
    assert digest.to == ["digester@example.org"]
    assert "2" in digest.subject and digest.body.count("点名参训：全市专题班") == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    with time_machine.travel(day + dt.timedelta(days=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            dispatched([digester], key="c")
        from django.core.management import call_command

        call_command("send_notification_digests", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 2 and mail.outbox[1].body.count("点名参训") == 1


class _WorkerDied(BaseException):
    """Not an Exception: nothing in the outbox catches it, as when the process is killed."""


def test_a_digest_claim_left_by_a_dead_worker_goes_back_to_the_digest(
    settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_SENDING_LEASE_SECONDS = 60
    digester = person("digester", daily_digest=True)
    day = dt.datetime(2026, 4, 1, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(day, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            dispatched([digester], key="a")
            dispatched([digester], key="b")
    with time_machine.travel(day + dt.timedelta(hours=12), tick=False):
        with mock.patch("notifications.outbox.EmailMessage.send", side_effect=_WorkerDied):
            with pytest.raises(_WorkerDied):
                outbox.send_digests()
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sending"}
    # After the lease the sweep gives the rows back — to the digest, not as single e-mails.
    with time_machine.travel(day + dt.timedelta(hours=12, minutes=5), tick=False):
        outbox.sweep()
        outbox.sweep()
    assert mail.outbox == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"digest"}
    with time_machine.travel(day + dt.timedelta(days=1), tick=False):
        assert outbox.send_digests() == 1
    [digest] = mail.outbox
    assert digest.body.count("点名参训：全市专题班") == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_notice_to_acknowledge_goes_out_on_its_own_with_attachments_to_a_digest_user(
    django_capture_on_commit_callbacks,
):
    digester = person("digester", daily_digest=True)
    document = services.issue_document(
        actor=None,
        kind=DocumentKind.ADMISSION_NOTICE,
        context=DocumentContext(
            issuer=Issuer(name="中共某市委组织部", code="X组通"),
            title="关于王堃参加全市专题班的入学通知",
            date=dt.date(2026, 4, 1),
            body=[Paragraph("请按时报到。")],
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        dispatched([digester], key="dispatch:1:dispatched")  # plain: held for the digest
        services.notify(
            event=Event.NOTICE_ISSUED,
            recipients=[digester],
            key=f"document:{document.pk}:issued",
            context={"notice_title": document.title, "document_number": document.document_number},
            document=document,
            calendar={"summary": "全市专题班", "start": "2026-05-11", "end": "2026-05-15"},
            requires_ack=True,
        )
    [message] = mail.outbox  # the notice, at once
    names = set(attached(message))
    assert names == {f"{document.document_number}.pdf", "invite.ics"}
    statuses = dict(Delivery.objects.values_list("notification__event", "status"))
    assert statuses == {"dispatched": "digest", "notice_issued": "sent"}
    # The digest then lists only what it held: no second copy of the notice.
    assert outbox.send_digests() == 1
    digest = mail.outbox[1]
    assert "点名参训：全市专题班" in digest.body and document.document_number not in digest.body


def test_reminder_slots_follow_the_configured_offsets(settings):
    due = dt.datetime(2026, 5, 10, 9, 0, tzinfo=dt.UTC)
    at = lambda **delta: due - dt.timedelta(**delta)  # noqa: E731
    assert reminders.reminder_due(due, at(days=4)) is None
    assert reminders.reminder_due(due, at(days=3)) == reminders.ReminderSlot(3, "reminder-3d")
    assert reminders.reminder_due(due, at(days=2)).offset_days == 3
    assert reminders.reminder_due(due, at(hours=23)).key_suffix == "reminder-1d"
    assert reminders.reminder_due(due, due) is None
    settings.NOTIFICATIONS_REMINDER_OFFSETS_DAYS = [7]
    assert reminders.reminder_due(due, at(days=6)).key_suffix == "reminder-7d"


def test_a_slot_already_past_when_the_item_was_created_never_fires():
    due = dt.datetime(2026, 5, 10, 9, 0, tzinfo=dt.UTC)
    at = lambda **delta: due - dt.timedelta(**delta)  # noqa: E731
    # Issued exactly three days ahead (the due moment computed a moment after the notice):
    # no 3-day reminder right away, nor later in the window; the 1-day one still fires.
    created = at(days=3, seconds=1)
    assert reminders.reminder_due(due, at(days=3) + dt.timedelta(minutes=1), created) is None
    assert reminders.reminder_due(due, at(days=2), created) is None
    assert reminders.reminder_due(due, at(hours=23), created).key_suffix == "reminder-1d"
    # Issued 20 or 30 hours ahead: no reminder at all (the 1-day slot would follow the
    # notice within its day); 50 hours ahead: the 1-day one.
    assert reminders.reminder_due(due, at(hours=2), at(hours=20)) is None
    assert reminders.reminder_due(due, at(hours=2), at(hours=30)) is None
    assert reminders.reminder_due(due, at(hours=2), at(hours=50)).key_suffix == "reminder-1d"
    # Issued five days ahead: both slots were still ahead.
    assert reminders.reminder_due(due, at(days=2), at(days=5)).key_suffix == "reminder-3d"


def test_registered_reminder_sources_are_notified_once_per_slot(
    people, django_capture_on_commit_callbacks
):
    due = dt.datetime(2026, 5, 10, 9, 0, tzinfo=dt.UTC)

    def source(now):
        yield reminders.ReminderCandidate(
            due=due,
            key="dispatch:5:ack",
            recipients=[people["wang"]],
            context={"subject": "签收调训通知"},
        )

    reminders.register_reminder_source(source)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            with time_machine.travel(due - dt.timedelta(days=2, hours=23)):
                assert reminders.send_reminders() == 1
                assert reminders.send_reminders() == 0
            with time_machine.travel(due - dt.timedelta(hours=5)):
                from django.core.management import call_command

                call_command("send_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    finally:
        reminders._sources.remove(source)
    keys = sorted(Notification.objects.values_list("key", flat=True))
    assert keys == ["dispatch:5:ack:reminder-1d", "dispatch:5:ack:reminder-3d"]
    assert len(mail.outbox) == 2 and "3" in Notification.objects.get(key=keys[1]).body


def test_the_circulars_message_says_diaoxun_not_xundiao(people, django_capture_on_commit_callbacks):
    """The glossary's word is 调训 (dispatch for training), never 训调."""
    context = {**EVENT_CONTEXT[Event.CIRCULAR_ISSUED], "period": "2026年上半年"}
    [row] = services.notify(
        event=Event.CIRCULAR_ISSUED, recipients=[people["wang"]], key="c:1", context=context
    )
    assert "2026年上半年调训情况通报（X组通〔2026〕9号）" in row.body
    assert "训调" not in row.title + row.body
