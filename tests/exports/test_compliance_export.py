"""The compliance report downloaded: every row (not a page), in the page's order, with the
page's unit, status and period filters and jurisdiction."""

import datetime as dt

import pytest

from tests.exports.sheets import by_header, csv_by_header, xlsx
from tests.factories import cadre, credit

AS_OF = "as_of=2026-12-31"


def people(world):
    for name, hours in [("甲满", 90), ("乙差十", 80), ("丁差半", 45), ("戊差七成", 27)]:
        person = cadre(name, world.a1, world.city_od, category="civil_servant")
        credit(person, hours, dt.date(2026, 3, 1))


def test_it_downloads_every_row_in_the_pages_order(world, client):
    people(world)
    client.force_login(world.bob)
    sheet = xlsx(client.get(f"/compliance/?unit={world.a1.pk}&{AS_OF}&format=xlsx"))
    assert [c.value for c in sheet[1]] == [
        "姓名",
        "单位",
        "类别",
        "指标完成情况",
        "状态",
        "差额（%）",
    ]
    rows = by_header(sheet)
    assert [r["姓名"].value for r in rows] == ["李玥", "戊差七成", "丁差半", "乙差十", "甲满"]
    worst = rows[1]
    assert worst["单位"].value == world.a1.name
    assert worst["差额（%）"].data_type == "n" and worst["差额（%）"].value == pytest.approx(70)
    assert "27/90" in worst["指标完成情况"].value
    assert rows[-1]["差额（%）"].value is None  # met: no shortfall


def test_the_status_filter_and_the_jurisdiction_apply(world, client):
    people(world)
    client.force_login(world.bob)
    rows = csv_by_header(client.get(f"/compliance/?{AS_OF}&status=met&format=csv"))
    assert [r["姓名"] for r in rows] == ["甲满"]
    client.force_login(world.charlie)
    rows = csv_by_header(client.get(f"/compliance/?{AS_OF}&format=csv"))
    assert {r["姓名"] for r in rows} == {world.cadre_b.name}
    assert client.get(f"/compliance/?unit={world.a.pk}&format=csv").status_code == 404
    client.force_login(world.nobody)
    assert client.get("/compliance/?format=xlsx").status_code == 403


def test_a_bad_period_shows_the_page_not_a_file(world, client):
    client.force_login(world.bob)
    response = client.get("/compliance/?as_of=2026-01-01&since=2026-06-01&format=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("count", [1, 50])
def test_the_download_has_a_flat_query_count(world, client, django_assert_max_num_queries, count):
    for n in range(count):
        cadre(f"干部{n}", world.a1, world.city_od)
    client.force_login(world.bob)
    # The request's own, the rules, the order (one query), then per 2,000 rows their
    # evaluation (one query per set of rules) and their units' names.
    with django_assert_max_num_queries(12):
        rows = csv_by_header(client.get(f"/compliance/?{AS_OF}&format=csv"))
    assert len(rows) == count + 3
