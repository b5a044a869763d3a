"""A partner department nominating into its offered seats: the reach of its cadres is
read in one query, so nominating many costs no more queries than nominating one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from planning import services
from planning.models import PartnerNomination
from tests.factories import cadre
from tests.planning.helpers import Partner, dates, publish, quota_line

pytestmark = pytest.mark.django_db


def test_nominating_many_costs_the_queries_of_one(world, staff):
    partner = Partner()
    start, _end = dates(60)
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)
    one = quota_line(world, plan, seats=12, partner=partner.od, partner_seats=8)
    many = quota_line(
        world, plan, days_ahead=90, name="专题班", seats=12, partner=partner.od, partner_seats=8
    )
    publish(world, staff, plan)
    people = [cadre(f"州干部{n}", partner.unit, partner.od) for n in range(6)]

    with CaptureQueriesContext(connection) as single:
        services.partner_nominate(actor=partner.pete, line=one, cadres=[partner.cadre])
    with CaptureQueriesContext(connection) as several:
        services.partner_nominate(actor=partner.pete, line=many, cadres=people)

    assert PartnerNomination.objects.filter(line=many).count() == 6
    assert len(several) <= len(single) + 2, [q["sql"] for q in several.captured_queries]
