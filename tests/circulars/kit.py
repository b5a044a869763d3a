"""The circular tests' steps: start a circular through its page, carry it through draft and
approval to the issued document, and read that document's text."""

import datetime as dt

import pdfplumber
from django.test import TestCase

from circulars.models import Circular
from dispatch.models import Dispatch, Makeup, MakeupStatus
from notifications.models import IssuedDocument
from tests.factories import aware
from tests.flowtools import act, circular_start, open_task, process_of


def start_circular(client, world, start, end):
    response = circular_start(client, world, start, end)
    assert response.status_code == 302, response.content.decode()[-2000:]
    return Circular.objects.latest("id")


def post_start(client, world, start, end, kind="custom"):
    """The city dispatcher posts the start form for a period of `kind` (month, quarter,
    year, custom): the response, a redirect when the circular was started."""
    client.force_login(world.bob)
    return client.post(
        "/workflow/circular/start/",
        {
            "org_department": world.city_od.pk,
            "period_kind": kind,
            "period_start": start,
            "period_end": end,
        },
    )


def issue_circular(client, world, staff, circular, body=""):
    process = process_of(circular, "CircularFlow")
    client.force_login(world.bob)
    act(client, open_task(process, "draft"), {"title": circular.title, "body": body})
    client.force_login(staff.oscar)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the task that renders it
        act(client, open_task(process, "approval"), {"decision": "approve"})
    circular.refresh_from_db()
    return IssuedDocument.objects.get(pk=circular.document_id)


def pdf_text(document):
    with document.file.open("rb") as handle, pdfplumber.open(handle) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "")


def dispatch_row(world, klass, cadre, status, **extra):
    """A dispatch as the flows leave it, written directly: the circular only reads rows."""
    return Dispatch.objects.create(
        training_class=klass,
        cadre=cadre,
        unit=cadre.unit,
        status=status,
        confirm_due=aware(klass.start_date - dt.timedelta(days=3)),
        **extra,
    )


def makeup_row(source, *, due, owed_on, status=MakeupStatus.OWED, escalated=False):
    makeup = Makeup.objects.create(
        cadre=source.cadre,
        source=source,
        reason="absence",
        due_date=due,
        status=status,
        escalated=escalated,
    )
    Makeup.objects.filter(pk=makeup.pk).update(created_at=aware(owed_on))
    return makeup
