"""Circulars: figures that reconcile with the rows they count, a printed document that
carries every figure, and nobody outside the department's jurisdiction near either."""

import datetime as dt

import pdfplumber
import pytest
from django.test import TestCase
from django.utils import timezone

from circulars.selectors import absentee_rows
from circulars.services import figures_now
from dispatch.models import Dispatch, DispatchStatus, Makeup, MakeupStatus
from notifications.models import IssuedDocument
from tests.circulars.kit import dispatch_row, issue_circular, makeup_row, pdf_text, start_circular
from tests.factories import aware, training_class
from tests.flowtools import act, open_task, process_of


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
            "cadre_id": world.cadre_a.pk,
        }
    ]

    text = pdf_text(issue_circular(client, world, staff, circular))
    assert "未组织干部调训" in text and "如下" not in text
    assert "王堃" in text and "补训逾期" in text


# A quarter with every kind of dispatch ------------------------------------------------

Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
_n = iter(range(1, 100000))


def person(world, unit):
    from tests.factories import cadre

    n = next(_n)
    return cadre(f"学员{n:03d}", unit, world.city_od)


@pytest.fixture
def quarter(world):
    """Dispatches in every status over three units in 2026 Q1, one outside the period on
    each side, and makeups owed, scheduled, overdue, attended, cancelled and owed too late."""
    from decimal import Decimal

    from ledger.models import HourRecord

    feb = training_class(world.city_od, world.school, dt.date(2026, 2, 2), quota=50)
    mar = training_class(world.city_od, world.school, dt.date(2026, 3, 9), quota=50)
    before = training_class(world.city_od, world.school, dt.date(2025, 6, 2), name="2025年春季班")
    after = training_class(world.city_od, world.school, dt.date(2026, 4, 13))
    S = DispatchStatus
    sent = {"acknowledge_due": aware(dt.date(2026, 1, 20))}
    signed = {**sent, "acknowledged_at": aware(dt.date(2026, 1, 18))}
    plan = [
        (world.a, feb, S.NAMED, {}),
        (world.a, feb, S.REQUESTED, {"request_kind": "leave"}),
        (world.a, feb, S.CONFIRMED, {}),
        (world.a, feb, S.NOTIFIED, sent),
        (world.a, feb, S.ACKNOWLEDGED, signed),
        (world.a, feb, S.ATTENDED, signed),
        (world.a, mar, S.ATTENDED, signed),
        (world.a, feb, S.ABSENT, sent),
        (world.a, feb, S.DEFERRED, {"request_kind": "leave"}),
        (world.a, feb, S.CANCELLED, sent),
        (world.a1, feb, S.DEFERRED, {"request_kind": "deferral"}),
        (world.a1, feb, S.EXEMPT, {"request_kind": "exemption"}),
        (world.a1, mar, S.WITHDRAWN, signed),
        (world.a1, mar, S.ATTENDED, signed),
        (world.a1, mar, S.ABSENT, signed),
        (world.b, mar, S.ATTENDED, signed),
        (world.b, mar, S.NOTIFIED, sent),
        (world.b, mar, S.DEFERRED, {"request_kind": "leave"}),
        (world.b, mar, S.ABSENT, sent),
        (world.a, before, S.ABSENT, signed),  # before the period
        (world.b, after, S.ATTENDED, signed),  # after the period
    ]
    rows = [
        dispatch_row(world, klass, person(world, unit), status, **extra)
        for unit, klass, status, extra in plan
    ]
    by = {(r.unit_id, r.training_class_id, r.status): r for r in rows}
    M = MakeupStatus
    makeup_row(
        by[world.a.pk, feb.pk, S.ABSENT], due=dt.date(2027, 2, 2), owed_on=dt.date(2026, 2, 7)
    )
    makeup_row(
        by[world.a.pk, feb.pk, S.DEFERRED], due=dt.date(2027, 1, 15), owed_on=dt.date(2026, 1, 15)
    )
    makeup_row(  # overdue by date, though scheduled
        by[world.a1.pk, mar.pk, S.WITHDRAWN],
        due=dt.date(2026, 3, 20),
        owed_on=dt.date(2026, 3, 12),
        status=M.SCHEDULED,
    )
    makeup_row(
        by[world.a1.pk, feb.pk, S.DEFERRED],
        due=dt.date(2027, 1, 1),
        owed_on=dt.date(2026, 1, 10),
        status=M.ATTENDED,
    )
    makeup_row(
        by[world.a1.pk, mar.pk, S.ABSENT], due=dt.date(2027, 3, 13), owed_on=dt.date(2026, 3, 14)
    )
    makeup_row(
        by[world.b.pk, mar.pk, S.ABSENT], due=dt.date(2027, 3, 13), owed_on=dt.date(2026, 5, 1)
    )
    makeup_row(
        by[world.b.pk, mar.pk, S.DEFERRED],
        due=dt.date(2027, 3, 13),
        owed_on=dt.date(2026, 3, 1),
        status=M.CANCELLED,
    )
    makeup_row(  # escalated, from last year
        by[world.a.pk, before.pk, S.ABSENT],
        due=dt.date(2025, 12, 31),
        owed_on=dt.date(2025, 6, 8),
        escalated=True,
    )
    for i, r in enumerate(rows[:6]):  # some cadres have done their hours
        HourRecord.objects.create(
            cadre=r.cadre,
            hours=Decimal("100"),
            date=dt.date(2026, 2, 10),
            kind="concentrated",
            source="class",
            source_key=f"q:{i}",
            status="recognized",
        )
    return rows


def expected_figures(world, start, end):
    """The figures counted one row at a time, straight from Dispatch and Makeup."""
    from collections import Counter, defaultdict

    from ledger import compliance
    from org.models import Cadre, Unit

    S = DispatchStatus
    counts: dict = defaultdict(Counter)
    reach = set(Unit.objects.subtree(world.city_od.jurisdiction).values_list("pk", flat=True))
    for d in Dispatch.objects.select_related("training_class"):
        if d.unit_id not in reach or d.status == S.CANCELLED:
            continue
        if not start <= d.training_class.start_date <= end:
            continue
        c = counts[d.unit_id]
        c["named"] += 1
        key = {
            S.ATTENDED: "attended",
            S.EXEMPT: "exempt",
            S.ABSENT: "absent",
            S.WITHDRAWN: "withdrawn",
        }.get(d.status)
        if d.status == S.DEFERRED:
            key = "leave" if d.request_kind == "leave" else "deferred"
        c[key or "in_progress"] += 1
        c["notified"] += d.acknowledge_due is not None
        c["acknowledged"] += d.acknowledged_at is not None
    makeups = Makeup.objects.select_related("source").prefetch_related(
        "makeup_dispatches__training_class"
    )
    for m in makeups:
        owed_by_end = timezone.localtime(m.created_at).date() <= end
        if m.source.unit_id not in reach or not owed_by_end:
            continue
        if m.status == MakeupStatus.CANCELLED:
            continue
        # Attended in a class that had ended by the period's end: done by then.
        ended = [
            d.training_class.end_date
            for d in m.makeup_dispatches.all()
            if d.status == DispatchStatus.ATTENDED
        ]
        if m.status == MakeupStatus.ATTENDED and not any(day > end for day in ended):
            continue
        counts[m.source.unit_id]["makeup_owed"] += 1
        counts[m.source.unit_id]["makeup_overdue"] += m.due_date < end
    for row in compliance.evaluate(Cadre.objects.filter(unit_id__in=list(counts)), end):
        counts[row["unit_id"]]["cadres"] += 1
        counts[row["unit_id"]]["compliant"] += row["status"] in (
            compliance.MET,
            compliance.ON_TRACK,
        )
    return counts


def pdf_rows(document):
    """Every table row of the PDF, cells with their line breaks removed."""
    with document.file.open("rb") as handle, pdfplumber.open(handle) as pdf:
        return [
            [(cell or "").replace("\n", "") for cell in row]
            for page in pdf.pages
            for table in page.extract_tables()
            for row in table
        ]


def percent(part, whole):
    return f"{100 * part / whole:.1f}%" if whole else "—"


def test_the_issued_circular_prints_every_figure_and_its_totals_add_up(
    world, staff, client, quarter
):
    circular = start_circular(client, world, *Q1)
    figures = circular.figures
    totals = figures["totals"]

    # The drafter and the head see the same figures before it is issued.
    process = process_of(circular, "CircularFlow")
    client.force_login(world.bob)
    draft = open_task(process, "draft")
    client.post(f"/workflow/circular/{process.pk}/draft/{draft.pk}/assign/")
    page = client.get(f"/workflow/circular/{process.pk}/draft/{draft.pk}/execute/")
    html = page.content.decode()
    for table in (
        "circular-attendance",
        "circular-followup",
        "circular-absentees",
        "circular-overdue",
    ):
        assert f'id="{table}"' in html
    expected_total = totals["named"] - totals["exempt"] - totals["in_progress"]
    for text in (
        percent(totals["attended"], expected_total),
        percent(totals["acknowledged"], totals["notified"]),
        percent(totals["compliant"], totals["cadres"]),
        *(a["name"] for a in absentee_rows(figures)),
        *(m["name"] for m in figures["overdue_makeups"]),
    ):
        assert text in html

    document = issue_circular(client, world, staff, circular)
    rows = pdf_rows(document)
    table1 = [r for r in rows if len(r) == 11]
    table2 = [r for r in rows if len(r) == 8]
    sums1 = next(r for r in table1 if r[1] == "合计")
    assert sums1[2:] == [
        str(totals[k])
        for k in (
            "named",
            "attended",
            "leave",
            "deferred",
            "exempt",
            "absent",
            "withdrawn",
            "in_progress",
        )
    ] + [percent(totals["attended"], expected_total)]
    sums2 = next(r for r in table2 if r[1] == "合计")
    assert sums2[2:] == [
        str(totals["makeup_owed"]),
        str(totals["makeup_overdue"]),
        str(totals["notified"]),
        str(totals["acknowledged"]),
        percent(totals["acknowledged"], totals["notified"]),
        percent(totals["compliant"], totals["cadres"]),
    ]
    # Every unit's line, in both tables.
    for row in figures["units"]:
        line1 = next(r for r in table1 if r[1] == row["unit"])
        line2 = next(r for r in table2 if r[1] == row["unit"])
        expected = row["named"] - row["exempt"] - row["in_progress"]
        assert line1[2:10] == [
            str(row[k])
            for k in (
                "named",
                "attended",
                "leave",
                "deferred",
                "exempt",
                "absent",
                "withdrawn",
                "in_progress",
            )
        ]
        assert line1[10] == percent(row["attended"], expected)
        assert line2[2:] == [
            str(row["makeup_owed"]),
            str(row["makeup_overdue"]),
            str(row["notified"]),
            str(row["acknowledged"]),
            percent(row["acknowledged"], row["notified"]),
            percent(row["compliant"], row["cadres"]),
        ]
    # The named lists: absent without approval, and overdue makeups with their due dates.
    absent = {(r[1], r[2]) for r in rows if len(r) == 4 and r[0].isdigit()}
    absentees = absentee_rows(figures)
    assert absent == {(a["name"], a["unit"]) for a in absentees}
    assert len(absentees) == totals["absent"] == 3
    overdue = {(r[1], r[2]) for r in rows if len(r) == 5 and r[0].isdigit()}
    assert overdue == {(m["name"], m["unit"]) for m in figures["overdue_makeups"]}
    assert len(overdue) == totals["makeup_overdue"] == 2
    assert any("2025年12月31日" in r[4] for r in rows if len(r) == 5)


def test_every_figure_reconciles_with_the_dispatch_and_makeup_rows(world, client, quarter):
    # The quarter holds a dispatch in every status there is.
    assert {d.status for d in quarter} == set(DispatchStatus.values)
    circular = start_circular(client, world, *Q1)
    figures = circular.figures
    expected = expected_figures(world, *Q1)

    keys = (
        "named",
        "attended",
        "leave",
        "deferred",
        "exempt",
        "absent",
        "withdrawn",
        "in_progress",
        "notified",
        "acknowledged",
        "makeup_owed",
        "makeup_overdue",
        "cadres",
        "compliant",
    )
    assert {row["unit_id"] for row in figures["units"]} == set(expected)
    for row in figures["units"]:
        counted = expected[row["unit_id"]]
        assert {k: row[k] for k in keys} == {k: counted[k] for k in keys}, row["unit"]
        parts = ("attended", "leave", "deferred", "exempt", "absent", "withdrawn", "in_progress")
        assert row["named"] == sum(row[k] for k in parts)
        # Counts only: each rate is computed from them where it is printed.
        assert "ack_rate" not in row and "compliance_rate" not in row
    totals = figures["totals"]
    for k in keys:
        assert totals[k] == sum(c[k] for c in expected.values()), k
    assert "ack_rate" not in totals and "compliance_rate" not in totals
    # The worked numbers, so that a wrong rule in both places would still show.
    assert (totals["named"], totals["in_progress"], totals["makeup_owed"]) == (18, 6, 5)
    assert (totals["leave"], totals["deferred"], totals["makeup_overdue"]) == (2, 1, 2)

    in_period = [d for d in quarter if Q1[0] <= d.training_class.start_date <= Q1[1]]
    assert sorted(a["name"] for a in absentee_rows(figures)) == sorted(
        d.cadre.name for d in in_period if d.status == DispatchStatus.ABSENT
    )
    overdue = [
        m
        for m in Makeup.objects.exclude(status__in=[MakeupStatus.ATTENDED, MakeupStatus.CANCELLED])
        if timezone.localtime(m.created_at).date() <= Q1[1] and (m.escalated or m.due_date < Q1[1])
    ]
    assert sorted(m["name"] for m in figures["overdue_makeups"]) == sorted(
        m.cadre.name for m in overdue
    )


def test_outsiders_are_refused_the_circular_task_process_and_document(
    world, staff, client, quarter
):
    from org.models import OrgDepartment, UnitKind
    from tests.factories import unit, user

    # A neighbouring city: its org department's dispatcher and one of its unit heads.
    other_root = unit("中共邻市委", kind=UnitKind.PARTY_ORGAN)
    OrgDepartment.objects.create(
        unit=unit("中共邻市委组织部", other_root, kind=UnitKind.ORG_DEPARTMENT),
        jurisdiction=other_root,
        issuer_code="邻组通",
    )
    stranger_dispatcher = user("nina", "dispatcher", other_root)
    stranger_head = user("ned", "department_head", unit("邻市财政局", other_root))

    circular = start_circular(client, world, *Q1)
    process = process_of(circular, "CircularFlow")
    draft = open_task(process, "draft")
    base = f"/workflow/circular/{process.pk}"
    # Inside the city but not its dispatchers: the county's dispatcher and org head, unit
    # heads and a liaison. Outside it: the neighbouring city's dispatcher and unit head.
    inside = [world.carol, staff.olga, world.alice, world.charlie, staff.lily]
    outside = [stranger_dispatcher, stranger_head, world.nobody]
    for outsider in inside + outside:
        client.force_login(outsider)
        # None of them reaches the city department's circular: 404 on every page.
        assert client.post(f"{base}/draft/{draft.pk}/assign/").status_code == 404
        assert client.get(f"{base}/draft/{draft.pk}/execute/").status_code == 404
        assert client.get(f"{base}/").status_code == 404
    circular.refresh_from_db()
    assert circular.status == "draft"

    document = issue_circular(client, world, staff, circular)
    for outsider in outside:
        client.force_login(outsider)
        assert client.get(f"/documents/{document.pk}/").status_code == 404
        assert client.get(f"{base}/").status_code == 404
    # The issued circular is addressed to the units it counts: their heads and the county
    # department may read it (and were sent it), though never its process.
    for reader in (world.charlie, world.carol):
        client.force_login(reader)
        assert client.get(f"/documents/{document.pk}/").status_code == 200
        assert client.get(f"{base}/").status_code == 404


def test_figures_are_counted_when_the_drafter_opens_and_submits_and_kept_when_returned(
    world, staff, client, quarter
):
    from audit.models import AuditEvent

    circular = start_circular(client, world, *Q1)
    process = process_of(circular, "CircularFlow")
    first = circular.figures["totals"]
    client.force_login(world.bob)
    act(client, open_task(process, "draft"), {"title": circular.title, "body": "初稿"})

    # While the head reads it, the registrar records a late attendance.
    notified = next(d for d in quarter if d.status == DispatchStatus.NOTIFIED)
    Dispatch.objects.filter(pk=notified.pk).update(status=DispatchStatus.ATTENDED)
    client.force_login(staff.oscar)
    act(client, open_task(process, "approval"), {"decision": "return", "reason": "请核实数据"})
    circular.refresh_from_db()
    # Returned, the circular keeps the figures its text was submitted with …
    assert circular.figures["totals"] == first
    returned = figures_now(circular)["totals"]
    assert (returned["attended"], returned["in_progress"]) == (
        first["attended"] + 1,
        first["in_progress"] - 1,
    )
    # … and the drafter sees the figures as they now stand.
    client.force_login(world.bob)
    draft = open_task(process, "draft")
    client.post(f"/workflow/circular/{process.pk}/draft/{draft.pk}/assign/")
    page = client.get(f"/workflow/circular/{process.pk}/draft/{draft.pk}/execute/")
    expected = returned["named"] - returned["exempt"] - returned["in_progress"]
    assert percent(returned["attended"], expected) in page.content.decode()

    # Before the drafter resubmits, a makeup is attended and another dispatch absent.
    Makeup.objects.filter(status=MakeupStatus.SCHEDULED).update(status=MakeupStatus.ATTENDED)
    named = next(d for d in quarter if d.status == DispatchStatus.NAMED)
    Dispatch.objects.filter(pk=named.pk).update(status=DispatchStatus.ABSENT)
    act(client, draft, {"title": circular.title, "body": "修改稿"})
    circular.refresh_from_db()
    totals = circular.figures["totals"]
    assert totals["absent"] == returned["absent"] + 1
    assert totals["makeup_owed"] == returned["makeup_owed"] - 1
    assert totals["makeup_overdue"] == returned["makeup_overdue"] - 1
    assert named.cadre.name in {a["name"] for a in absentee_rows(circular.figures)}

    events = AuditEvent.objects.filter(verb="circular.recompute", target_id=str(circular.pk))
    assert [(e.actor.username, e.note) for e in events.order_by("id")] == [
        ("bob", "submitted: figures unchanged"),
        ("bob", "submitted: figures changed"),
    ]
    last = events.order_by("id").last()
    assert last.before["figures"]["totals"] == first and last.after["figures"]["totals"] == totals

    # What the head approves is what is printed.
    client.force_login(staff.oscar)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the task that renders it
        act(client, open_task(process, "approval"), {"decision": "approve"})
    circular.refresh_from_db()
    sums = next(
        r
        for r in pdf_rows(IssuedDocument.objects.get(pk=circular.document_id))
        if len(r) == 11 and r[1] == "合计"
    )
    assert sums[2:4] == [str(totals["named"]), str(totals["attended"])]
    assert sums[7] == str(totals["absent"])
