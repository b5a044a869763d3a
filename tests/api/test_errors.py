"""Bad input gets a 400 naming the parameter (never a 500, and nothing written);
throttling answers 429."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

BIG = str(2**63)  # one past the largest id


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/dispatches/?page=abc", "page"),
        ("/api/v1/dispatches/?page=0", "page"),
        ("/api/v1/dispatches/?page=" + "9" * 5000, "page"),
        ("/api/v1/dispatches/?page_size=1000", "page_size"),
        ("/api/v1/dispatches/?page_size=-1", "page_size"),
        ("/api/v1/dispatches/?status=bogus", "status"),
        ("/api/v1/dispatches/?unit=" + BIG, "unit"),
        ("/api/v1/dispatches/?cadre=abc", "cadre"),
        ("/api/v1/cadres/?unit=1.5", "unit"),
        ("/api/v1/cadres/?category=nope", "category"),
        ("/api/v1/classes/?start_from=2026-13-40", "start_from"),
        ("/api/v1/classes/?institution=" + BIG, "institution"),
        ("/api/v1/hours/?date_until=yesterday", "date_until"),
        ("/api/v1/approvals/?kind=holiday", "kind"),
        ("/api/v1/documents/?year=10000", "year"),
        ("/api/v1/notifications/?unread=maybe", "unread"),
        ("/api/v1/compliance/?as_of=2026-02-30", "as_of"),
        ("/api/v1/compliance/?since=2026-06-01&as_of=2026-01-01", "as_of"),
        ("/api/v1/compliance/?unit=" + BIG, "unit"),
        ("/api/v1/compliance/?status=great", "status"),
        ("/api/v1/compliance/?as_of=9999-12-31", "as_of"),
        ("/api/v1/compliance/?as_of=0001-01-01", "as_of"),
        ("/api/v1/compliance/?since=9999-01-01", "since"),
        ("/api/v1/compliance/?since=0001-01-01", "since"),
        ("/api/v1/compliance/?page=abc", "page"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(url, field, world, api):
    client = api.as_(world.bob)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/dispatches/" + BIG + "/",
        "/api/v1/cadres/9999999999999999999/",
        "/api/v1/documents/" + BIG + "/pdf/",
        "/api/v1/cadres/abc/",
        "/api/v1/dispatches/?page=999",
    ],
)
def test_an_id_or_page_that_is_not_there_is_a_404(url, world, api):
    response = api.as_(world.bob).get(url)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json") or "/abc/" in url


def test_a_good_filter_filters(samples, api):
    client = api.as_(samples.world.bob)
    named = client.get("/api/v1/dispatches/?status=named").json()["results"]
    assert {row["id"] for row in named} == {samples.dispatch_a.pk, samples.dispatch_b.pk}
    in_a = client.get(f"/api/v1/dispatches/?unit={samples.world.a.pk}").json()["results"]
    assert samples.dispatch_b.pk not in {row["id"] for row in in_a}
    cadres = client.get(f"/api/v1/cadres/?unit={samples.world.a.pk}").json()["results"]
    # A1 lies below A: the unit filter takes the subtree, as the cadre page does.
    assert {row["id"] for row in cadres} == {samples.world.cadre_a.pk, samples.world.cadre_a1.pk}
    found = client.get("/api/v1/cadres/?search=玥").json()["results"]
    assert [row["name"] for row in found] == ["李玥"]


def test_throttling_answers_429(world, api, settings):
    rest = {**settings.REST_FRAMEWORK}
    rest["DEFAULT_THROTTLE_RATES"] = {"user": "3/minute", "anon": "2/minute"}
    settings.REST_FRAMEWORK = rest
    cache.clear()
    try:
        client = api.as_(world.bob)
        statuses = [client.get("/api/v1/units/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = client.get("/api/v1/units/")
        assert response.status_code == 429 and "Retry-After" in response
        # Another caller has a count of its own.
        assert api.as_(world.carol).get("/api/v1/units/").status_code == 200
    finally:
        cache.clear()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/cadres/9999999/",
        "/api/v1/documents/9999999/pdf/",
        "/api/v1/cadres/abc/",
        "/api/v1/compliance/1/",
        "/api/v1/no-such-endpoint/",
    ],
)
def test_a_404_is_json_in_chinese_and_names_no_model(url, world, api):
    response = api.as_(world.bob).get(url)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "未找到。"}


def test_an_object_out_of_reach_reads_as_one_that_is_not_there(world, api):
    """Carol (the county) asks for a city cadre: the same answer as for no cadre."""
    response = api.as_(world.carol).get(f"/api/v1/cadres/{world.cadre_a.pk}/")
    assert (response.status_code, response.json()) == (404, {"detail": "未找到。"})


def test_a_json_null_body_says_what_to_send(world, api):
    response = api.as_(world.bob).post(
        "/api/v1/actions/roll-calls/", data="null", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["没有提供数据：请发送一个 JSON 对象。"]}
