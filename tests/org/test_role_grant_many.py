"""`role_grant_many`: many logins get their roles at once (the demo's 161), each exactly
as `role_grant` gives one, in statements that do not grow with the number of grants
(but for one audit event each)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from audit.models import AuditEvent
from org import selectors, services
from org.models import UnitUserObjectPermission
from org.roles import Role, group_name
from tests import factories as f


def _users(prefix, n):
    return [get_user_model().objects.create(username=f"{prefix}{i}") for i in range(n)]


def test_it_gives_each_login_its_group_its_reach_and_an_audit_event(db):
    city = f.unit("市委", code="xx")
    bureau = f.unit("市教育局", parent=city, code="xx-jyj")
    dispatcher, liaison, trainee = _users("u", 3)

    services.role_grant_many(
        actor=None,
        grants=[
            (dispatcher, Role.DISPATCHER, city),
            (liaison, "unit_liaison", bureau),
            (trainee, Role.TRAINEE, None),
        ],
    )

    assert dispatcher.groups.filter(name=group_name(Role.DISPATCHER)).exists()
    assert liaison.groups.filter(name=group_name(Role.UNIT_LIAISON)).exists()
    assert trainee.groups.filter(name=group_name(Role.TRAINEE)).exists()
    assert set(selectors.units_in_reach(dispatcher, "issue_dispatch")) == {city, bureau}
    assert set(selectors.units_in_reach(liaison, "act_as_liaison")) == {bureau}
    assert not selectors.units_in_reach(liaison, "issue_dispatch").exists()
    assert not UnitUserObjectPermission.objects.filter(user=trainee).exists()
    events = AuditEvent.objects.filter(verb="role.grant").order_by("id")
    assert [(e.target_id, e.after) for e in events] == [
        (str(dispatcher.pk), {"role": "dispatcher", "unit": city.pk}),
        (str(liaison.pk), {"role": "unit_liaison", "unit": bureau.pk}),
        (str(trainee.pk), {"role": "trainee", "unit": None}),
    ]


def test_a_role_already_held_is_kept_once(db):
    city = f.unit("市委", code="xx")
    (user,) = _users("u", 1)
    services.role_grant(actor=None, user=user, role=Role.DISPATCHER, unit=city)

    services.role_grant_many(actor=None, grants=[(user, Role.DISPATCHER, city)])

    assert UnitUserObjectPermission.objects.filter(user=user).count() == 2
    assert Group.objects.filter(name=group_name(Role.DISPATCHER)).count() == 1
    assert user.groups.count() == 1


def test_a_role_with_permissions_needs_a_unit_and_nothing_is_granted_without_one(db):
    city = f.unit("市委", code="xx")
    first, second = _users("u", 2)
    with pytest.raises(ValueError, match="needs a unit"):
        services.role_grant_many(
            actor=None,
            grants=[(first, Role.DISPATCHER, city), (second, Role.UNIT_LIAISON, None)],
        )
    assert not UnitUserObjectPermission.objects.exists()
    assert not first.groups.exists()


def test_the_statements_do_not_grow_with_the_grants_but_for_their_audit_events(
    db, django_assert_max_num_queries
):
    city = f.unit("市委", code="xx")
    bureau = f.unit("市教育局", parent=city, code="xx-jyj")
    users = _users("u", 40)
    grants = [
        (user, [Role.DISPATCHER, Role.UNIT_LIAISON, Role.DEPARTMENT_HEAD][i % 3], bureau)
        for i, user in enumerate(users)
    ]
    # Groups (get_or_create, with its savepoint, per role), memberships, permissions,
    # their insert, one audit event per grant.
    with django_assert_max_num_queries(3 * 5 + 4 + len(grants)):
        services.role_grant_many(actor=None, grants=grants)
    assert UnitUserObjectPermission.objects.count() == 80
