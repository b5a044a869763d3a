"""What a dispatcher types into a line's form and a partner's nomination: seats per unit
in decimal digits only (a superscript ² is a form error on its line, not a server error;
full-width digits are numbers), and ID numbers whatever the case of their check
character X (stored upper case)."""

import pytest
from django.utils import translation
from django.utils.html import escape

from org import idnumber
from org.models import Cadre
from planning import services
from planning.models import PartnerNomination, PlanAllocation, PlanLine
from tests.planning.helpers import Partner, dates, good_sessions, publish, session_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    start, _end = dates(60)
    return services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)


def post_line(client, plan, world, *, allocations="", cadres="", mode="quota", seats=7):
    start, end = dates(60)
    return client.post(
        f"/plans/{plan.pk}/lines/add/",
        {
            "name": "进修班",
            "institution": world.school.pk,
            "kind": "main",
            "start_date": start,
            "end_date": end,
            "hours": "40",
            "days": 5,
            "seats": seats,
            "mode": mode,
            "allocations": allocations,
            "cadres": cadres,
            "sessions": session_lines(good_sessions(start)),
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )


def with_x(cadre) -> str:
    """Give `cadre` a valid ID number ending in X; return it as typed, lower case."""
    born = idnumber.birth_date(cadre.id_number)
    for sequence in range(1000):
        number = idnumber.make("110102", born, sequence)
        if number.endswith("X") and not Cadre.objects.filter(id_number=number).exists():
            Cadre.objects.filter(pk=cadre.pk).update(id_number=number)
            return number.lower()
    raise AssertionError("no ID number ending in X")


def test_a_superscript_digit_in_the_seats_is_a_form_error(client, world, plan):
    client.force_login(world.bob)
    response = post_line(client, plan, world, allocations=f"{world.a.code}: ²\n{world.b.code}: 6")
    assert response.status_code == 200
    with translation.override("zh-hans"):
        message = translation.gettext("Line %(n)d: unit code: seats") % {"n": 1}
    assert escape(message) in response.content.decode()
    assert not PlanLine.objects.exists()


def test_full_width_digits_are_seats(client, world, plan):
    client.force_login(world.bob)
    response = post_line(client, plan, world, allocations=f"{world.a.code}：１\n{world.b.code}: ６")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert dict(PlanAllocation.objects.values_list("unit", "seats")) == {
        world.a.pk: 1,
        world.b.pk: 6,
    }


def test_a_named_cadres_id_number_is_found_with_a_lower_case_x(client, world, plan):
    typed = with_x(world.cadre_a)
    client.force_login(world.bob)
    response = post_line(client, plan, world, mode="named", cadres=typed, seats=1)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(PlanLine.objects.get().named_cadres.all()) == [world.cadre_a]


def test_a_partner_nominates_by_an_id_number_with_a_lower_case_x(client, world, staff, plan):
    partner = Partner()
    typed = with_x(partner.cadre)
    start, end = dates(60)
    line = services.line_add(
        actor=world.bob,
        plan=plan,
        name="对口支援班",
        institution=world.school,
        start_date=start,
        end_date=end,
        hours=40,
        days=5,
        seats=4,
        mode="quota",
        allocations=[(world.a, 3)],
        partner=partner.od,
        partner_seats=1,
        sessions=good_sessions(start),
    )
    publish(world, staff, plan)
    client.force_login(partner.pete)
    response = client.post(f"/plans/lines/{line.pk}/nominate/", {"cadres": typed})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(PartnerNomination.objects.values_list("cadre", flat=True)) == [partner.cadre.pk]
