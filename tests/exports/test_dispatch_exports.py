"""The dispatch lists downloaded: classes, dispatches, overdue work, roll calls, a roll
call's dispatches and acknowledgements, a class's attendance roster, a cadre's hours
ledger — each with the page's jurisdiction and refusals."""

import datetime as dt

import pytest
from django.utils import timezone

from dispatch import selectors
from dispatch.models import Dispatch, DispatchStatus, RollCall
from tests.exports.sheets import by_header, csv_by_header, xlsx
from tests.factories import cadre, credit, training_class
from tests.flowtools import act, at_attendance, issue_roll_call, open_task, process_of

XLSX = "format=xlsx"


def column(sheet, header):
    return [row[header].value for row in by_header(sheet)]


def dispatches(world, klass, people, **fields):
    """Dispatches written directly (a list only reads them), in one roll call of the city."""
    roll_call = RollCall.objects.create(
        training_class=klass,
        org_department=world.city_od,
        mode="named",
        response_deadline=timezone.now() + dt.timedelta(days=10),
        created_by=world.bob,
    )
    fields.setdefault("confirm_due", timezone.now() + dt.timedelta(days=5))
    return [
        Dispatch.objects.create(
            roll_call=roll_call, training_class=klass, cadre=c, unit=c.unit, **fields
        )
        for c in people
    ]


def test_the_class_list_downloads_the_classes_in_reach_with_dates_and_numbers(world, client, klass):
    client.force_login(world.bob)
    sheet = xlsx(client.get("/classes/?" + XLSX))
    row = next(r for r in by_header(sheet) if r["班次"].value == klass.name)
    assert row["开始日期"].is_date and row["开始日期"].value.date() == klass.start_date
    assert row["结束日期"].value.date() == klass.end_date
    assert row["学时"].data_type == "n" and row["学时"].value == 40
    assert row["培训机构"].value == world.school_unit.name
    for person in (world.bob, world.charlie):
        client.force_login(person)
        expected = set(selectors.class_list(person).values_list("name", flat=True))
        assert set(column(xlsx(client.get("/classes/?" + XLSX)), "班次")) == expected


def test_the_dispatch_list_keeps_the_status_filter_and_the_jurisdiction(world, client, klass):
    dispatches(world, klass, [world.cadre_a, world.cadre_b])
    dispatches(world, klass, [world.cadre_a1], status=DispatchStatus.CONFIRMED)
    client.force_login(world.bob)
    sheet = xlsx(client.get("/dispatches/?" + XLSX))
    assert sorted(column(sheet, "干部")) == sorted(
        [world.cadre_a.name, world.cadre_a1.name, world.cadre_b.name]
    )
    row = next(r for r in by_header(sheet) if r["干部"].value == world.cadre_a.name)
    assert row["身份证号码"].value == world.cadre_a.masked_id_number
    assert row["确认截止"].is_date
    assert row["状态"].value == str(DispatchStatus.NAMED.label)
    sheet = xlsx(client.get("/dispatches/?status=confirmed&" + XLSX))
    assert column(sheet, "干部") == [world.cadre_a1.name]
    client.force_login(world.charlie)
    rows = csv_by_header(client.get("/dispatches/?format=csv"))
    assert [r["干部"] for r in rows] == [world.cadre_b.name]


@pytest.mark.parametrize("count", [1, 50])
def test_the_dispatch_download_has_a_flat_query_count(
    world, client, klass, django_assert_max_num_queries, count
):
    people = [cadre(f"干部{n}", world.a1, world.city_od) for n in range(count)]
    dispatches(world, klass, people)
    client.force_login(world.bob)
    with django_assert_max_num_queries(6):
        rows = csv_by_header(client.get("/dispatches/?format=csv"))
    assert len(rows) == count


def test_the_overdue_list_downloads_each_table_in_reach(world, client, klass):
    past = timezone.now() - dt.timedelta(days=1)
    dispatches(world, klass, [world.cadre_a, world.cadre_b], confirm_due=past)
    client.force_login(world.bob)
    sheet = xlsx(client.get("/dispatches/overdue/?" + XLSX))
    assert sorted(column(sheet, "干部")) == sorted([world.cadre_a.name, world.cadre_b.name])
    client.force_login(world.charlie)
    assert column(xlsx(client.get("/dispatches/overdue/?" + XLSX)), "干部") == [world.cadre_b.name]
    headers = {
        "approvals": ["申请类别", "审批主体", "审批期限", "已督办"],
        "nominations": ["单位", "培训班次", "名额", "答复截止时间"],
    }
    for table, expected in headers.items():
        sheet = xlsx(client.get(f"/dispatches/overdue/?table={table}&" + XLSX))
        assert [c.value for c in sheet[1]] == expected
    html = client.get("/dispatches/overdue/").content.decode()
    assert "?format=xlsx&amp;table=nominations" in html


def test_the_roll_call_list_and_its_dispatches(world, client, klass):
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_a1])
    roll_call = RollCall.objects.get()
    sheet = xlsx(client.get("/rollcalls/?" + XLSX))
    assert column(sheet, "培训班次") == [klass.name]
    assert by_header(sheet)[0]["答复截止时间"].is_date
    sheet = xlsx(client.get(f"/rollcalls/{roll_call.pk}/?" + XLSX))
    assert sorted(column(sheet, "干部")) == sorted([world.cadre_a.name, world.cadre_a1.name])
    assert world.cadre_a.id_number not in str(column(sheet, "身份证号码"))
    client.force_login(world.charlie)
    assert client.get(f"/rollcalls/{roll_call.pk}/?" + XLSX).status_code == 404
    assert xlsx(client.get("/rollcalls/?" + XLSX)).max_row == 1


def test_the_acknowledgement_list(world, staff, client, klass):
    issue_roll_call(client, world, klass, [world.cadre_a])
    roll_call = RollCall.objects.get()
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    url = f"/rollcalls/{roll_call.pk}/acknowledgements/?" + XLSX
    client.force_login(world.bob)
    [row] = by_header(xlsx(client.get(url)))
    assert row["干部"].value == world.cadre_a.name
    assert row["发文字号"].value == Dispatch.objects.get().notice_reference != ""
    assert row["签收时间"].value == "未签收"
    client.force_login(world.dave)
    act(client, open_task(process, "acknowledge"), {"confirm": "on"})
    client.force_login(world.bob)
    [row] = by_header(xlsx(client.get(url)))
    assert row["签收时间"].is_date
    client.force_login(world.charlie)
    assert client.get(url).status_code == 404
    client.force_login(staff.oscar)  # reaches the roll call, issues no dispatch
    assert client.get(url).status_code == 403


def test_the_attendance_roster(world, staff, client, klass):
    at_attendance(client, world, staff, klass)
    url = f"/classes/{klass.pk}/attendance/?" + XLSX
    client.force_login(world.rita)
    [row] = by_header(xlsx(client.get(url)))
    assert row["干部"].value == world.cadre_a.name
    assert row["身份证号码"].value == world.cadre_a.masked_id_number
    # 状态 as the roster page words it: the attendance is awaited (not 已签收).
    page = client.get(f"/classes/{klass.pk}/attendance/").content.decode()
    assert row["状态"].value == "待登记考勤" and "待登记考勤" in page
    act(
        client,
        open_task(process_of(Dispatch.objects.get(), "DispatchFlow"), "record_attendance"),
        {"result": "present"},
    )
    [row] = by_header(xlsx(client.get(url)))
    assert row["认定学时"].value == 40 and row["认定学时"].data_type == "n"
    assert row["状态"].value == str(DispatchStatus.ATTENDED.label)
    client.force_login(world.bob)  # reaches the class, records no attendance
    assert client.get(url).status_code == 403
    client.force_login(world.charlie)
    other = training_class(world.county_od, world.school, klass.start_date)
    assert client.get(f"/classes/{other.pk}/attendance/?" + XLSX).status_code in (403, 404)


def test_the_hours_ledger_of_a_cadre(world, client):
    credit(world.cadre_a, 12.5, dt.date(2026, 3, 5), days=2)
    url = f"/cadres/{world.cadre_a.pk}/record/?" + XLSX
    client.force_login(world.bob)
    [row] = by_header(xlsx(client.get(url)))
    assert row["日期"].is_date and row["日期"].value.date() == dt.date(2026, 3, 5)
    assert row["学时"].value == 12.5 and row["天数"].value == 2
    client.force_login(world.charlie)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("count", [1, 50])
def test_the_hours_ledger_has_a_flat_query_count(
    world, client, django_assert_max_num_queries, count
):
    for n in range(count):
        credit(world.cadre_a, 2, dt.date(2026, 1, 1) + dt.timedelta(days=n))
    client.force_login(world.bob)
    with django_assert_max_num_queries(6):
        rows = csv_by_header(client.get(f"/cadres/{world.cadre_a.pk}/record/?format=csv"))
    assert len(rows) == count
