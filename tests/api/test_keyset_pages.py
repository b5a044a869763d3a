"""`?cursor=` walks a read list page by page in its order (a keyset, no rows skipped or
counted): the same rows as the page numbers, the same statements however deep the page,
and a cursor the list did not give out is a 400 naming the parameter."""

import base64
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import dispatch_of
from tests.factories import cadre, training_class

_n = itertools.count(1)


@pytest.fixture
def dispatches(samples):
    s = samples
    people = [cadre(f"干部{next(_n)}", s.world.a, s.world.city_od) for _ in range(11)]
    return [dispatch_of(s.roll_call, c) for c in people]


def ids(response):
    return [row["id"] for row in response.json()["results"]]


def walk(client, url):
    pages, statements = [], []
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.content
        assert response.json()["count"] is None
        pages.append(ids(response))
        statements.append(len(queries))
        url = response.json()["next"]
    return pages, statements


def test_the_cursor_walks_the_same_rows_as_the_page_numbers(samples, dispatches, api):
    client = api.as_(samples.world.bob)
    numbered = client.get("/api/v1/dispatches/?page_size=100").json()
    assert numbered["count"] >= 13
    pages, statements = walk(client, "/api/v1/dispatches/?page_size=4&cursor=")
    assert [i for page in pages for i in page] == ids_of(numbered)
    assert all(len(page) == 4 for page in pages[:-1])
    # A deep page costs the statements of the first one.
    assert len(set(statements[1:])) == 1 and statements[-1] <= statements[0]


def ids_of(body):
    return [row["id"] for row in body["results"]]


def test_the_cursor_goes_back_with_previous(samples, dispatches, api):
    client = api.as_(samples.world.bob)
    first = client.get("/api/v1/dispatches/?page_size=5&cursor=").json()
    second = client.get(first["next"]).json()
    assert client.get(second["previous"]).json()["results"] == first["results"]


def test_the_cursor_keeps_the_filters_and_the_reach(samples, dispatches, api):
    charlie = api.as_(samples.world.charlie)
    pages, _ = walk(charlie, "/api/v1/dispatches/?page_size=2&cursor=")
    seen = {i for page in pages for i in page}
    assert samples.dispatch_b.pk in seen and samples.dispatch_a.pk not in seen
    bob = api.as_(samples.world.bob)
    pages, _ = walk(bob, "/api/v1/dispatches/?page_size=3&status=absent&cursor=")
    assert [i for page in pages for i in page] == [
        row["id"] for row in bob.get("/api/v1/dispatches/?status=absent").json()["results"]
    ]


def test_the_cursor_follows_a_list_ordered_on_a_date(samples, api):
    for _ in range(5):
        training_class(samples.world.city_od, samples.world.school, samples.klass.start_date)
    client = api.as_(samples.world.bob)
    pages, _ = walk(client, "/api/v1/classes/?page_size=2&cursor=")
    numbered = client.get("/api/v1/classes/?page_size=100").json()
    assert [i for page in pages for i in page] == ids_of(numbered)


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense!",
        base64.b64encode(b"p=abc").decode(),  # not an id
        base64.b64encode(b"r=x").decode(),
        base64.b64encode(b"p=1\x00").decode(),
        "A" * 400,
    ],
)
def test_a_cursor_it_did_not_give_out_is_a_400(samples, api, cursor):
    response = api.as_(samples.world.bob).get(f"/api/v1/dispatches/?cursor={cursor}")
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_a_date_cursor_that_is_not_a_date_is_a_400(samples, api):
    cursor = base64.b64encode(b"p=2026-99-99").decode()
    response = api.as_(samples.world.bob).get(f"/api/v1/classes/?cursor={cursor}")
    assert response.status_code == 400


def test_the_schema_offers_the_cursor_on_the_read_lists(samples, api):
    schema = api.as_(samples.world.bob).get("/api/v1/schema/?format=json").json()
    parameters = schema["paths"]["/api/v1/dispatches/"]["get"]["parameters"]
    assert "cursor" in {p["name"] for p in parameters}
