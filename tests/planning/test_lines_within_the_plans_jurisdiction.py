"""A plan's lines give seats and name cadres within the jurisdiction of the plan's
department, whoever drafts it: the city's dispatcher drafting the county's plan allots
no seats to a city unit and names no city cadre (the county's classes are the county's
to dispatch). A partner of 对口支援 lies outside the plan's jurisdiction and its own
jurisdiction does not hold the plan's: the county offers no seats to the city."""

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from audit.models import AuditEvent
from planning import services
from planning.models import PlanLine
from tests.factories import cadre
from tests.planning.helpers import Partner, dates, good_sessions, quota_line, session_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_plan(world):
    start, _end = dates(60)
    return services.plan_create(actor=world.bob, org_department=world.county_od, year=start.year)


@pytest.fixture
def city_plan(world):
    start, _end = dates(60)
    return services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)


def outside(world, *names):
    return gettext("Outside the jurisdiction of %(department)s: %(names)s") % {
        "department": world.county_od_unit.name,
        "names": "、".join(names),
    }


def refused(call):
    before = (PlanLine.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as caught:
        call()
    assert (PlanLine.objects.count(), AuditEvent.objects.count()) == before
    return caught.value.message_dict


def named(world, plan, cadres, **extra):
    return quota_line(
        world, plan, mode="named", allocations=[], cadres=cadres, seats=len(cadres), **extra
    )


def test_the_citys_dispatcher_allots_no_city_unit_in_the_countys_plan(world, county_plan):
    allocations = [(world.a, 3), (world.b, 1)]
    errors = refused(lambda: quota_line(world, county_plan, allocations=allocations))
    assert errors == {"allocations": [outside(world, world.a.name)]}
    line = quota_line(world, county_plan, allocations=[(world.b, 4)])
    assert list(line.allocations.values_list("unit", flat=True)) == [world.b.pk]


def test_the_citys_dispatcher_names_no_city_cadre_in_the_countys_plan(world, county_plan):
    errors = refused(lambda: named(world, county_plan, [world.cadre_b, world.cadre_a]))
    assert errors == {"cadres": [outside(world, world.cadre_a.name)]}
    line = named(world, county_plan, [world.cadre_b])
    assert list(line.named_cadres.all()) == [world.cadre_b]


def test_the_county_offers_no_seats_to_the_city_above_it(world, county_plan, city_plan):
    refusal = gettext(
        "The partner department must lie outside the plan's jurisdiction, and the plan's "
        "department outside the partner's."
    )
    extra = {"allocations": [(world.b, 3)], "partner_seats": 1}
    errors = refused(lambda: quota_line(world, county_plan, partner=world.city_od, **extra))
    assert errors == {"partner": [refusal]}
    # Nor the city to the county below it, nor a department to itself.
    extra["allocations"] = [(world.a, 3)]
    assert refused(lambda: quota_line(world, city_plan, partner=world.county_od, **extra)) == {
        "partner": [refusal]
    }
    assert refused(lambda: quota_line(world, city_plan, partner=world.city_od, **extra)) == {
        "partner": [refusal]
    }
    # A department apart from both is a partner.
    partner = Partner()
    assert quota_line(world, city_plan, partner=partner.od, **extra).partner == partner.od


def test_the_form_looks_names_up_in_the_plans_jurisdiction(client, world, county_plan):
    start, end = dates(60)
    county_namesake = cadre(world.cadre_a.name, world.b, world.county_od)
    data = {
        "name": "县直机关专题班",
        "institution": world.school.pk,
        "kind": "main",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "hours": "40",
        "days": "5",
        "seats": "2",
        "mode": "named",
        "sessions": session_lines(good_sessions(start)),
    }
    client.force_login(world.bob)
    url = f"/plans/{county_plan.pk}/lines/add/"
    # A city cadre is refused by name, as outside the county's jurisdiction.
    response = client.post(url, {**data, "cadres": world.cadre_a1.name})
    assert response.status_code == 200
    assert response.context["form"].errors["cadres"] == [outside(world, world.cadre_a1.name)]
    assert not PlanLine.objects.exists()
    # A name the county cadre shares with a city cadre names the county's, unambiguous.
    response = client.post(url, {**data, "cadres": f"{world.cadre_a.name}\n{world.cadre_b.name}"})
    assert response.status_code == 302
    line = PlanLine.objects.get()
    assert set(line.named_cadres.all()) == {county_namesake, world.cadre_b}
