"""A dispatcher gives a department role (dispatcher, org department head, auditor) only
strictly below their own department, and changes no account holding one at or above it
(org.policy.may_grant_role, may_manage_account): neither the accounts import nor
org.services.role_grant lets a dispatcher name a co-signer of their own circulars or take
over their own head's account."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from imports.kinds import Action
from org import services
from org.policy import may_grant_role, may_manage_account
from org.roles import Role, roles_of
from org.selectors import units_in_reach
from tests.dispatch.import_kit import check, commit, errors_by_line
from tests.factories import user

pytestmark = pytest.mark.django_db
User = get_user_model()


def row(username, role, unit, full_name="张伟", **fields):
    return {"username": username, "full_name": full_name, "role": role, "unit": unit, **fields}


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.ORG_HEAD, Role.AUDITOR])
def test_a_department_role_only_strictly_below_the_dispatchers_department(world, role):
    assert not may_grant_role(world.bob, role, world.root)
    assert may_grant_role(world.bob, role, world.county)
    assert not may_grant_role(world.carol, role, world.county)
    assert may_grant_role(world.carol, role, world.b)
    # A unit's own roles stay grantable on the dispatcher's own root.
    assert may_grant_role(world.bob, Role.UNIT_LIAISON, world.root)


def test_the_import_refuses_an_org_head_of_the_importers_own_department(world):
    outcomes = check(
        "accounts",
        world.bob,
        [
            row("shadow", "组织部分管领导", world.root.code),  # 2: signs Bob's own circulars
            row("twin", "调训专员", world.root.code),  # 3: a second Bob
            row("eye", "审计员", world.root.code),  # 4
            row("county_head", "组织部分管领导", world.county.code),  # 5: the county's: fine
        ],
    )
    errors = errors_by_line(outcomes)
    assert sorted(errors) == [2, 3, 4]
    assert world.root.code in errors[2][0]
    with pytest.raises(ValidationError):
        commit("accounts", world.bob, [row("shadow", "org_head", world.root.code)])
    assert not User.objects.filter(username="shadow").exists()


def test_the_service_refuses_the_same_grant_and_writes_nothing(world):
    stranger = user("stranger")
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=world.bob, user=stranger, role=Role.ORG_HEAD, unit=world.root)
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=world.alice, user=stranger, role=Role.UNIT_LIAISON, unit=world.a)
    with pytest.raises(PermissionDenied):
        services.role_grant(
            actor=world.carol, user=world.carol, role=Role.UNIT_LIAISON, unit=world.b
        )
    assert roles_of(stranger) == []
    assert not units_in_reach(stranger).exists()
    assert AuditEvent.objects.count() == events
    services.role_grant(actor=world.bob, user=stranger, role=Role.ORG_HEAD, unit=world.county)
    assert roles_of(stranger) == [Role.ORG_HEAD]


def test_a_dispatcher_cannot_rename_or_redirect_their_own_departments_head(world):
    head = user("orghead", "org_head", world.root, first_name="陆永霞")
    county_head = user("countyhead", "org_head", world.county, first_name="周正")
    assert not may_manage_account(world.bob, head)
    assert may_manage_account(world.bob, county_head)
    assert not may_manage_account(world.carol, county_head)
    assert may_manage_account(world.bob, world.alice)  # a unit's head: Bob manages
    [outcome] = check(
        "accounts",
        world.bob,
        [row("orghead", "组织部分管领导", world.county.code, "王某", email="x@evil.cn")],
    )
    assert outcome.action == Action.ERROR
    head.refresh_from_db()
    assert (head.first_name, head.email) == ("陆永霞", "")


def test_the_sample_grant_of_a_zone_dispatcher_still_imports(world):
    outcomes = commit("accounts", world.bob, [row("zone", "调训专员", world.county.code)])
    assert [o.action for o in outcomes] == [Action.CREATE]
    zone = User.objects.get(username="zone")
    assert units_in_reach(zone, "issue_dispatch").filter(pk=world.b.pk).exists()
