"""Seats a published plan offers a partner department are a to-do of the partner's
dispatcher in 我的待办 (home page and /tasks/), until they are filled, the roll call
starts or the dispatch date comes; nobody else has it."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from org import reachcache
from org.models import OrgDepartment, UnitKind
from org.selectors import grant_roots
from planning import services, todos
from planning.schedule import start_line_roll_calls
from tests.factories import unit, user
from tests.planning.helpers import Partner, dates, publish, quota_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(world):
    return Partner()


def _published_line(world, staff, partner):
    start, _end = dates(60)
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)
    line = quota_line(
        world,
        plan,
        name="对口支援进修班",
        seats=6,
        allocations=[(world.a, 3), (world.b, 1)],
        partner=partner.od,
        partner_seats=2,
    )
    publish(world, staff, plan)
    line.refresh_from_db()
    return line


def _listed(client, person, line) -> dict[str, bool]:
    client.force_login(person)
    url = f"/plans/lines/{line.pk}/nominate/"
    return {page: url in client.get(page).content.decode() for page in ("/", "/tasks/")}


def test_the_partners_dispatcher_has_the_offered_seats_until_they_are_filled(
    client, world, staff, partner
):
    line = _published_line(world, staff, partner)
    assert _listed(client, partner.pete, line) == {"/": True, "/tasks/": True}
    [row] = todos.rows(partner.pete, 10)
    assert row.due == line.dispatch_date and "对口支援进修班" in row.subject
    assert todos.count(partner.pete) == 1

    services.partner_nominate(actor=partner.pete, line=line, cadres=[partner.cadre])
    assert _listed(client, partner.pete, line) == {"/": True, "/tasks/": True}  # 1 of 2
    services.partner_nominate(actor=partner.pete, line=line, cadres=[partner.cadre2])
    assert _listed(client, partner.pete, line) == {"/": False, "/tasks/": False}
    assert todos.count(partner.pete) == 0


def test_the_offer_leaves_my_tasks_on_the_dispatch_date(client, world, staff, partner):
    line = _published_line(world, staff, partner)
    services.partner_nominate(actor=partner.pete, line=line, cadres=[partner.cadre])
    the_day_before = timezone.make_aware(
        dt.datetime.combine(line.dispatch_date - dt.timedelta(days=1), dt.time(18))
    )
    with time_machine.travel(the_day_before, tick=False):
        assert todos.count(partner.pete) == 1
    on_the_day = timezone.make_aware(dt.datetime.combine(line.dispatch_date, dt.time(6)))
    with time_machine.travel(on_the_day, tick=False):
        assert todos.count(partner.pete) == 0
        assert _listed(client, partner.pete, line) == {"/": False, "/tasks/": False}


def test_the_offer_leaves_my_tasks_when_the_roll_call_starts(client, world, staff, partner):
    line = _published_line(world, staff, partner)
    with time_machine.travel(
        timezone.make_aware(dt.datetime.combine(line.dispatch_date, dt.time(6))), tick=False
    ):
        assert start_line_roll_calls(line)
    line.refresh_from_db()
    assert line.roll_call_started_at and line.dispatch_date > timezone.localdate()
    assert todos.count(partner.pete) == 0
    assert _listed(client, partner.pete, line) == {"/": False, "/tasks/": False}


def test_nobody_else_has_the_offered_seats(client, world, staff, partner):
    line = _published_line(world, staff, partner)
    root = unit("中共另一州委", kind=UnitKind.PARTY_ORGAN)
    other = OrgDepartment.objects.create(
        unit=unit("中共另一州委组织部", root, kind=UnitKind.ORG_DEPARTMENT),
        jurisdiction=root,
        issuer_code="另组通",
    )
    paul = user("paul", "dispatcher", other.jurisdiction)  # another partner's dispatcher
    for person in (world.bob, world.carol, world.alice, world.charlie, staff.oscar, paul):
        assert _listed(client, person, line) == {"/": False, "/tasks/": False}, person
        assert todos.count(person) == 0
    # Not before the plan is published: a draft's offer is no one's to-do yet.
    draft = services.plan_new_version(actor=world.bob, plan=line.plan, reason="调整")
    assert draft.lines.get().partner == partner.od
    assert todos.count(partner.pete) == 1  # the published line, not its draft copy


def test_counting_is_one_query(world, staff, partner, django_assert_num_queries):
    _published_line(world, staff, partner)
    with reachcache.scope():
        grant_roots(partner.pete)  # read once per request anyway
        grant_roots(world.nobody)
        with django_assert_num_queries(1):
            assert todos.count(partner.pete) == 1
        with django_assert_num_queries(0):
            assert todos.count(world.nobody) == 0


def test_the_offer_names_its_department_and_who_has_been_nominated(client, world, staff, partner):
    line = _published_line(world, staff, partner)
    services.partner_nominate(actor=partner.pete, line=line, cadres=[partner.cadre])
    client.force_login(partner.pete)
    listed = client.get("/plans/").content.decode()
    assert "提供给本辖区组织部门的名额" in listed
    assert f'data-label="提供给">{partner.od.unit.name}</td>' in listed
    page = client.get(f"/plans/lines/{line.pk}/nominate/").content.decode()
    assert f"提供给{partner.od.unit.name}的名额：2个。" in page
    assert f"已推荐：{partner.cadre.name}" in page
    assert partner.cadre2.name not in page
