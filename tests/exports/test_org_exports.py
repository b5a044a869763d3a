"""The cadre list and the unit list, downloaded: the page's filters and jurisdiction,
ID numbers whole only for those who keep the record, formula-like names as text, a flat
query count."""

import pytest

from org.models import Cadre
from tests.exports.sheets import by_header, csv_by_header, xlsx
from tests.factories import cadre

XLSX, CSV = "?format=xlsx", "?format=csv"


def names(sheet):
    return {row["姓名"].value for row in by_header(sheet)}


def test_the_cadre_list_downloads_what_the_page_lists(world, client):
    client.force_login(world.bob)
    sheet = xlsx(client.get("/cadres/" + XLSX))
    assert [c.value for c in sheet[1]] == [
        "姓名",
        "性别",
        "身份证号码",
        "单位",
        "职务",
        "干部类别",
        "主管组织部门",
    ]
    assert names(sheet) == set(Cadre.objects.values_list("name", flat=True))
    row = next(r for r in by_header(sheet) if r["姓名"].value == world.cadre_a.name)
    assert row["单位"].value == world.a.name
    assert row["主管组织部门"].value == world.city_od_unit.name
    assert row["性别"].value == world.cadre_a.get_gender_display()


def test_id_numbers_are_whole_for_a_keeper_and_masked_for_a_reader(world, client):
    # org.policy.may_see_id_number: the dispatcher keeps the record, the head reads it
    # (tests/org/test_id_number_visibility.py has every role).
    for person, shown in (
        (world.bob, world.cadre_a.id_number),
        (world.alice, world.cadre_a.masked_id_number),
    ):
        client.force_login(person)
        for rows in (
            [
                {k: c.value for k, c in r.items()}
                for r in by_header(xlsx(client.get("/cadres/" + XLSX)))
            ],
            csv_by_header(client.get("/cadres/" + CSV)),
        ):
            row = next(r for r in rows if r["姓名"] == world.cadre_a.name)
            # CSV writes a whole number as ="…", which Excel keeps as text.
            assert row["身份证号码"].removeprefix('="').removesuffix('"') == shown
            if person == world.alice:
                assert world.cadre_a.id_number not in str(rows)


def test_an_outsider_gets_only_their_own_jurisdiction(world, client):
    client.force_login(world.charlie)  # heads unit B, a stranger to A
    sheet = xlsx(client.get("/cadres/" + XLSX))
    assert names(sheet) == {world.cadre_b.name}
    rows = csv_by_header(client.get("/cadres/" + CSV))
    assert {r["姓名"] for r in rows} == {world.cadre_b.name}


def test_the_search_and_unit_filters_apply(world, client):
    client.force_login(world.bob)
    sheet = xlsx(client.get(f"/cadres/?q={world.cadre_a1.name}&format=xlsx"))
    assert names(sheet) == {world.cadre_a1.name}
    sheet = xlsx(client.get(f"/cadres/?unit={world.a.pk}&format=xlsx"))
    assert names(sheet) == {world.cadre_a.name, world.cadre_a1.name}


def test_refusals_are_the_pages(world, client):
    assert client.get("/cadres/" + XLSX).status_code == 302  # anonymous: to the login page
    client.force_login(world.charlie)
    assert client.get(f"/cadres/?unit={world.a.pk}&format=xlsx").status_code == 404
    client.force_login(world.nobody)
    assert client.get("/cadres/" + XLSX).status_code == 403
    assert client.get("/units/" + CSV).status_code == 403


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example","x")', "+1", "-1", "@SUM(A1)"])
def test_a_formula_like_name_exports_as_text(world, client, name):
    Cadre.objects.filter(pk=world.cadre_a.pk).update(name=name)
    client.force_login(world.bob)
    sheet = xlsx(client.get("/cadres/" + XLSX))
    cell = next(r["姓名"] for r in by_header(sheet) if r["姓名"].value == name)
    assert cell.data_type == "s" and cell.quotePrefix
    rows = csv_by_header(client.get("/cadres/" + CSV))
    assert "'" + name in {r["姓名"] for r in rows}


def test_html_in_a_name_stays_literal(world, client):
    Cadre.objects.filter(pk=world.cadre_a.pk).update(name="<b>王</b>&lt;")
    client.force_login(world.bob)
    assert "<b>王</b>&lt;" in names(xlsx(client.get("/cadres/" + XLSX)))


def test_the_page_links_to_both_downloads_with_its_filters(world, client):
    client.force_login(world.bob)
    html = client.get(f"/cadres/?q=王&unit={world.a.pk}&page=1").content.decode()
    assert f"?q=%E7%8E%8B&amp;unit={world.a.pk}&amp;format=xlsx" in html
    assert f"?q=%E7%8E%8B&amp;unit={world.a.pk}&amp;format=csv" in html


@pytest.mark.parametrize("count", [1, 50])
def test_the_cadre_download_costs_the_same_queries_for_1_or_50_rows(
    world, client, django_assert_max_num_queries, count
):
    for n in range(count):
        cadre(f"干部{n}", world.b, world.county_od, co_managing_org_department=world.city_od)
    client.force_login(world.carol)
    for fmt in ("xlsx", "csv"):
        with django_assert_max_num_queries(6):
            response = client.get(f"/cadres/?format={fmt}")
            body = b"".join(response.streaming_content)
        assert body


def test_the_unit_list_downloads_the_units_in_reach(world, client):
    client.force_login(world.carol)
    rows = by_header(xlsx(client.get("/units/" + XLSX)))
    assert {r["单位名称"].value for r in rows} == {
        world.county.name,
        world.county_od_unit.name,
        world.b.name,
    }
    county = next(r for r in rows if r["单位名称"].value == world.b.name)
    assert county["上级单位"].value == world.county.name
    assert county["代码"].value == world.b.code
    assert county["层级"].data_type == "n"


@pytest.mark.parametrize("count", [1, 50])
def test_the_unit_download_has_a_flat_query_count(
    world, client, django_assert_max_num_queries, count
):
    from tests.factories import unit

    for n in range(count):
        unit(f"乡镇{n}", world.county)
    client.force_login(world.carol)
    with django_assert_max_num_queries(6):
        b"".join(client.get("/units/" + XLSX).streaming_content)
