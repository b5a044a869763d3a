""" "Is a dispatcher somewhere" is one predicate, `org.policy.is_dispatcher`: the start of
every dispatcher's flow (roll call, plan, survey, circular), the new-class page, the hours
import page and its API answer as it does, for every kind of user."""

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIClient

from circulars.flows import CircularFlow
from dispatch.flows import RollCallFlow
from org.policy import is_dispatcher
from planning.flows import PlanFlow
from surveys.flows import SurveyFlow
from tests.factories import user

DISPATCHERS = ["bob", "carol", "root"]
OTHERS = ["alice", "charlie", "dave", "rita", "nobody", "lily", "oscar", "retired"]


@pytest.fixture
def people(world, staff):
    retired = user("retired", "dispatcher", world.root)
    retired.is_active = False
    retired.save()
    found = {
        "bob": world.bob,
        "carol": world.carol,
        "root": user("root", is_superuser=True, is_staff=True),
        "alice": world.alice,
        "charlie": world.charlie,
        "dave": world.dave,
        "rita": world.rita,
        "nobody": world.nobody,
        "lily": staff.lily,
        "oscar": staff.oscar,
        "retired": retired,
    }
    assert set(found) == set(DISPATCHERS + OTHERS)
    return found


@pytest.mark.parametrize("name", DISPATCHERS)
def test_a_dispatcher_anywhere_is_a_dispatcher(people, name):
    assert is_dispatcher(people[name]) is True


@pytest.mark.parametrize("name", OTHERS)
def test_heads_liaisons_registrars_trainees_and_inactive_accounts_are_not(people, name):
    assert is_dispatcher(people[name]) is False


def test_nobody_signed_in_is_no_dispatcher(db):
    assert is_dispatcher(AnonymousUser()) is False
    assert is_dispatcher(None) is False


def test_a_grant_through_a_group_counts(world):
    from django.contrib.auth.models import Group

    from org.models import UnitGroupObjectPermission

    group = Group.objects.create(name="调训组")
    UnitGroupObjectPermission.objects.assign_perm("issue_dispatch", group, world.county)
    member = user("member")
    assert is_dispatcher(member) is False
    member.groups.add(group)
    member = type(member).objects.get(pk=member.pk)
    assert is_dispatcher(member) is True


@pytest.mark.parametrize("flow", [RollCallFlow, PlanFlow, SurveyFlow, CircularFlow])
def test_every_dispatchers_flow_starts_for_exactly_the_dispatchers(people, flow):
    for name, person in people.items():
        assert flow.start.can_execute(person) == is_dispatcher(person), name


def test_the_dispatcher_pages_open_for_exactly_the_dispatchers(people, client):
    for name, person in people.items():
        if not person.is_active:
            continue  # no session: login_required sends them to log in
        client.force_login(person)
        allowed = is_dispatcher(person)
        for page in ("/classes/new/", "/hours/import/", "/workflow/rollcall/start/"):
            status = client.get(page).status_code
            assert status == (200 if allowed else 403), (name, page, status)
        api = APIClient()
        api.force_login(person)
        status = api.post("/api/v1/actions/hour-imports/", {}, format="multipart").status_code
        assert status == (400 if allowed else 403), (name, status)  # 400: no file given
