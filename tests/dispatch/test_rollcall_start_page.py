"""The roll call's start page: offered to the dispatcher only, cadres grouped by unit, the
classes not yet started, a seat table for the units of the jurisdiction, and bad seat
numbers refused with a message."""

import datetime as dt
import json
import re

import pytest

from tests.factories import training_class
from tests.flowtools import (
    deadline,
)

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def test_the_start_page_groups_cadres_by_unit_and_offers_a_seat_table(world, klass, client):
    started = training_class(world.city_od, world.school, dt.date.today(), name="已开班的班")
    client.force_login(world.bob)
    page = client.get("/workflow/rollcall/start/").content.decode()
    # The cadres: checkboxes in a searchable picker, under a heading per unit.
    picker = page.split('<div class="xd-picker">', 1)[1].split('class="xd-picker-chosen"', 1)[0]
    assert "<select" not in picker and '<input type="search"' in picker
    groups = re.findall(r"<div><label>([^<]+)</label>(.*?)\n  </div>", picker, re.S)
    by_unit = {label: body for label, body in groups}
    assert "王堃" in by_unit[world.a.name] and "李玥" in by_unit[world.a1.name]
    assert "xundiao/site.js" in page and "xundiao/rollcall_start.js" in page
    # The seat table: a number per unit of the jurisdiction, by name (no codes to type).
    for unit in (world.root, world.a, world.a1, world.county, world.b):
        assert f'name="seats_{unit.pk}"' in page, unit.name
    assert 'type="number"' in page and 'name="allocations"' in page
    assert 'data-mode="named"' in page and 'data-mode="quota"' in page
    classes = re.search(r'<select name="training_class"[^>]*>(.*?)</select>', page, re.S)
    assert klass.name in classes.group(1) and started.name not in classes.group(1)
    # The clash warning's dates: the classes offered, not every class ever held.
    dates = json.loads(
        re.search(r'<script id="xd-class-dates"[^>]*>(.*?)</script>', page, re.S).group(1)
    )
    assert str(klass.pk) in dates and str(started.pk) not in dates


def test_the_cadre_picker_is_named_by_its_legend_and_described_by_its_help(world, klass, client):
    client.force_login(world.bob)
    page = client.get("/workflow/rollcall/start/").content.decode()
    # The checkboxes sit in a fieldset: its legend names the group, its help describes it.
    fieldset = re.search(
        r'<fieldset class="xd-mode" data-mode="named"[^>]*>(.*?)</fieldset>', page, re.S
    )
    assert re.search(r"<legend[^>]*>\s*\S[^<]*</legend>", fieldset.group(1))
    assert 'type="checkbox" name="cadres"' in fieldset.group(1)
    described_by = re.search(r'aria-describedby="([^"]+)"', fieldset.group(0)).group(1)
    assert re.search(rf'<span class="helptext" id="{described_by}">[^<]+</span>', page)


def test_the_county_dispatcher_sees_only_the_county_in_both_lists(world, klass, client):
    client.force_login(world.carol)
    page = client.get("/workflow/rollcall/start/").content.decode()
    assert f'name="seats_{world.b.pk}"' in page and f'name="seats_{world.a.pk}"' not in page
    assert "张喆" in page and "王堃" not in page


def quota(client, world, klass, **fields):
    client.force_login(world.bob)
    return client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "quota",
            "response_deadline": deadline(10),
            **fields,
        },
    )


def test_seats_from_the_table_make_a_quota_roll_call(world, klass, client):
    from dispatch.models import QuotaAllocation

    response = quota(
        client, world, klass, **{f"seats_{world.a.pk}": "2", f"seats_{world.b.pk}": "1"}
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    seats = dict(QuotaAllocation.objects.values_list("unit__code", "seats"))
    assert seats == {world.a.code: 2, world.b.code: 1}


def test_bad_seat_numbers_are_refused_with_a_message(world, klass, client):
    from dispatch.models import RollCall

    page = quota(client, world, klass, **{f"seats_{world.a.pk}": "-1"}).content.decode()
    assert "确保该值大于或等于0" in page or "大于或等于" in page
    page = quota(client, world, klass).content.decode()
    assert "请至少为一个单位分配名额" in page or "至少" in page
    page = quota(client, world, klass, **{f"seats_{world.a.pk}": "99"}).content.decode()
    assert "99" in page and "名额" in page
    # A unit given seats in the table and in the text is refused as twice.
    page = quota(
        client, world, klass, allocations=f"{world.a.code} 1", **{f"seats_{world.a.pk}": "1"}
    ).content.decode()
    assert "重复" in page or "两次" in page
    assert not RollCall.objects.exists()


def test_a_unit_outside_the_jurisdiction_cannot_be_given_seats(world, klass, client):
    from dispatch.models import RollCall

    client.force_login(world.carol)
    county_class = training_class(
        world.county_od, world.school, dt.date.today() + dt.timedelta(days=30)
    )
    response = client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": county_class.pk,
            "mode": "quota",
            "response_deadline": deadline(10),
            f"seats_{world.a.pk}": "1",
        },
    )
    assert response.status_code == 200
    assert not RollCall.objects.exists()


def test_only_a_dispatcher_is_offered_to_issue_a_roll_call(world, staff, client):
    client.force_login(world.bob)
    assert "/workflow/rollcall/start/" in client.get("/rollcalls/").content.decode()
    assert "/workflow/rollcall/start/" in client.get("/").content.decode()
    for person in (world.alice, staff.lily, staff.oscar):
        client.force_login(person)
        assert "/workflow/rollcall/start/" not in client.get("/rollcalls/").content.decode()
        assert client.get("/workflow/rollcall/start/").status_code == 403
