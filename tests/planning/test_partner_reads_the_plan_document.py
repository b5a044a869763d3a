"""The published plan's document that offers a partner department seats (对口支援, listed
in its 附件2) opens for that department's dispatchers; to another department outside the
plan's jurisdiction, and to the partner's people who are no dispatchers, it does not
exist (404). The plan's own jurisdiction reads it as before."""

import pytest

from planning import services
from planning.documents import issue_plan_document
from tests.factories import unit, user
from tests.planning.helpers import Partner, dates, publish, quota_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(world, staff, media):
    """The city's published plan offering 中共某州委组织部 one seat, and its document."""
    partner = Partner()
    start, _end = dates(60)
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)
    quota_line(world, plan, seats=5, partner=partner.od, partner_seats=1)
    publish(world, staff, plan)
    return partner, issue_plan_document(plan, actor=staff.oscar)


def test_the_partners_dispatcher_opens_it(client, world, document):
    partner, issued = document
    client.force_login(partner.pete)
    assert client.get(f"/documents/{issued.pk}/").status_code == 200


def test_outsiders_do_not_find_it(client, world, document):
    partner, issued = document
    elsewhere = unit("中共另一州委")
    outsiders = [
        user("otto", "dispatcher", elsewhere),  # a dispatcher the plan offers nothing
        user("pia", "department_head", partner.unit),  # the partner's, but no dispatcher
    ]
    for person in outsiders:
        client.force_login(person)
        assert client.get(f"/documents/{issued.pk}/").status_code == 404, person.username


def test_the_plans_own_jurisdiction_still_opens_it(client, world, document):
    _partner, issued = document
    client.force_login(world.carol)
    assert client.get(f"/documents/{issued.pk}/").status_code == 200
