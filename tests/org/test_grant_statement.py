"""The grants a request reads (`org.selectors.grant_roots`, one written-out statement:
`org.grant_statement`) are those the ORM statement it replaced read — direct, group and
delegated grants — for people whose delegations run, ended, have not begun, were revoked,
come from an inactive head or name a permission the head holds only through a group; and
only `org` permissions count."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone
from guardian.shortcuts import assign_perm

from org import selectors
from org.models import Delegation, UnitGroupObjectPermission, UnitUserObjectPermission
from tests.factories import user


def _today() -> dt.date:
    """Today, read when asked: a constant read when the module is collected goes stale
    if the run passes midnight."""
    return dt.date.today()


DAY = dt.timedelta(days=1)


def orm_grant_roots(user):
    """The ORM statement `grant_roots` ran before (the reference)."""
    if not user.is_authenticated or not user.is_active:
        return {}
    today = timezone.localdate()
    running = Delegation.objects.filter(
        delegate=user,
        delegator=OuterRef("user"),
        delegator__is_active=True,
        permission=Concat(Value("org."), OuterRef("permission__codename")),
        revoked=False,
        starts_on__lte=today,
        ends_on__gte=today,
    )
    columns = ("permission__codename", "content_object_id", "content_object__path")
    org_only = Q(permission__content_type__app_label="org")
    direct = UnitUserObjectPermission.objects.filter(
        org_only, Q(user=user) | Exists(running)
    ).values_list(*columns)
    via_group = UnitGroupObjectPermission.objects.filter(org_only, group__user=user).values_list(
        *columns
    )
    roots: dict[str, set] = {}
    for codename, unit_pk, path in direct.union(via_group):
        roots.setdefault(codename, set()).add((unit_pk, path))
    return {codename: tuple(sorted(units)) for codename, units in roots.items()}


def delegate(delegator, deputy, permission="org.approve_as_head", **extra):
    values = {"starts_on": _today(), "ends_on": _today() + DAY, **extra}
    return Delegation.objects.create(
        delegator=delegator, delegate=deputy, permission=permission, **values
    )


@pytest.fixture
def people(world):
    """A deputy for every way a delegation can stand, a member of a group holding grants,
    someone holding grants in both ways, and a grant of a permission of another app."""
    retired = user("retired", "department_head", world.b)
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    team = Group.objects.create(name="审批组")
    assign_perm("org.approve_as_org_department", team, world.county)
    assign_perm("org.issue_dispatch", team, world.b)
    group_head = user("group.head")
    team.user_set.add(group_head)
    cases = {
        "running": {},
        "ended": {"starts_on": _today() - 3 * DAY, "ends_on": _today() - DAY},
        "not begun": {"starts_on": _today() + DAY, "ends_on": _today() + 3 * DAY},
        "revoked": {"revoked": True},
        "of an inactive head": {"delegator": retired},
        "held through a group": {"delegator": group_head, "permission": "org.issue_dispatch"},
    }
    deputies = {}
    for name, extra in cases.items():
        deputy = user(f"deputy {name}", "deputy_head", world.a)
        delegate(extra.pop("delegator", world.alice), deputy, **extra)
        deputies[name] = deputy
    both = user("both", "unit_liaison", world.a1)
    team.user_set.add(both)
    other_app = Permission.objects.create(
        codename="audit_unit", name="audit", content_type=ContentType.objects.get_for_model(Group)
    )
    # guardian refuses it on save; a row written around it must not count either
    UnitUserObjectPermission.objects.bulk_create(
        [UnitUserObjectPermission(user=both, permission=other_app, content_object_id=world.a.pk)]
    )
    return [world.alice, world.bob, world.dave, world.nobody, group_head, both, *deputies.values()]


def test_the_statement_reads_the_grants_the_orm_statement_read(people):
    for person in people:
        assert selectors.grant_roots(person) == orm_grant_roots(person), person.username


def test_only_a_running_delegation_of_a_head_active_and_holding_it_directly_lends_it(world, people):
    lent = "approve_as_head"
    by_name = {p.username: p for p in people}
    assert (world.a.pk, world.a.path) in selectors.grant_roots(by_name["deputy running"])[lent]
    for name in ("ended", "not begun", "revoked", "of an inactive head"):
        assert lent not in selectors.grant_roots(by_name[f"deputy {name}"]), name
    held_by_group = selectors.grant_roots(by_name["deputy held through a group"])
    assert "issue_dispatch" not in held_by_group


def test_a_group_grant_and_an_own_grant_add_up_and_other_apps_do_not_count(world, people):
    roots = selectors.grant_roots(next(p for p in people if p.username == "both"))
    assert roots["act_as_liaison"] == ((world.a1.pk, world.a1.path),)
    assert roots["issue_dispatch"] == ((world.b.pk, world.b.path),)
    assert roots["approve_as_org_department"] == ((world.county.pk, world.county.path),)
    assert "audit_unit" not in roots
