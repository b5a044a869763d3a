"""A partner's dispatcher nominating by name: a name two cadres of the partner's
jurisdiction share is not settled by picking one of them — it is asked for as the ID
number, as on a plan line."""

import pytest
from django.utils.translation import gettext

from planning import services
from planning.models import PartnerNomination
from tests.factories import cadre
from tests.planning.helpers import Partner, dates, publish, quota_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(world):
    return Partner()


@pytest.fixture
def line(world, staff, partner):
    start, _end = dates(60)
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)
    line = quota_line(world, plan, seats=6, partner=partner.od, partner_seats=2)
    publish(world, staff, plan)
    return line


def test_a_shared_name_asks_for_the_id_number(client, world, partner, line):
    namesake = cadre(partner.cadre.name, partner.unit, partner.od)
    client.force_login(partner.pete)
    url = f"/plans/lines/{line.pk}/nominate/"
    response = client.post(url, {"cadres": f"{partner.cadre.name}\n{partner.cadre2.name}"})
    assert response.status_code == 200
    assert response.context["form"].errors["cadres"] == [
        gettext("Several cadres are named %(names)s: give the ID number.")
        % {"names": partner.cadre.name}
    ]
    assert not PartnerNomination.objects.exists()

    response = client.post(url, {"cadres": namesake.id_number})
    assert response.status_code == 302
    assert list(PartnerNomination.objects.values_list("cadre", flat=True)) == [namesake.pk]


def test_a_name_nobody_else_bears_is_enough(client, world, partner, line):
    client.force_login(partner.pete)
    response = client.post(f"/plans/lines/{line.pk}/nominate/", {"cadres": partner.cadre2.name})
    assert response.status_code == 302
    assert list(PartnerNomination.objects.values_list("cadre", flat=True)) == [partner.cadre2.pk]
