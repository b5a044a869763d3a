"""Circulars: figures that reconcile with the rows they count, a printed document that
carries every figure, and nobody outside the department's jurisdiction near either."""

import datetime as dt

import pdfplumber
import pytest
from django.utils import timezone

from dispatch.models import (
    Circular,
    Dispatch,
    DispatchStatus,
    Makeup,
    MakeupStatus,
)
from notifications.models import IssuedDocument
from tests.factories import training_class
from tests.flowtools import Staff, act, open_task, process_of


@pytest.fixture
def staff(world):
    return Staff(world)


def aware(day: dt.date, hour=9):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


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


def start_circular(client, world, start, end):
    client.force_login(world.bob)
    response = client.post(
        "/workflow/circular/start/",
        {
            "org_department": world.city_od.pk,
            "period_kind": "custom",
            "period_start": start,
            "period_end": end,
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    return Circular.objects.latest("id")


def issue(client, world, staff, circular, body=""):
    process = process_of(circular, "CircularFlow")
    client.force_login(world.bob)
    act(client, open_task(process, "draft"), {"title": circular.title, "body": body})
    client.force_login(staff.oscar)
    act(client, open_task(process, "approval"), {"decision": "approve"})
    circular.refresh_from_db()
    return IssuedDocument.objects.get(pk=circular.document_id)


def pdf_text(document):
    with document.file.open("rb") as handle, pdfplumber.open(handle) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "")


def test_an_overdue_makeup_is_reported_in_a_period_without_dispatches(world, staff, client):
    # 王堃 missed a class in 2025; the makeup fell due at the end of 2025 and escalated.
    old = training_class(world.city_od, world.school, dt.date(2025, 3, 10))
    missed = dispatch_row(world, old, world.cadre_a, DispatchStatus.ABSENT)
    makeup_row(missed, due=dt.date(2025, 12, 31), owed_on=dt.date(2025, 3, 15), escalated=True)

    circular = start_circular(client, world, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    figures = circular.figures
    assert [row["unit"] for row in figures["units"]] == ["某市发展和改革委员会"]
    row = figures["units"][0]
    assert row["named"] == 0 and row["makeup_owed"] == 1 and row["makeup_overdue"] == 1
    assert figures["totals"]["makeup_overdue"] == 1
    assert figures["overdue_makeups"] == [
        {
            "name": "王堃",
            "unit": "某市发展和改革委员会",
            "missed_class": old.name,
            "due_date": "2025-12-31",
            "status": "owed",
        }
    ]

    text = pdf_text(issue(client, world, staff, circular))
    assert "本期无调训情况" in text
    assert "王堃" in text and "补训逾期" in text
