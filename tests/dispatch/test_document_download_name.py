"""A document's PDF downloads under its number (X组通〔2026〕1号.pdf) for browsers that read
RFC 6266's filename*=, and under a plain ASCII name (dispatch_notice-2026-1.pdf) for
those that read only filename= — the same two names its e-mail attachment carries."""

import datetime as dt
from urllib.parse import quote

from notifications.models import IssuedDocument
from notifications.outbox import attachment
from tests.factories import training_class
from tests.flowtools import issue_roll_call


def test_the_pdf_is_named_twice_as_in_the_email(world, client, django_capture_on_commit_callbacks):
    klass = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=30), name="全市专题班"
    )
    with django_capture_on_commit_callbacks(execute=True):  # the notice is issued after commit
        issue_roll_call(client, world, klass, [world.cadre_a])
    notice = IssuedDocument.objects.get(kind="dispatch_notice")
    response = client.get(f"/documents/{notice.pk}/")
    assert response.status_code == 200
    plain = f"dispatch_notice-{notice.year}-{notice.number}.pdf"
    named = quote(f"{notice.document_number}.pdf", safe="")
    disposition = response["Content-Disposition"]
    assert disposition == f"inline; filename=\"{plain}\"; filename*=utf-8''{named}"
    disposition.encode("ascii")  # a header every client can read
    mailed = attachment(b"%PDF", "application/pdf", f"{notice.document_number}.pdf", plain)
    assert mailed["Content-Disposition"] == disposition.replace("inline", "attachment", 1)


def test_the_inbox_names_the_attached_pdf_the_same_way(
    world, staff, client, django_capture_on_commit_callbacks
):
    from notifications.models import Notification

    klass = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=30), name="全市专题班"
    )
    with django_capture_on_commit_callbacks(execute=True):
        issue_roll_call(client, world, klass, [world.cadre_a])
    message = Notification.objects.filter(recipient=staff.lily, document__isnull=False).first()
    assert message is not None
    client.force_login(staff.lily)
    response = client.get(f"/inbox/{message.pk}/document/")
    assert response.status_code == 200
    notice = message.document
    plain = f"{notice.kind}-{notice.year}-{notice.number}.pdf"
    assert response["Content-Disposition"].startswith(f'inline; filename="{plain}"; filename*=')
