"""Dispatch's predicates, each one function of `dispatch.policy` asked by the page, the
tag that shows its link and the service: who manages a roll call (its acknowledgements,
cancelling it), who sees a class's suggested candidates, who issues roll calls. For the
same user, the link is shown exactly when the page opens and the service acts."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template import engines
from django.test import RequestFactory

from dispatch import policy
from dispatch.flows import RollCallFlow
from dispatch.models import RollCall
from dispatch.services import roll_call_cancel
from tests.factories import user
from tests.flowtools import issue_roll_call

pytestmark = pytest.mark.klass(name="全市专题培训班")


@pytest.fixture
def people(world, staff):
    return {
        "bob": world.bob,  # the city's dispatcher: issued the roll call
        "root": user("root", is_superuser=True, is_staff=True),
        "carol": world.carol,  # the county's dispatcher: another jurisdiction
        "oscar": staff.oscar,  # the city's org department head: reads, does not dispatch
        "alice": world.alice,
        "rita": world.rita,  # the school's registrar: the class is held there
        "lily": staff.lily,
        "dave": world.dave,
    }


@pytest.fixture
def roll_call(world, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a])
    client.logout()
    return RollCall.objects.get()


def tag(person, source, **context):
    """`source` rendered after `{% load dispatch_ui %}` for `person`'s request."""
    request = RequestFactory().get("/")
    request.user = person
    template = engines["django"].from_string("{% load dispatch_ui %}" + source)
    return template.render({**context}, request).strip()


class _Undo(Exception):
    pass


def cancel_allowed(person, roll_call) -> bool:
    """Whether `roll_call_cancel` acts for `person` (then undone) or refuses them."""
    try:
        with transaction.atomic():
            roll_call_cancel(actor=person, roll_call=roll_call, reason="测试撤销")
            raise _Undo
    except PermissionDenied:
        return False
    except _Undo:
        return True


# -- may manage a roll call ---------------------------------------------------------------


def test_the_issuing_departments_dispatchers_manage_the_roll_call(people, roll_call):
    assert policy.may_manage_roll_call(people["bob"], roll_call)
    assert policy.may_manage_roll_call(people["root"], roll_call)
    assert policy.may_manage_roll_call(None, roll_call)  # the system


@pytest.mark.parametrize("name", ["carol", "oscar", "alice", "rita", "lily", "dave"])
def test_nobody_else_manages_it(people, roll_call, name):
    assert not policy.may_manage_roll_call(people[name], roll_call)
    with pytest.raises(PermissionDenied):
        policy.require_manage_roll_call(people[name], roll_call)


def test_page_link_tag_and_cancelling_agree_on_who_manages_a_roll_call(people, roll_call, client):
    detail = f"/rollcalls/{roll_call.pk}/"
    acknowledgements = f"{detail}acknowledgements/"
    seen = 0
    for name, person in people.items():
        allowed = policy.may_manage_roll_call(person, roll_call)
        shown = tag(person, "{% may_manage_roll_call rc as m %}{{ m }}", rc=roll_call)
        assert shown == str(allowed), name
        assert cancel_allowed(person, roll_call) == allowed, name
        client.force_login(person)
        page = client.get(detail)
        if page.status_code == 404:  # out of reach: neither page opens
            assert client.get(acknowledgements).status_code == 404, name
            continue
        seen += 1
        html = page.content.decode()
        assert (acknowledgements in html) == allowed, name
        assert ('name="reason"' in html) == allowed, name  # the cancel form
        assert client.get(acknowledgements).status_code == (200 if allowed else 403), name
    assert seen >= 3  # some that may, some that may not, on the page itself


# -- may suggest candidates ---------------------------------------------------------------


def test_the_organizers_dispatchers_see_suggested_candidates(people, klass):
    assert policy.may_suggest_candidates(people["bob"], klass)
    assert policy.may_suggest_candidates(people["root"], klass)


@pytest.mark.parametrize("name", ["carol", "oscar", "alice", "rita", "lily", "dave"])
def test_nobody_else_sees_them(people, klass, name):
    assert not policy.may_suggest_candidates(people[name], klass)


def test_page_and_link_agree_on_who_sees_suggested_candidates(people, klass, client):
    candidates = f"/classes/{klass.pk}/candidates/"
    for name, person in people.items():
        allowed = policy.may_suggest_candidates(person, klass)
        shown = tag(person, "{% may_suggest_candidates k as m %}{{ m }}", k=klass)
        assert shown == str(allowed), name
        client.force_login(person)
        page = client.get(f"/classes/{klass.pk}/")
        if page.status_code == 404:
            assert client.get(candidates).status_code == 404, name
            continue
        assert (candidates in page.content.decode()) == allowed, name
        assert client.get(candidates).status_code == (200 if allowed else 403), name


# -- may issue a roll call ----------------------------------------------------------------


def test_dispatchers_issue_roll_calls_and_no_one_else(people):
    allowed = {name for name, p in people.items() if policy.may_issue_roll_call(p)}
    assert allowed == {"bob", "root", "carol"}


def test_the_start_node_the_link_and_the_start_page_agree_on_who_issues(people, client):
    start = "/workflow/rollcall/start/"
    for name, person in people.items():
        allowed = policy.may_issue_roll_call(person)
        assert RollCallFlow.start.can_execute(person) == allowed, name
        assert tag(person, "{% may_issue_roll_call as m %}{{ m }}") == str(allowed), name
        client.force_login(person)
        assert client.get(start).status_code == (200 if allowed else 403), name
        listing = client.get("/rollcalls/")
        if listing.status_code == 200:
            assert (start in listing.content.decode()) == allowed, name
