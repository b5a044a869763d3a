"""Every rule lives in one service or policy function: called directly with forbidden
arguments, the service refuses — whatever a page would have offered."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from approvals import policy as approval_policy
from org import policy, services
from org.models import Cadre, Delegation, Gender
from tests.factories import id_number, user

TODAY = dt.date.today()


def new_cadre(world, unit, **fields) -> Cadre:
    return Cadre(
        name="赵新",
        gender=Gender.MALE,
        id_number=id_number(True),
        unit=unit,
        position="科员",
        category="civil_servant",
        **fields,
    )


# -- cadres: who edits, who chooses the managing departments ----------------------------


def test_a_liaisons_new_cadre_is_managed_by_the_nearest_department(world):
    liaison = user("lily", "unit_liaison", world.b)
    cadre = services.cadre_save(actor=liaison, cadre=new_cadre(world, world.b))
    assert cadre.managing_org_department == world.county_od  # not the city's


def test_a_liaison_may_not_choose_the_managing_department(world):
    liaison = user("lily", "unit_liaison", world.b)
    with pytest.raises(ValidationError) as refused:
        services.cadre_save(
            actor=liaison, cadre=new_cadre(world, world.b, managing_org_department=world.city_od)
        )
    assert "managing_org_department" in refused.value.message_dict
    assert not Cadre.objects.filter(name="赵新").exists()


def test_a_liaison_may_not_change_a_cadres_co_managing_department(world):
    liaison = user("lily", "unit_liaison", world.a)
    cadre = Cadre.objects.get(pk=world.cadre_a.pk)
    cadre.co_managing_org_department = world.county_od
    with pytest.raises(ValidationError) as refused:
        services.cadre_save(actor=liaison, cadre=cadre)
    assert "co_managing_org_department" in refused.value.message_dict
    assert Cadre.objects.get(pk=cadre.pk).co_managing_org_department is None


def test_a_liaison_keeps_the_departments_when_changing_other_fields(world):
    liaison = user("lily", "unit_liaison", world.a)
    cadre = Cadre.objects.get(pk=world.cadre_a.pk)
    cadre.position = "副科长"
    services.cadre_save(actor=liaison, cadre=cadre)
    assert Cadre.objects.get(pk=cadre.pk).position == "副科长"


def test_a_dispatcher_may_not_choose_a_department_outside_their_jurisdiction(world):
    cadre = Cadre.objects.get(pk=world.cadre_b.pk)  # county, co-managed by the city
    cadre.co_managing_org_department = None
    services.cadre_save(actor=world.carol, cadre=cadre)  # keeping or clearing is fine
    cadre.co_managing_org_department = world.city_od  # the city's is not Carol's to give
    with pytest.raises(ValidationError) as refused:
        services.cadre_save(actor=world.carol, cadre=cadre)
    assert "co_managing_org_department" in refused.value.message_dict


def test_a_dispatcher_chooses_departments_their_jurisdiction_covers(world):
    cadre = Cadre.objects.get(pk=world.cadre_a.pk)
    cadre.co_managing_org_department = world.county_od
    services.cadre_save(actor=world.bob, cadre=cadre)
    assert Cadre.objects.get(pk=cadre.pk).co_managing_org_department == world.county_od


def test_an_outsider_may_not_edit_a_cadre(world):
    cadre = Cadre.objects.get(pk=world.cadre_a.pk)
    cadre.position = "处长"
    with pytest.raises(PermissionDenied):
        services.cadre_save(actor=world.charlie, cadre=cadre)
    assert not policy.may_edit_cadre(world.charlie, cadre)
    assert policy.may_edit_cadre(world.bob, cadre)


def test_a_cadre_moved_out_of_the_editors_reach_is_refused(world):
    liaison = user("lily", "unit_liaison", world.a)
    cadre = Cadre.objects.get(pk=world.cadre_a.pk)
    cadre.unit = world.b
    with pytest.raises(PermissionDenied):
        services.cadre_save(actor=liaison, cadre=cadre)


# -- delegation: to whom, of what -----------------------------------------------------


def delegate(world, deputy, **dates):
    return services.delegation_create(
        actor=world.alice,
        delegate=deputy,
        starts_on=dates.get("starts_on", TODAY),
        ends_on=dates.get("ends_on", TODAY + dt.timedelta(days=3)),
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
        services.delegation_create(actor=world.bob, delegate=deputy, starts_on=TODAY, ends_on=TODAY)


def test_the_delegation_service_takes_no_permission_string(world):
    deputy = user("dora", "deputy_head", world.a)
    with pytest.raises(TypeError):
        services.delegation_create(
            actor=world.alice,
            delegate=deputy,
            starts_on=TODAY,
            ends_on=TODAY,
            permission="org.issue_dispatch",
        )


# -- approvals: who decides a request about a cadre -----------------------------------------


def test_a_dual_managed_cadres_request_is_decided_by_both_departments(world):
    chain = approval_policy.chain_for_cadre(world.cadre_b)
    assert [(a.stage, a.permission, a.scope) for a in chain] == [
        (approval_policy.HEAD_STAGE, "org.approve_as_head", world.b),
        (approval_policy.ORG_STAGE, "org.approve_as_org_department", world.county),
        (approval_policy.ORG_STAGE, "org.approve_as_org_department", world.root),
    ]


def test_a_cadres_request_is_decided_by_the_head_then_the_managing_department(world):
    chain = approval_policy.chain_for_cadre(world.cadre_a)
    assert [(a.stage, a.scope) for a in chain] == [
        (approval_policy.HEAD_STAGE, world.a),
        (approval_policy.ORG_STAGE, world.root),
    ]
