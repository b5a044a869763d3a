"""The roll call form's clash warning at a real city's size: when its cadre picker searches
(more than MultiPicker.FULL_LIST_MAX on offer), the page carries the busy periods of the
chosen cadres only — not of every busy cadre in reach — and the script asks
/rollcalls/busy/ for a cadre found and chosen later, which answers only for cadres the
roll call offers the user."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.widgets import MultiPicker
from dispatch.models import Dispatch, DispatchStatus
from tests.factories import training_class

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)

START = "/workflow/rollcall/start/"
BUSY = "/rollcalls/busy/"


@pytest.fixture
def busy(world):
    """王堃 (unit A) and 张喆 (county unit B) already dispatched to a class in 40 days."""
    other = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=40), name="党性教育班"
    )
    for cadre in (world.cadre_a, world.cadre_b):
        Dispatch.objects.create(
            training_class=other,
            cadre=cadre,
            unit=cadre.unit,
            status=DispatchStatus.CONFIRMED,
            confirm_due=timezone.now(),
        )
    return other


def page_busy(response) -> dict:
    assert response.status_code == 200, response.status_code
    found = re.search(
        r'<script id="xd-busy" type="application/json">(.*?)</script>', response.content.decode()
    )
    return json.loads(found.group(1))


def test_a_listing_picker_carries_every_busy_cadre_it_lists(world, busy, klass, client):
    client.force_login(world.bob)
    periods = page_busy(client.get(START))
    assert set(periods) == {str(world.cadre_a.pk), str(world.cadre_b.pk)}
    assert periods[str(world.cadre_a.pk)][0][2:4] == ["党性教育班", busy.pk]


def test_a_searching_picker_carries_only_the_chosen(world, busy, klass, client, monkeypatch):
    monkeypatch.setattr(MultiPicker, "FULL_LIST_MAX", 1)
    client.force_login(world.bob)
    assert page_busy(client.get(START)) == {}
    # A form sent back with an error keeps the chosen cadres, and their busy periods.
    response = client.post(
        START,
        {"training_class": klass.pk, "mode": "named", "cadres": [world.cadre_a.pk]},
    )
    assert set(page_busy(response)) == {str(world.cadre_a.pk)}


def test_the_busy_periods_of_cadres_found_later(world, busy, klass, client):
    client.force_login(world.bob)
    answer = client.get(f"{BUSY}?cadre={world.cadre_a.pk}&cadre={world.cadre_a1.pk}&cadre=x")
    assert answer.status_code == 200
    assert answer.json() == {
        str(world.cadre_a.pk): [
            [
                busy.start_date.isoformat(),
                busy.end_date.isoformat(),
                "党性教育班",
                busy.pk,
                f"{busy.start_date.year}年{busy.start_date.month}月{busy.start_date.day}日—"
                f"{busy.end_date.year}年{busy.end_date.month}月{busy.end_date.day}日",
            ]
        ]
    }


def test_only_cadres_the_roll_call_offers_are_answered(world, busy, client):
    client.force_login(world.carol)  # the county's dispatcher: 张喆 is hers, 王堃 is not
    answer = client.get(f"{BUSY}?cadre={world.cadre_a.pk}&cadre={world.cadre_b.pk}").json()
    assert set(answer) == {str(world.cadre_b.pk)}


def test_at_most_fifty_cadres_are_asked_at_once(world, busy, client):
    client.force_login(world.bob)
    ids = "&".join(f"cadre={n}" for n in range(10_000, 10_050))
    assert client.get(f"{BUSY}?{ids}&cadre={world.cadre_a.pk}").json() == {}


def test_refusals(world, busy, client):
    assert client.get(f"{BUSY}?cadre={world.cadre_a.pk}")["Location"].startswith("/accounts/login/")
    for person in (world.alice, world.dave, world.nobody, world.rita):
        client.force_login(person)
        assert client.get(f"{BUSY}?cadre={world.cadre_a.pk}").status_code == 403, person


def test_the_cadres_on_offer_are_counted_once(world, busy, klass, client, monkeypatch):
    """The view (busy periods) and the picker (list or search) ask the same question of
    the cadres on offer: one COUNT of the cadre table answers both."""
    monkeypatch.setattr(MultiPicker, "FULL_LIST_MAX", 1)
    client.force_login(world.bob)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(START).status_code == 200
    counts = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith("SELECT COUNT(*)") and '"org_cadre"' in q["sql"].split("WHERE")[0]
    ]
    assert len(counts) == 1, counts
