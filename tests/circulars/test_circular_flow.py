"""A circular (通报) through its flow as the real roles: started by a dispatcher for a
period or by the schedule, its figures reconciled with the dispatches, returned and
approved by the department's head, and issued as a document."""

import datetime as dt

import pdfplumber
import time_machine
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from circulars.models import Circular, CircularStatus
from circulars.selectors import absentee_rows
from dispatch.models import Dispatch, DispatchStatus
from notifications.documents import circular as circular_document
from tests.factories import training_class
from tests.flowtools import act, circular_start, open_task, process_of, run_to_absence


def test_a_circular_reconciles_with_dispatch_statuses_and_is_issued(world, staff, client):
    klass = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=20))
    run_to_absence(client, world, staff, klass, world.cadre_a)
    # A second, deferred dispatch in the same class.
    from dispatch import services

    deferred = services.dispatches_create(
        actor=world.bob, roll_call=Dispatch.objects.first().roll_call, cadres=[world.cadre_a1]
    )[0]
    Dispatch.objects.filter(pk=deferred.pk).update(
        status=DispatchStatus.DEFERRED, request_kind="deferral"
    )

    today = timezone.localdate()
    response = circular_start(client, world, today - dt.timedelta(days=1), today)
    assert response.status_code == 302, response.content.decode()[-2000:]
    circular = Circular.objects.get()
    figures = circular.figures
    by_unit = {row["unit"]: row for row in figures["units"]}
    assert by_unit["某市发展和改革委员会"]["absent"] == 1
    assert by_unit["综合科"]["deferred"] == 1
    totals = figures["totals"]
    for status, key in [("absent", "absent"), ("deferred", "deferred")]:
        assert totals[key] == Dispatch.objects.filter(status=status).count()
    parts = ("attended", "leave", "deferred", "exempt", "absent", "withdrawn", "in_progress")
    assert sum(totals[k] for k in parts) == totals["named"] == Dispatch.objects.count()
    assert absentee_rows(figures) == [
        {"name": "王堃", "unit": "某市发展和改革委员会", "missed_class": klass.name}
    ]
    assert any(v.startswith("b-concentrated@v1") for v in figures["rule_versions"])

    process = process_of(circular, "CircularFlow")
    client.force_login(world.bob)
    act(
        client, open_task(process, "draft"), {"title": circular.title, "body": "经研究，现予通报。"}
    )
    client.force_login(staff.oscar)
    act(client, open_task(process, "approval"), {"decision": "return", "reason": "请补充整改要求"})
    circular.refresh_from_db()
    assert circular.status == CircularStatus.RETURNED
    client.force_login(world.bob)
    act(
        client, open_task(process, "draft"), {"title": circular.title, "body": "请各单位认真整改。"}
    )
    client.force_login(staff.oscar)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the task that renders it
        act(client, open_task(process, "approval"), {"decision": "approve"})
    circular.refresh_from_db()
    assert circular.status == CircularStatus.ISSUED
    assert circular.document_number.startswith("X组通〔")

    from notifications.models import IssuedDocument

    document = IssuedDocument.objects.get(pk=circular.document_id)
    assert document.issued_by == staff.oscar  # the head who approved it
    with document.file.open("rb") as handle, pdfplumber.open(handle) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    assert "王堃" in text and "通报" in text
    assert "请各单位认真整改" in text.replace("\n", "")


def test_a_circular_for_a_period_without_dispatches_is_still_issued(world, staff, client):
    response = circular_start(client, world, dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert response.status_code == 302
    circular = Circular.objects.get()
    assert circular.figures["units"] == [] and circular.figures["totals"]["named"] == 0
    process = process_of(circular, "CircularFlow")
    act(client, open_task(process, "draft"), {"title": circular.title, "body": ""})
    client.force_login(staff.oscar)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the task that renders it
        act(client, open_task(process, "approval"), {"decision": "approve"})
    circular.refresh_from_db()
    assert circular.status == CircularStatus.ISSUED
    from notifications.models import IssuedDocument

    document = IssuedDocument.objects.get(pk=circular.document_id)
    with document.file.open("rb") as handle, pdfplumber.open(handle) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    assert "未组织干部调训" in text.replace("\n", "") and "如下" not in text


def test_a_circular_period_ending_before_it_starts_is_refused(world, client):
    response = circular_start(client, world, dt.date(2026, 3, 31), dt.date(2026, 1, 1))
    assert response.status_code == 200
    assert not Circular.objects.exists()


def test_only_dispatchers_start_circulars_and_only_their_head_approves(world, staff, client):
    for outsider in (world.alice, staff.lily, world.nobody):
        client.force_login(outsider)
        assert client.get("/workflow/circular/start/").status_code == 403
    circular_start(client, world, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    process = process_of(Circular.objects.get(), "CircularFlow")
    act(client, open_task(process, "draft"), {"title": "通报", "body": ""})
    task = open_task(process, "approval")
    # The city's dispatcher sees the circular but may not approve it (403); the county's
    # org head and a unit head do not reach the city department's circular (404).
    for outsider, refused in ((world.bob, 403), (staff.olga, 404), (world.alice, 404)):
        client.force_login(outsider)
        assert (
            client.post(f"/workflow/circular/{process.pk}/approval/{task.pk}/assign/").status_code
            == refused
        )


def test_the_schedule_starts_one_circular_per_department_per_period(world, client):
    with time_machine.travel(dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC), tick=False):
        call_command("start_circulars")
        call_command("start_circulars")  # idempotent
    circulars = Circular.objects.order_by("org_department__issuer_code")
    assert circulars.count() == 2  # the city and the county
    assert {(c.period_start, c.period_end) for c in circulars} == {
        (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    }
    assert circulars[0].title == "关于2026年第一季度干部调训情况的通报"
    process = process_of(circulars.get(org_department=world.city_od), "CircularFlow")
    assert open_task(process, "draft")


def test_period_arithmetic():
    from circulars.management.commands.start_circulars import last_finished_period

    assert last_finished_period("month", dt.date(2026, 3, 15)) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )
    assert last_finished_period("quarter", dt.date(2026, 1, 5)) == (
        dt.date(2025, 10, 1),
        dt.date(2025, 12, 31),
    )
    assert last_finished_period("year", dt.date(2026, 1, 1)) == (
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
    )


def test_the_printed_table_adds_up():
    from circulars.flows import printed_rows

    figures = {
        "units": [
            {
                "unit": "甲",
                "named": 10,
                "attended": 4,
                "leave": 1,
                "deferred": 1,
                "exempt": 1,
                "absent": 1,
                "withdrawn": 1,
                "in_progress": 1,
                "makeup_owed": 3,
            },
            {
                "unit": "乙",
                "named": 2,
                "attended": 0,
                "leave": 0,
                "deferred": 0,
                "exempt": 0,
                "absent": 0,
                "withdrawn": 0,
                "in_progress": 2,
                "makeup_owed": 0,
            },
        ]
    }
    rows = printed_rows(figures)
    assert [r["unit"] for r in rows] == ["甲", "乙"]
    parts = ("attended", "leave", "deferred", "exempt", "absent", "withdrawn", "in_progress")
    for row in rows:
        assert row["named"] == sum(row[k] for k in parts)
        assert (
            row["expected"] == row["attended"] + row["excused"] + row["absent"] + row["withdrawn"]
        )
    assert rows[0]["expected"] == 8 and rows[1]["expected"] == 0  # nothing finished yet at 乙

    from notifications.documents.context import Issuer

    context = circular_document.circular(
        issuer=Issuer(name="中共某市委组织部", code="X组通"),
        period="2026年第一季度",
        figures=rows,
        date=dt.date(2026, 4, 2),
    )
    # Only lines with someone expected to attend get a bar.
    assert [label for label, _ in context.attachments[1].blocks[0].bars] == ["甲"]
