"""The plan line form offers as partner departments (对口支援) only those the service
accepts: outside the plan's jurisdiction, and not a superior of it — never a list of
choices each refused after submit."""

import re

import pytest

from planning import policy, services
from tests.planning.helpers import Partner, dates

pytestmark = pytest.mark.django_db


def offered(page: str) -> set[str]:
    select = re.search(r'<select name="partner"[^>]*>(.*?)</select>', page, re.S).group(1)
    return set(re.findall(r'<option value="(\d+)"', select))


def test_the_partner_list_holds_only_departments_the_plan_may_offer_seats(world, client):
    partner = Partner()
    start, _end = dates(60)
    city_plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)
    county_plan = services.plan_create(
        actor=world.carol, org_department=world.county_od, year=start.year
    )

    client.force_login(world.bob)
    page = client.get(f"/plans/{city_plan.pk}/lines/add/").content.decode()
    assert offered(page) == {str(partner.od.pk)}  # not the city's own, nor its county's
    client.force_login(world.carol)
    page = client.get(f"/plans/{county_plan.pk}/lines/add/").content.decode()
    assert offered(page) == {str(partner.od.pk)}  # not the city above it

    # The list and the service agree, department by department.
    from org.models import OrgDepartment

    for plan in (city_plan, county_plan):
        choices = set(policy.partner_choices(plan))
        for department in OrgDepartment.objects.all():
            assert (department in choices) == (policy.partner_refusal(plan, department) is None)
