"""Delegation of a department head's decisions to a deputy: only to a colleague of the
unit, only the head's decisions, for a window, through the page and the service."""

import datetime as dt

from org.models import Delegation
from tests.factories import user


def test_a_head_may_delegate_only_to_a_colleague_of_the_unit(world, staff, client):

    deputy = user("a.deputy", "deputy_head", world.a, first_name="赵副")
    below = user("a1.deputy", "deputy_head", world.a1, first_name="钱科")  # a unit below
    user("a.auditor", "auditor", world.root, first_name="孙审")
    client.force_login(world.alice)
    page = client.get("/delegations/").content.decode()
    form = page[page.index('name="delegate"') : page.index("</select>")]
    assert "赵副" in form and "a.deputy" not in form  # the name, not the login
    for outsider in ("lily", "bob", "charlie", "孙审", "钱科", "alice"):
        assert outsider not in form, outsider
    today = dt.date.today()
    window = {"starts_on": today, "ends_on": today + dt.timedelta(days=3)}
    for refused in (staff.lily, world.bob, below, world.charlie):
        response = client.post("/delegations/", {"delegate": refused.pk, **window})
        assert response.status_code == 200
        assert "只能委托" in response.content.decode(), refused
    assert not Delegation.objects.exists()
    response = client.post("/delegations/", {"delegate": deputy.pk, **window})
    assert response.status_code == 302
    assert Delegation.objects.get().delegate == deputy
    assert user_reloaded(deputy).has_perm("org.approve_as_head", world.a)
    client.force_login(deputy)
    page = client.get("/").content.decode()
    assert "副职负责人" in page or "副职" in page
    assert "alice" in page  # delegated by the head (no full name: the login)


def user_reloaded(u):
    return type(u).objects.get(pk=u.pk)


def test_a_head_without_colleagues_is_told_whom_to_ask(world, client):
    client.force_login(world.charlie)
    page = client.get("/delegations/").content.decode()
    assert 'name="delegate"' not in page
    assert "组织部门" in page
