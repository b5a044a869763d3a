"""The notice e-mail read back with Python's `email` package and `icalendar`: the invite
has an ORGANIZER (RFC 5546 requires one with METHOD:PUBLISH) and one charset in its part
header; each attachment has a plain ASCII `filename=` beside the RFC 2231 `filename*=`;
the Date header carries the site's real offset (+0800), not -0000."""

import datetime as dt
import email
import email.utils

import icalendar
import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from notifications import outbox, services
from notifications.documents.context import DocumentContext, Issuer, Paragraph
from notifications.models import DocumentKind, Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(settings, media, django_capture_on_commit_callbacks):
    """The one e-mail of an admission notice with its PDF and a calendar invite, parsed."""
    settings.DEFAULT_FROM_EMAIL = "xundiao@example.gov.cn"
    wang = get_user_model().objects.create_user(username="wang", email="wang@example.org")
    document = services.issue_document(
        actor=None,
        kind=DocumentKind.ADMISSION_NOTICE,
        context=DocumentContext(
            issuer=Issuer(name="中共某市委组织部", code="X组通"),
            title="全市专题班入学通知",
            date=dt.date(2026, 4, 1),
            body=[Paragraph("请按时报到。")],
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            event=Event.NOTICE_ISSUED,
            recipients=[wang],
            key=f"document:{document.pk}:issued",
            context={"notice_title": document.title, "document_number": document.document_number},
            document=document,
            calendar={"summary": "全市专题班", "start": "2026-05-11", "end": "2026-05-15"},
            requires_ack=True,
        )
    [message] = mail.outbox
    return document, email.message_from_bytes(message.message().as_bytes())


def attachments(parsed) -> dict:
    return {
        part.get_content_type(): part
        for part in parsed.walk()
        if part.get_content_disposition() == "attachment"
    }


def test_the_invite_names_its_organizer_and_is_published(sent):
    _document, parsed = sent
    invite = attachments(parsed)["text/calendar"]
    calendar = icalendar.Calendar.from_ical(invite.get_payload(decode=True))
    assert str(calendar["METHOD"]) == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    assert str(event["ORGANIZER"]) == "mailto:xundiao@example.gov.cn"
    assert event["ORGANIZER"].params["CN"]


def test_the_invite_part_names_its_charset_once(sent):
    _document, parsed = sent
    invite = attachments(parsed)["text/calendar"]
    header = invite["Content-Type"]
    assert header.lower().count("charset") == 1, header
    assert invite.get_param("method") == "PUBLISH"
    assert invite.get_content_charset() == "utf-8"


def test_each_attachment_has_a_plain_ascii_file_name_beside_the_rfc2231_one(sent):
    document, parsed = sent
    pdf = attachments(parsed)["application/pdf"]
    names = [v for k, v in pdf.get_params(header="content-disposition") if k == "filename"]
    plain = [v for v in names if isinstance(v, str)]
    extended = [v for v in names if isinstance(v, tuple)]
    assert len(plain) == 1 and plain[0].isascii() and plain[0].endswith(".pdf")
    assert email.utils.collapse_rfc2231_value(extended[0]) == f"{document.document_number}.pdf"
    assert pdf.get_payload(decode=True).startswith(b"%PDF")
    invite = attachments(parsed)["text/calendar"]
    assert invite.get_filename() == "invite.ics"


def test_the_date_carries_the_sites_offset(sent):
    _document, parsed = sent
    assert not parsed["Date"].endswith("-0000"), parsed["Date"]
    assert email.utils.parsedate_to_datetime(parsed["Date"]).utcoffset() == dt.timedelta(hours=8)


def test_the_daily_digest_is_dated_with_the_offset_too():
    user = get_user_model().objects.create_user(username="li", email="li@example.org")
    from notifications.models import ContactProfile

    ContactProfile.objects.create(user=user, daily_digest=True)
    services.notify(
        event=Event.REMINDER,
        recipients=[user],
        key="test:digest",
        context={"subject": "确认参训", "due": dt.date(2026, 5, 1)},
    )
    assert outbox.send_digests() == 1
    parsed = email.message_from_bytes(mail.outbox[-1].message().as_bytes())
    assert email.utils.parsedate_to_datetime(parsed["Date"]).utcoffset() == dt.timedelta(hours=8)
