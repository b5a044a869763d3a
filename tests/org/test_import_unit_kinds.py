"""A unit bearing an organization department or a training institution keeps its kind
(the import says why on the row; unit_save refuses), and a cycle through registered
units names each unit on its way."""

import pytest
from django.core.exceptions import ValidationError

from org import services
from org.models import Unit, UnitKind
from tests.org.units_kit import errors_of, lines, preview, row

pytestmark = pytest.mark.usefixtures("media")


def test_the_import_keeps_an_institution_and_a_department_on_their_kind(world):
    batch = preview(
        world.bob,
        [
            row(world.school_unit.code, world.school_unit.name, world.root.code, "事业单位"),
            row(
                world.county_od_unit.code, world.county_od_unit.name, world.county.code, "党的机关"
            ),
            row(world.a.code, "改名的发改委", world.root.code, "事业单位"),
        ],
    )
    school, department = errors_of(batch, 2), errors_of(batch, 3)
    assert world.school_unit.code in school and "培训机构" in school and "事业单位" in school
    assert world.county_od_unit.code in department and "组织部门" in department
    assert lines(batch)[4].errors == []
    assert batch.rows_error == 2
    assert Unit.objects.get(pk=world.school_unit.pk).kind == UnitKind.INSTITUTION


def test_the_import_leaves_a_held_unit_of_its_own_kind_alone(world):
    batch = preview(
        world.bob,
        [row(world.school_unit.code, "中共某市委党校（新名）", world.root.code, "培训机构")],
    )
    assert batch.rows_error == 0 and batch.rows_update == 1


def test_unit_save_refuses_to_change_a_held_units_kind(world):
    unit = Unit.objects.get(pk=world.city_od_unit.pk)
    unit.kind = UnitKind.PUBLIC_INSTITUTION
    with pytest.raises(ValidationError) as refusal:
        services.unit_save(actor=world.bob, unit=unit)
    assert "组织部门" in refusal.value.message_dict["kind"][0]
    assert Unit.objects.get(pk=unit.pk).kind == UnitKind.ORG_DEPARTMENT
    unit.kind, unit.name = UnitKind.ORG_DEPARTMENT, "中共某市委组织部（新名）"
    services.unit_save(actor=world.bob, unit=unit)
    assert Unit.objects.get(pk=unit.pk).name == "中共某市委组织部（新名）"


def test_a_cycle_through_a_registered_sub_unit_names_it(world):
    # a1 lies under a: a under a1 would close a loop through a1, which the file leaves out
    batch = preview(world.bob, [row(world.a.code, world.a.name, world.a1.code)])
    assert f"{world.a.code} → {world.a1.code} → {world.a.code}" in errors_of(batch, 2)


def test_a_cycle_through_the_file_and_the_database_names_every_unit(world):
    deeper = Unit.objects.create(
        code="A1X", name="综合科下属", kind=UnitKind.GOVERNMENT, parent=world.a1
    )
    batch = preview(
        world.bob, [row(world.a.code, world.a.name, "X1"), row("X1", "新单位", deeper.code)]
    )
    shown = errors_of(batch, 2)
    assert f"{world.a.code} → X1 → A1X → {world.a1.code} → {world.a.code}" in shown, shown
