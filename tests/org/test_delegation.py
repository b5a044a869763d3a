"""Delegation of a department head's decisions to a deputy: only to a colleague of the
unit, only the head's decisions, for a window, through the page and the service."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from org import services
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


def _today() -> dt.date:
    """Today, read when asked: a constant read when the module is collected goes stale
    if the run passes midnight."""
    return dt.date.today()


def delegate(world, deputy, **dates):
    return services.delegation_create(
        actor=world.alice,
        delegate=deputy,
        starts_on=dates.get("starts_on", _today()),
        ends_on=dates.get("ends_on", _today() + dt.timedelta(days=3)),
    )


def test_a_head_delegates_to_a_deputy_of_their_own_unit_only_their_decisions(world):
    deputy = user("dora", "deputy_head", world.a)
    delegation = delegate(world, deputy)
    assert delegation.permission == "org.approve_as_head"


def test_delegating_to_someone_without_a_role_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        delegate(world, user("nemo"))
    assert "delegate" in refused.value.message_dict
    assert not Delegation.objects.exists()


@pytest.mark.parametrize(
    "role, unit",
    [("unit_liaison", "a"), ("deputy_head", "b"), ("dispatcher", "root"), ("trainee", None)],
)
def test_delegating_outside_the_heads_own_unit_or_to_a_liaison_is_refused(world, role, unit):
    person = user("someone", role, getattr(world, unit) if unit else None)
    with pytest.raises(ValidationError):
        delegate(world, person)
    assert not Delegation.objects.exists()


def test_only_a_department_head_delegates(world):
    deputy = user("dora", "deputy_head", world.a)
    with pytest.raises(PermissionDenied):
        services.delegation_create(
            actor=world.bob, delegate=deputy, starts_on=_today(), ends_on=_today()
        )


def test_the_delegation_service_takes_no_permission_string(world):
    deputy = user("dora", "deputy_head", world.a)
    with pytest.raises(TypeError):
        services.delegation_create(
            actor=world.alice,
            delegate=deputy,
            starts_on=_today(),
            ends_on=_today(),
            permission="org.issue_dispatch",
        )


def test_a_head_delegates_through_the_page_and_revokes(world, staff, client):
    import datetime as dt

    from tests.factories import user

    deputy = user("deputy", "deputy_head", world.a)  # a colleague in unit A
    client.force_login(world.alice)
    page = client.get("/delegations/").content.decode()
    assert "deputy" in page and "charlie" not in page
    today = dt.date.today()
    response = client.post(
        "/delegations/",
        {"delegate": deputy.pk, "starts_on": today, "ends_on": today - dt.timedelta(days=1)},
    )
    assert response.status_code == 200 and not Delegation.objects.exists()
    client.post(
        "/delegations/",
        {"delegate": deputy.pk, "starts_on": today, "ends_on": today + dt.timedelta(days=3)},
    )
    delegation = Delegation.objects.get()
    assert deputy.has_perm("org.approve_as_head", world.a1)
    client.post("/delegations/", {"revoke": delegation.pk})
    delegation.refresh_from_db()
    assert delegation.revoked
    deputy = type(deputy).objects.get(pk=deputy.pk)
    assert not deputy.has_perm("org.approve_as_head", world.a1)


def test_only_department_heads_delegate(world, staff, client):
    for outsider in (staff.lily, world.bob, world.nobody):
        client.force_login(outsider)
        assert client.get("/delegations/").status_code == 403


def test_a_delegation_ending_before_today_is_refused(world):
    deputy = user("a.deputy", "deputy_head", world.a)
    with pytest.raises(ValidationError) as refused:
        delegate(
            world,
            deputy,
            starts_on=_today() - dt.timedelta(days=5),
            ends_on=_today() - dt.timedelta(days=1),
        )
    assert "ends_on" in refused.value.message_dict
    assert not Delegation.objects.exists()
    delegate(
        world, deputy, starts_on=_today() - dt.timedelta(days=5), ends_on=_today()
    )  # today counts


def test_a_delegation_starting_in_an_implausible_year_is_refused(world):
    deputy = user("a.deputy", "deputy_head", world.a)
    with pytest.raises(ValidationError) as refused:
        delegate(world, deputy, starts_on=dt.date(1, 1, 1))
    assert "不合常理" in refused.value.message_dict["starts_on"][0]
    assert not Delegation.objects.exists()


def test_revoking_twice_is_recorded_once_and_an_ended_delegation_offers_no_revoke(world, client):
    from audit.models import AuditEvent

    deputy = user("a.deputy", "deputy_head", world.a, first_name="赵副")
    running = delegate(world, deputy)
    client.force_login(world.alice)
    for _click in range(2):
        response = client.post("/delegations/", {"revoke": running.pk}, follow=True)
        assert "已撤销委托" in response.content.decode()
    assert AuditEvent.objects.filter(verb="approval.delegation_revoke").count() == 1

    ended = delegate(world, deputy, starts_on=_today(), ends_on=_today())
    Delegation.objects.filter(pk=ended.pk).update(
        starts_on=_today() - dt.timedelta(days=2), ends_on=_today() - dt.timedelta(days=1)
    )
    page = client.get("/delegations/").content.decode()
    assert f'value="{ended.pk}"' not in page and "已结束" in page
    assert "受托人" in page and "期间" in page  # the table's header
    # Forged, the revocation of an ended delegation is refused by the service: nothing
    # written, a message instead.
    response = client.post("/delegations/", {"revoke": ended.pk}, follow=True)
    assert "该委托已到期，无需撤销" in response.content.decode()
    assert not Delegation.objects.get(pk=ended.pk).revoked
    assert AuditEvent.objects.filter(verb="approval.delegation_revoke").count() == 1
    with pytest.raises(ValidationError):
        services.delegation_revoke(actor=world.alice, delegation=ended)
