"""The documents list (/documents/) downloaded: the documents the page lists, in its
order, only those the user may open, a formula-like title kept as text, dates as dates,
and a query count that does not grow with the documents."""

import datetime as dt
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from dispatch.models import Dispatch, RollCall
from notifications.models import IssuedDocument
from tests.exports.sheets import by_header, csv_by_header, xlsx
from tests.factories import cadre

FORMULA = "=cmd|' /C calc'!A0"


def dispatch_of(world, klass, person):
    roll_call = RollCall.objects.create(
        training_class=klass,
        org_department=world.city_od,
        mode="named",
        response_deadline=timezone.now() + dt.timedelta(days=10),
        created_by=world.bob,
    )
    return Dispatch.objects.create(
        roll_call=roll_call,
        training_class=klass,
        cadre=person,
        unit=person.unit,
        confirm_due=roll_call.response_deadline,
    )


def notice(dispatch, number, title="关于调训的通知"):
    """An issued notice about `dispatch`, written directly (the list only reads it)."""
    return IssuedDocument.objects.create(
        kind="dispatch_notice",
        issuer_code="X组通",
        year=2026,
        number=number,
        document_number=f"X组通〔2026〕{number}号",
        title=title,
        subject_type=ContentType.objects.get_for_model(dispatch),
        subject_id=dispatch.pk,
        file=f"documents/notice-{number}.pdf",
        sha256="0" * 64,
        size=1,
        pages=2,
        issued_by=dispatch.roll_call.created_by,
    )


def page_numbers(client, query=""):
    page = client.get("/documents/" + query).content.decode()
    return re.findall(r'<a href="/documents/\d+/">([^<]*)</a>', page)


def exported_numbers(client):
    sheet = by_header(xlsx(client.get("/documents/?format=xlsx")))
    numbers = [row["发文字号"].value for row in sheet]
    rows = csv_by_header(client.get("/documents/?format=csv"))
    assert [row["发文字号"] for row in rows] == numbers
    return numbers


def test_the_download_lists_the_documents_the_page_lists(world, klass, client):
    for number, person in enumerate([world.cadre_a, world.cadre_a1, world.cadre_b], 1):
        notice(dispatch_of(world, klass, person), number)
    client.force_login(world.bob)
    assert exported_numbers(client) == page_numbers(client) != []
    row = by_header(xlsx(client.get("/documents/?format=xlsx")))[0]
    assert row["标题"].value == "关于调训的通知"
    assert row["类别"].value == "调训通知"
    assert row["印发时间"].is_date
    assert row["页数"].data_type == "n" and row["页数"].value == 2


def test_an_outsiders_download_lacks_the_other_jurisdictions_documents(world, klass, client):
    a = notice(dispatch_of(world, klass, world.cadre_a), 1)
    b = notice(dispatch_of(world, klass, world.cadre_b), 2)
    client.force_login(world.charlie)  # head of the county's unit B
    assert exported_numbers(client) == [b.document_number] == page_numbers(client)
    client.force_login(world.alice)  # head of the city's unit A
    assert exported_numbers(client) == [a.document_number]
    client.force_login(world.nobody)
    assert exported_numbers(client) == []


def test_a_formula_like_title_stays_text(world, klass, client):
    notice(dispatch_of(world, klass, world.cadre_a), 1, title=FORMULA)
    client.force_login(world.bob)
    cell = by_header(xlsx(client.get("/documents/?format=xlsx")))[0]["标题"]
    assert cell.value == FORMULA and cell.data_type == "s" and cell.quotePrefix is True
    assert csv_by_header(client.get("/documents/?format=csv"))[0]["标题"] == "'" + FORMULA


@pytest.mark.parametrize("count", [1, 50])
def test_the_download_has_a_flat_query_count(
    world, klass, client, django_assert_max_num_queries, count
):
    for number in range(1, count + 1):
        person = cadre(f"干部{number:02}", world.a1, world.city_od)
        notice(dispatch_of(world, klass, person), number)
    client.force_login(world.bob)
    client.get("/documents/")
    # The session, the user and their reach, the documents: none per row.
    with django_assert_max_num_queries(4):
        rows = csv_by_header(client.get("/documents/?format=csv"))
    assert len(rows) == count


def test_the_page_offers_the_downloads(world, client):
    client.force_login(world.bob)
    page = client.get("/documents/?page=2").content.decode()
    assert 'href="?format=xlsx"' in page and 'href="?format=csv"' in page
