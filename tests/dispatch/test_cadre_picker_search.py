"""A cadre picker over more cadres than a page should hold (core.widgets.MultiPicker past
FULL_LIST_MAX) lists only the cadres already chosen and finds the rest by search at
/cadres/pick/ (org.views.cadre_pick), which offers exactly what the form offers: the
roll-call start page stays the same size and the same number of queries for 50 cadres in
reach as for 500, the search never returns a cadre out of reach or an ID number, and the
form still takes (and refuses) what is posted."""

import datetime as dt
import json
import re

import pytest

from core.widgets import MultiPicker
from dispatch.models import Dispatch
from org import selectors
from org.models import Cadre, CadreCategory, Gender
from tests.factories import id_number, training_class
from tests.flowtools import Staff, deadline

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)

START = "/workflow/rollcall/start/"
PICK = "/cadres/pick/"


def many_cadres(unit, managing, count, name="干部", position="科员"):
    return Cadre.objects.bulk_create(
        Cadre(
            name=f"{name}{n:04d}",
            gender=Gender.MALE,
            id_number=id_number(),
            unit=unit,
            position=position,
            category=CadreCategory.CIVIL_SERVANT,
            managing_org_department=managing,
        )
        for n in range(count)
    )


def boxes(page: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="cadres" value="(\d+)"[^>]*>', page)


def start_page(client, django_assert_max_num_queries, queries=None):
    if queries is None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            page = client.get(START).content.decode()
        return page, len(captured)
    with django_assert_max_num_queries(queries):
        page = client.get(START).content.decode()
    return page, queries


def test_the_start_page_stays_flat_from_50_to_500_cadres_in_reach(
    world, klass, client, django_assert_max_num_queries
):
    client.force_login(world.bob)
    many_cadres(world.a, world.city_od, 47)  # 50 with the world's three
    small, queries = start_page(client, django_assert_max_num_queries)
    assert len(boxes(small)) == 50 and "data-search-url" not in small

    many_cadres(world.a1, world.city_od, 450, name="科员")  # 500
    large, _ = start_page(client, django_assert_max_num_queries, queries)
    assert boxes(large) == []  # none listed: found by search
    assert 'data-search-url="/cadres/pick/?for=roll_call"' in large
    assert len(large.encode()) <= len(small.encode())
    many_cadres(world.a1, world.city_od, 500, name="副科")  # 1,000: not a byte more
    larger, _ = start_page(client, django_assert_max_num_queries, queries)
    assert len(larger.encode()) == len(large.encode())


def test_a_refused_long_form_comes_back_with_only_the_chosen_checked(world, klass, client):
    many_cadres(world.a, world.city_od, MultiPicker.FULL_LIST_MAX)
    client.force_login(world.bob)
    chosen = [world.cadre_a.pk, world.cadre_b.pk]
    response = client.post(START, {"training_class": klass.pk, "mode": "named", "cadres": chosen})
    assert response.status_code == 200  # no response deadline
    page = response.content.decode()
    assert sorted(boxes(page)) == sorted(str(pk) for pk in chosen)
    for box in re.findall(r'<input type="checkbox" name="cadres"[^>]*>', page):
        assert "checked" in box
    assert "王堃" in page and "张喆" in page and "李玥" not in page
    assert re.search(r'<input type="search" hidden placeholder="[^"]+" aria-label="[^"]+"', page)


def test_cadres_chosen_from_a_long_list_are_named(world, klass, client):
    far = many_cadres(world.b, world.county_od, MultiPicker.FULL_LIST_MAX)[-1]
    client.force_login(world.bob)
    response = client.post(
        START,
        {
            "training_class": klass.pk,
            "mode": "named",
            "response_deadline": deadline(10),
            "cadres": [world.cadre_a1.pk, far.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert set(Dispatch.objects.values_list("cadre_id", flat=True)) == {world.cadre_a1.pk, far.pk}


def test_a_posted_cadre_out_of_reach_is_still_refused(world, klass, client):
    many_cadres(world.b, world.county_od, MultiPicker.FULL_LIST_MAX)
    county_class = training_class(
        world.county_od, world.school, dt.date.today() + dt.timedelta(days=30), name="县班"
    )
    client.force_login(world.carol)
    response = client.post(
        START,
        {
            "training_class": county_class.pk,
            "mode": "named",
            "response_deadline": deadline(10),
            "cadres": [world.cadre_b.pk, world.cadre_a.pk],
        },
    )
    assert response.status_code == 200
    assert not Dispatch.objects.exists()
    errors = response.context["form"].errors
    assert list(errors) == ["cadres"] and "1" in errors["cadres"][0]
    assert "王堃" not in response.content.decode()  # refused, and never named


def pick(client, **params):
    response = client.get(PICK, params)
    assert response.status_code == 200, response.status_code
    return response.json()


def test_the_search_matches_name_position_and_unit(world, client):
    many_cadres(world.a, world.city_od, 3, name="赵", position="副主任科员")
    client.force_login(world.bob)
    assert [c["name"] for c in pick(client, **{"for": "roll_call", "q": "王堃"})["results"]] == [
        "王堃"
    ]
    by_position = pick(client, **{"for": "roll_call", "q": "副主任"})["results"]
    assert {c["name"] for c in by_position} == {"赵0000", "赵0001", "赵0002"}
    by_unit = pick(client, **{"for": "roll_call", "q": "公安局"})["results"]
    assert by_unit == [
        {"id": world.cadre_b.pk, "name": "张喆", "unit": world.b.name, "position": "科员"}
    ]


def test_the_search_returns_at_most_a_page_and_says_there_is_more(world, client):
    many_cadres(world.a, world.city_od, 60)
    client.force_login(world.bob)
    found = pick(client, **{"for": "roll_call", "q": "干部"})
    assert len(found["results"]) == selectors.PICK_LIMIT == 50 and found["more"] is True
    few = pick(client, **{"for": "roll_call", "q": "干部005"})
    assert len(few["results"]) == 10 and few["more"] is False


def test_the_search_never_returns_a_cadre_out_of_reach(world, client):
    many_cadres(world.a, world.city_od, 5)
    client.force_login(world.carol)  # the county's dispatcher
    everyone = pick(client, **{"for": "roll_call", "q": ""})["results"]
    assert [c["id"] for c in everyone] == [world.cadre_b.pk]
    assert pick(client, **{"for": "roll_call", "q": "王堃"})["results"] == []
    assert pick(client, **{"for": "roll_call", "q": "干部"})["results"] == []


def test_the_search_shows_no_id_number(world, client):
    client.force_login(world.bob)
    raw = client.get(PICK, {"for": "roll_call", "q": ""}).content.decode()
    assert len(json.loads(raw)["results"]) == 3
    for cadre in (world.cadre_a, world.cadre_a1, world.cadre_b):
        assert cadre.id_number not in raw and cadre.id_number[-6:] not in raw
    assert "id_number" not in raw


def test_the_search_refuses_anonymous_users_and_roles_lacked(world, client):
    response = client.get(PICK, {"for": "roll_call", "q": "王"})
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(world.dave)  # a trainee: names nobody in a roll call
    assert client.get(PICK, {"for": "roll_call", "q": "王"}).status_code == 403
    client.force_login(world.bob)
    assert client.get(PICK, {"for": "anything", "q": "王"}).status_code == 404


def test_the_search_offers_what_each_form_offers(world, klass, client):
    staff = Staff(world)
    many_cadres(world.b, world.county_od, 3)
    client.force_login(world.carol)
    form = client.get(START).context["form"]
    offered = set(form.fields["cadres"].queryset.values_list("pk", flat=True))
    assert offered == set(
        selectors.cadres_offered(world.carol, "roll_call").values_list("pk", flat=True)
    )
    assert {c["id"] for c in pick(client, **{"for": "roll_call"})["results"]} == offered

    client.force_login(staff.lily)  # liaison of A: files for A and the units below it
    form = client.get("/workflow/filing/start/").context["form"]
    offered = set(form.fields["participants"].queryset.values_list("pk", flat=True))
    assert offered == {world.cadre_a.pk, world.cadre_a1.pk}
    assert {c["id"] for c in pick(client, **{"for": "filing"})["results"]} == offered
    # Nominations: the allotted unit's cadres, when the liaison reaches that unit.
    nominees = pick(client, **{"for": "nomination", "unit": world.a1.pk})["results"]
    assert [c["id"] for c in nominees] == [world.cadre_a1.pk]
    assert pick(client, **{"for": "nomination", "unit": world.b.pk})["results"] == []
    assert pick(client, **{"for": "nomination"})["results"] == []
