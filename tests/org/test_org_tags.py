"""The organization's tags (`org_ui`) ask org's own policy and selectors: the cadre pages'
edit and register links are shown exactly when those pages open, and a deputy's home page
lists the delegations `org.selectors.delegations_received` finds — running or coming, not
revoked, not ended, not someone else's."""

import datetime as dt

import pytest
from django.template import engines
from django.test import RequestFactory

from org import policy, selectors, services
from tests.factories import user


def tag(person, source, **context):
    request = RequestFactory().get("/")
    request.user = person
    return engines["django"].from_string("{% load org_ui %}" + source).render(context, request)


@pytest.fixture
def deputy(world):
    return user("a.deputy", "deputy_head", world.a, first_name="赵副")


def delegate(world, deputy, start, days):
    return services.delegation_create(
        actor=world.alice, delegate=deputy, starts_on=start, ends_on=start + dt.timedelta(days)
    )


def test_a_deputy_receives_the_running_and_coming_delegations_only(world, deputy):
    today = dt.date.today()
    running = delegate(world, deputy, today, 3)
    coming = delegate(world, deputy, today + dt.timedelta(days=10), 2)
    revoked = delegate(world, deputy, today, 5)
    services.delegation_revoke(actor=world.alice, delegation=revoked)
    other = user("a.other", "deputy_head", world.a)
    delegate(world, other, today, 3)
    assert list(selectors.delegations_received(deputy)) == [running, coming]
    assert list(selectors.delegations_received(other)) != []
    assert list(selectors.delegations_received(world.alice)) == []


def test_an_ended_delegation_is_no_longer_received(world, deputy):
    import time_machine

    today = dt.date.today()
    delegate(world, deputy, today, 1)
    with time_machine.travel(dt.datetime.combine(today + dt.timedelta(days=3), dt.time(12))):
        assert list(selectors.delegations_received(deputy)) == []


def test_the_tag_and_the_home_page_show_what_the_selector_finds(world, deputy, client):
    today = dt.date.today()
    delegate(world, deputy, today, 3)
    listed = "{% delegations_received as d %}{% for x in d %}[{{ x.delegator }}]{% endfor %}"
    assert tag(deputy, listed) == "[alice]"
    assert tag(world.bob, "{% delegations_received as d %}{{ d|length }}") == "0"
    client.force_login(deputy)
    assert "alice" in client.get("/").content.decode()


def test_the_cadre_links_show_exactly_when_the_cadre_pages_open(world, staff, client):
    cadre = world.cadre_a
    people = [world.bob, world.carol, world.alice, staff.lily, staff.luke, staff.oscar]
    for person in people:
        may_edit = policy.may_edit_cadre(person, cadre)
        may_register = policy.may_edit_cadre(person)
        assert tag(person, "{% may_edit_cadre c as m %}{{ m }}", c=cadre) == str(may_edit)
        assert tag(person, "{% may_edit_cadre as m %}{{ m }}") == str(may_register)
        client.force_login(person)
        detail = client.get(f"/cadres/{cadre.pk}/")
        edit = client.get(f"/cadres/{cadre.pk}/edit/").status_code
        if detail.status_code == 200:
            assert (f"/cadres/{cadre.pk}/edit/" in detail.content.decode()) == may_edit, person
            assert edit == (200 if may_edit else 403), (person, edit)
        else:
            assert not may_edit and edit in (403, 404), person
        listing = client.get("/cadres/")
        if listing.status_code == 200:
            assert ("/cadres/new/" in listing.content.decode()) == may_register, person
        assert client.get("/cadres/new/").status_code == (200 if may_register else 403), person
