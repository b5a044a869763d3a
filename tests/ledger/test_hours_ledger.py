"""The hours ledger page (/hours/): the records of the cadres in reach, filtered, paged in
a flat number of queries, with their count and recognized hours; downloaded with the same
filters and jurisdiction, ID numbers masked."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from ledger.models import HourRecord
from tests.exports.sheets import by_header, csv_by_header, xlsx
from tests.factories import cadre

_keys = itertools.count()
DAY = dt.date(2026, 3, 2)


def record(person, hours, day=DAY, *, source="class", status="recognized", kind="concentrated"):
    return HourRecord.objects.create(
        cadre=person,
        hours=Decimal(str(hours)),
        date=day,
        kind=kind,
        source=source,
        source_key=f"ledger-test:{next(_keys)}",
        status=status,
        note=f"note {hours}",
    )


@pytest.fixture
def ledger(world):
    """Four records in unit A (one pending), one in A1 online, one in county unit B."""
    return {
        "old": record(world.cadre_a, 8, DAY - dt.timedelta(days=60)),
        "new": record(world.cadre_a, 16, DAY + dt.timedelta(days=10)),
        "pending": record(world.cadre_a, 4, DAY, source="recognition", status="pending"),
        "filing": record(world.cadre_a, 24, DAY, source="filing"),
        "online": record(world.cadre_a1, 2.5, DAY, source="online_import", kind="online"),
        "county": record(world.cadre_b, 12, DAY),
    }


def listed(response) -> list[int]:
    assert response.status_code == 200, response.status_code
    return [r.pk for r in response.context["page"]]


def test_the_dispatcher_sees_every_record_in_reach_newest_first(world, client, ledger):
    client.force_login(world.bob)
    response = client.get("/hours/")
    pks = listed(response)
    assert set(pks) == {r.pk for r in ledger.values()}
    days = [HourRecord.objects.get(pk=pk).date for pk in pks]
    assert days == sorted(days, reverse=True)
    assert pks[0] == ledger["new"].pk
    # The count, and the hours of recognized records only (not the pending 4).
    assert response.context["totals"]["rows"] == 6
    assert response.context["totals"]["hours"] == Decimal("62.5")
    text = response.content.decode()
    assert "共 6 条记录，已认定 62.5 学时。" in text
    assert world.cadre_a.name in text and "网络平台导入" in text


def test_the_online_hours_import_is_offered_to_those_who_may_import(world, client, ledger):
    client.force_login(world.bob)  # a dispatcher: the import page, one click away
    assert 'href="/hours/import/"' in client.get("/hours/").content.decode()
    assert client.get("/hours/import/").status_code == 200
    client.force_login(world.alice)  # a unit head reads the ledger but may not import
    assert 'href="/hours/import/"' not in client.get("/hours/").content.decode()


def test_each_sees_only_their_jurisdiction(world, client, ledger):
    client.force_login(world.carol)  # the county's dispatcher
    assert listed(client.get("/hours/")) == [ledger["county"].pk]
    client.force_login(world.alice)  # heads unit A (and its section A1)
    assert set(listed(client.get("/hours/"))) == {
        ledger[k].pk for k in ("old", "new", "pending", "filing", "online")
    }


def test_the_filters_narrow_the_list(world, client, ledger):
    client.force_login(world.bob)
    cases = {
        f"unit={world.a1.pk}": {"online"},
        f"q={world.cadre_b.name}": {"county"},
        "kind=online": {"online"},
        "source=filing": {"filing"},
        "status=pending": {"pending"},
        f"since={DAY}": {"new", "pending", "filing", "online", "county"},
        f"until={DAY - dt.timedelta(days=1)}": {"old"},
        f"since={DAY}&until={DAY}&kind=concentrated&unit={world.a.pk}": {"pending", "filing"},
    }
    for query, keys in cases.items():
        assert set(listed(client.get(f"/hours/?{query}"))) == {ledger[k].pk for k in keys}, query


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("since=2026-13-01", "since", "有效的日期"),
        ("until=1066-10-14", "until", "1900"),
        ("since=2026-05-01&until=2026-04-01", "until", "截止日期不能早于起始日期"),
        ("kind=lecture", "kind", "lecture"),
        ("status=lost", "status", "lost"),
    ],
)
def test_bad_filters_say_why_and_list_nothing(world, client, ledger, query, field, message):
    client.force_login(world.bob)
    response = client.get(f"/hours/?{query}")
    assert response.status_code == 200
    assert response.context["page"] is None
    assert message in " ".join(response.context["form"].errors[field])
    assert "共 " not in response.content.decode()
    # Nor is a download made of an unfiltered list.
    response = client.get(f"/hours/?{query}&format=xlsx")
    assert response["Content-Type"].startswith("text/html")


def test_refusals(world, client, ledger):
    assert client.get("/hours/")["Location"].startswith("/accounts/login/")
    client.force_login(world.nobody)
    assert client.get("/hours/").status_code == 403
    client.force_login(world.dave)  # a trainee: their own record is at /cadres/<id>/record/
    assert client.get("/hours/").status_code == 403
    client.force_login(world.charlie)
    assert client.get(f"/hours/?unit={world.a.pk}").status_code == 404
    assert client.get(f"/hours/?unit={world.a.pk}&format=csv").status_code == 404


def test_the_download_has_the_filtered_list_with_masked_ids(world, client, ledger):
    client.force_login(world.bob)
    sheet = xlsx(client.get(f"/hours/?unit={world.a.pk}&format=xlsx"))
    assert [c.value for c in sheet[1]] == [
        "日期",
        "姓名",
        "身份证号码",
        "单位",
        "学时",
        "天数",
        "类别",
        "来源",
        "状态",
        "备注",
        "记入台账时间",
    ]
    rows = by_header(sheet)
    assert len(rows) == 5
    assert {r["姓名"].value for r in rows} == {world.cadre_a.name, world.cadre_a1.name}
    first = rows[0]
    assert first["日期"].value == dt.datetime.combine(ledger["new"].date, dt.time())
    assert first["学时"].value == 16
    assert first["身份证号码"].value == world.cadre_a.masked_id_number
    online = next(r for r in rows if r["姓名"].value == world.cadre_a1.name)
    assert (online["类别"].value, online["来源"].value) == ("网络自学", "网络平台导入")
    assert isinstance(online["记入台账时间"].value, dt.datetime)
    body = str([[c.value for c in r.values()] for r in rows])
    assert world.cadre_a.id_number not in body
    csv = csv_by_header(client.get("/hours/?status=pending&format=csv"))
    pending = [(r["姓名"], r["学时"], r["状态"]) for r in csv]
    assert pending == [(world.cadre_a.name, "4.0", "待审批")]


def test_an_outsider_downloads_only_their_own(world, client, ledger):
    client.force_login(world.charlie)  # heads county unit B
    rows = csv_by_header(client.get("/hours/?format=csv"))
    assert [r["姓名"] for r in rows] == [world.cadre_b.name]


def test_fifty_a_page_and_the_next_keeps_the_filters(world, client):
    HourRecord.objects.bulk_create(
        HourRecord(
            cadre=world.cadre_a,
            hours=Decimal(1),
            date=DAY - dt.timedelta(days=n),
            kind="online",
            source="online_import",
            source_key=f"page:{n}",
        )
        for n in range(120)
    )
    client.force_login(world.bob)
    response = client.get(f"/hours/?kind=online&unit={world.a.pk}")
    assert len(listed(response)) == 50
    assert response.context["totals"]["rows"] == 120
    assert f"kind=online&amp;unit={world.a.pk}&amp;page=2" in response.content.decode()
    third = client.get(f"/hours/?kind=online&unit={world.a.pk}&page=3")
    assert len(listed(third)) == 20
    assert listed(third)[-1] == HourRecord.objects.get(source_key="page:119").pk


def test_pages_past_the_last_served_one_give_the_last_and_say_how_to_go_on(
    world, client, monkeypatch
):
    monkeypatch.setattr("ledger.views.LEDGER_MAX_PAGES", 2)
    for n in range(120):
        record(world.cadre_a, 1, DAY - dt.timedelta(days=n))
    client.force_login(world.bob)
    response = client.get("/hours/?page=3")
    assert response.context["page"].number == 2
    assert response.context["totals"]["rows"] == 120  # the count is still the whole list
    text = response.content.decode()
    assert "page=3" not in text
    assert "更早的记录：请缩小日期或单位范围，或下载列表。" in text
    assert "更早的记录" not in client.get("/hours/?page=1").content.decode()


@pytest.mark.parametrize("records", [2, 60])
def test_the_page_reads_a_flat_number_of_queries(
    world, client, django_assert_max_num_queries, records
):
    people = [cadre(f"干部{n}", world.a if n % 2 else world.a1, world.city_od) for n in range(6)]
    for n in range(records):
        record(people[n % len(people)], 2, DAY - dt.timedelta(days=n))
    client.force_login(world.bob)
    with django_assert_max_num_queries(12):
        assert len(listed(client.get("/hours/"))) == min(records, 50)


def test_the_compliance_page_links_to_the_ledger_of_its_unit(world, client):
    client.force_login(world.bob)
    assert 'href="/hours/"' in client.get("/compliance/").content.decode()
    page = client.get(f"/compliance/?unit={world.a.pk}").content.decode()
    assert f'href="/hours/?unit={world.a.pk}"' in page
