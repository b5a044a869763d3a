"""`?cursor=` walks a list whose rows share their sort values: the cursor holds the whole
key (every ordering field, the pk last), so more than 1,000 rows on one date are each
listed exactly once, forwards and backwards, and `next` is null at the end; a page is
one keyset query (no OFFSET) however deep. Runs on SQLite and on PostgreSQL
(DATABASE_URL)."""

import base64
import datetime as dt
import itertools
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from api.pagination import Keyset, ordered
from ledger.models import HourRecord
from tests.factories import cadre

DAY = dt.date(2026, 3, 2)
TIED = 1_150  # more than DRF's CursorPagination could tell apart by an offset (1,000)

_keys = itertools.count(1)


def records(person, count, date, **fields):
    rows = [
        HourRecord(
            cadre=person,
            hours=Decimal("1.0"),
            date=date,
            kind="online",
            source="online",
            source_key=f"tie:{next(_keys)}",
            **fields,
        )
        for _ in range(count)
    ]
    return [row.pk for row in HourRecord.objects.bulk_create(rows)]


@pytest.fixture
def tied(world):
    """1,150 hour records on one day, a few the day before and after (filtered out)."""
    records(world.cadre_a, 3, DAY - dt.timedelta(days=1))
    records(world.cadre_a, 3, DAY + dt.timedelta(days=1))
    return records(world.cadre_a, TIED, DAY)


def walk(client, url, link):
    """Every page from `url` on, following `link` (next or previous): its rows' ids,
    the statements of each page and the SQL of the last one."""
    pages, statements, sql = [], [], ""
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["count"] is None
        pages.append([row["id"] for row in body["results"]])
        statements.append(len(queries))
        sql = " ".join(q["sql"] for q in queries)
        url = body[link]
        assert len(pages) <= 40, "the walk does not end"
    return pages, statements, sql


def test_rows_sharing_a_date_are_walked_once_each_way(tied, api, world):
    client = api.as_(world.bob)
    url = f"/api/v1/hours/?date_from={DAY}&date_until={DAY}&page_size=100&cursor="
    pages, statements, sql = walk(client, url, "next")
    seen = [i for page in pages for i in page]
    # Newest first: on one date, the higher pk first.
    assert seen == sorted(tied, reverse=True)
    assert len(pages) == 12 and all(len(page) == 100 for page in pages[:-1])
    assert len(set(statements)) == 1  # a deep page costs what the first does
    assert "OFFSET" not in sql.upper()

    # Back from the last page, by `previous`, to the first.
    last = client.get(url.replace("cursor=", "cursor=" + _token(["p"]))).json()
    assert last["next"] is None
    assert [row["id"] for row in last["results"]] == sorted(tied)[:100][::-1]
    back, _statements, _sql = walk(client, last["previous"], "previous")
    back = [[row["id"] for row in last["results"]], *back]
    assert [i for page in reversed(back) for i in page] == seen
    # Pages of 100 back from the end: the first page then holds the 50 left over.
    assert all(len(page) == 100 for page in back[:-1]) and len(back[-1]) == 50
    # The first page reached backwards leads on to the second.
    first = client.get(url).json()
    second = client.get(first["next"]).json()
    assert client.get(second["previous"]).json()["results"] == first["results"]
    assert first["previous"] is None


def test_the_page_numbers_list_tied_rows_in_the_cursors_order(tied, api, world):
    client = api.as_(world.bob)
    base = f"/api/v1/hours/?date_from={DAY}&date_until={DAY}&page_size=100"
    numbered = [
        row["id"]
        for page in range(1, 13)
        for row in client.get(f"{base}&page={page}").json()["results"]
    ]
    assert numbered == sorted(tied, reverse=True)


def test_ties_on_two_fields_end_on_the_pk(world, api):
    """Cadres are listed by unit, then name, then pk: seven namesakes in one unit."""
    people = [cadre("王同名", world.a, world.city_od) for _ in range(7)]
    client = api.as_(world.bob)
    numbered = [row["id"] for row in client.get("/api/v1/cadres/?page_size=100").json()["results"]]
    pages, _statements, _sql = walk(client, "/api/v1/cadres/?page_size=2&cursor=", "next")
    assert [i for page in pages for i in page] == numbered
    assert len(numbered) == len(set(numbered)) and {p.pk for p in people} <= set(numbered)
    end = client.get("/api/v1/cadres/?page_size=2&cursor=" + _token(["p"])).json()
    back, _statements, _sql = walk(client, end["previous"], "previous")
    back = [[row["id"] for row in end["results"]], *back]
    assert [i for page in reversed(back) for i in page] == numbered


def _token(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "token",
    [
        ["n", "2026-03-02"],  # a key without its pk
        ["n", "2026-03-02", 5, 7],  # a field too many
        ["n", "2026-99-99", 5],  # not a date
        ["n", None, 5],  # the date is never null
        ["n", "2026-03-02", 2**63],  # past any id
        ["n", "2026-03-02", "five"],
        ["n", "2026-03-02", [5]],
        ["x", "2026-03-02", 5],
        {"n": 5},
        "n",
    ],
)
def test_a_key_it_did_not_give_out_is_a_400(world, api, token):
    response = api.as_(world.bob).get(f"/api/v1/hours/?cursor={_token(token)}")
    assert response.status_code == 400, response.content
    assert "cursor" in response.json()


@pytest.mark.parametrize(
    "token",
    [
        _token(["n", "2026-03-02T09:00:00", 5]),  # a datetime without its zone
        _token(["n", "9999-12-31T23:59:59-14:00", 5]),  # past the year 9999 in UTC
        _token(["n", "0001-01-01T00:00:00+14:00", 5]),
        _token(["n", 1e308 * 10, 5]),  # Infinity
        base64.urlsafe_b64encode(b"[" * 1400 + b"]" * 1400).decode().rstrip("="),
    ],
)
def test_a_key_no_row_has_is_a_400(world, api, token):
    response = api.as_(world.bob).get(f"/api/v1/approvals/?cursor={token}")
    assert response.status_code == 400 and "cursor" in response.json()


@pytest.mark.parametrize("descending", [False, True])
def test_a_nullable_field_walks_its_nulls_once(world, descending):
    """NULL sorts as the greatest value, on either database (HourRecord.days may be
    null: no read list orders on such a field today)."""
    nulls = records(world.cadre_a, 5, DAY, days=None)
    ones = records(world.cadre_a, 5, DAY, days=Decimal("1.0"))
    twos = records(world.cadre_a, 5, DAY, days=Decimal("2.0"))
    ordering = ("-days", "pk") if descending else ("days", "pk")
    expected = (nulls + twos + ones) if descending else (ones + twos + nulls)
    queryset = ordered(HourRecord.objects.all(), ordering)
    assert list(queryset.values_list("pk", flat=True)) == expected
    url, seen = "/api/v1/hours/?cursor=", []
    while url:
        keyset = Keyset(4, ordering)
        request = Request(APIRequestFactory().get(url))
        rows = keyset.paginate_queryset(queryset.values("pk", "days"), request)
        seen += [row["pk"] for row in rows]
        url = keyset.next
    assert seen == expected
    # And back from the last page.
    url, back = "/api/v1/hours/?cursor=" + _token(["p"]), []
    while url:
        keyset = Keyset(4, ordering)
        rows = keyset.paginate_queryset(
            queryset.values("pk", "days"), Request(APIRequestFactory().get(url))
        )
        back = [row["pk"] for row in rows] + back
        url = keyset.previous
    assert back == expected
