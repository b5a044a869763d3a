"""Who edits a cadre and who chooses their managing departments is decided in one place
(org.services.cadre_save, org.policy): called directly with forbidden arguments, the
service refuses — whatever a page would have offered."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from org import policy, services
from org.models import Cadre, Gender
from tests.factories import id_number, user


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


def test_a_liaison_may_not_give_a_new_cadre_a_co_managing_department(world):
    """The nearest department manages a liaison's new cadre; nobody co-manages it unless a
    dispatcher says so (the cadre import refuses the same row: tests/org/test_import_cadres)."""
    liaison = user("lily", "unit_liaison", world.b)
    with pytest.raises(ValidationError) as refused:
        services.cadre_save(
            actor=liaison,
            cadre=new_cadre(world, world.b, co_managing_org_department=world.city_od),
        )
    assert "co_managing_org_department" in refused.value.message_dict
    assert not Cadre.objects.filter(name="赵新").exists()


def test_a_liaison_may_name_the_department_that_manages_the_new_cadre_anyway(world):
    liaison = user("lily", "unit_liaison", world.b)
    cadre = services.cadre_save(
        actor=liaison, cadre=new_cadre(world, world.b, managing_org_department=world.county_od)
    )
    assert cadre.managing_org_department == world.county_od


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
