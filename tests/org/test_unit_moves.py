"""Moving a unit keeps its cadres within the jurisdiction of the departments that manage
them (org.policy.unit_move_refusal): the unit form's service and the unit import refuse a
move that would leave a cadre managed by a department whose jurisdiction no longer holds
their unit, and allow one within it."""

import pytest
from django.core.exceptions import ValidationError

from imports import services as import_services
from org import services
from org.models import Unit
from tests.org.units_kit import errors_of, preview, row

pytestmark = pytest.mark.usefixtures("media")


def as_row(unit, parent):
    return row(unit.code, unit.name, parent, kind=unit.kind)


def test_the_service_refuses_to_move_a_county_unit_out_of_the_county(world):
    """张喆 (unit B) is managed by the county's department: B may not go under the city's A."""
    b = Unit.objects.get(pk=world.b.pk)
    b.parent = world.a
    with pytest.raises(ValidationError) as refused:
        services.unit_save(actor=world.bob, unit=b)
    assert "1" in refused.value.messages[0]
    world.b.refresh_from_db()
    assert world.b.parent == world.county
    world.cadre_b.refresh_from_db()
    assert world.cadre_b.unit.path.startswith(world.county.path)


def test_a_move_within_every_managing_jurisdiction_is_made(world):
    """李玥 (A1) is managed by the city: A1 may go under the county, still in the city."""
    a1 = Unit.objects.get(pk=world.a1.pk)
    a1.parent = world.county
    services.unit_save(actor=world.bob, unit=a1)
    world.cadre_a1.refresh_from_db()
    assert world.cadre_a1.unit.path.startswith(world.county.path)


def test_a_department_moving_along_with_its_jurisdiction_is_no_obstacle(world):
    """The whole county (its department's jurisdiction inside it) under A: allowed."""
    county = Unit.objects.get(pk=world.county.pk)
    county.parent = world.a
    services.unit_save(actor=world.bob, unit=county)
    world.b.refresh_from_db()
    assert world.b.path.startswith(world.a.path)


def test_the_import_makes_such_a_move_a_row_error_and_writes_nothing(world):
    batch = preview(world.bob, [as_row(world.b, world.a.code)])
    assert batch.rows_error == 1
    assert "1" in errors_of(batch, 2) and world.b.name in errors_of(batch, 2)
    with pytest.raises(ValidationError):
        import_services.batch_commit(actor=world.bob, batch=batch)
    world.b.refresh_from_db()
    assert world.b.parent == world.county


def test_the_import_follows_a_new_parent_up_to_where_it_lands(world):
    """B under a new unit N1 that goes under A: lands in the city's A all the same."""
    rows = [row("N1", "新委员会", world.a.code), as_row(world.b, "N1")]
    batch = preview(world.bob, rows)
    assert batch.rows_error == 1
    assert world.b.name in errors_of(batch, 3)
    within = preview(world.bob, [row("N2", "新局", world.county.code), as_row(world.b, "N2")])
    assert within.rows_error == 0, [r.errors for r in within.rows.all()]
