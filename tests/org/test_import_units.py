"""Importing the unit tree: any row order, parents resolved in the file and the database,
each row error on its line, all or nothing, idempotent, within the importer's jurisdiction."""

import pytest
from django.core.exceptions import ValidationError

from imports import services
from org.models import Unit, UnitKind
from tests.factories import unit as make_unit
from tests.org.units_kit import KIND, errors_of, lines, preview, row

pytestmark = pytest.mark.usefixtures("media")


def test_a_tree_in_reverse_order_is_created_parent_before_child(world):
    rows = [
        row("N3", "三级科室", "N2"),
        row("N2", "二级处", "N1", kind="public_institution"),
        row("N1", "新委员会", world.a.code),
    ]
    batch = preview(world.bob, rows)
    assert batch.rows_error == 0, [r.errors for r in batch.rows.all()]
    assert batch.rows_create == 3
    services.batch_commit(actor=world.bob, batch=batch)
    n1, n2, n3 = (Unit.objects.get(code=code) for code in ("N1", "N2", "N3"))
    assert (n1.parent, n2.parent, n3.parent) == (world.a, n1, n2)
    assert n2.kind == UnitKind.PUBLIC_INSTITUTION
    assert list(Unit.objects.subtree(world.a).filter(code__startswith="N")) == [n1, n2, n3]
    for unit in (n1, n2, n3):
        # the paths computed in bulk are those Unit.save keeps
        assert unit.path == unit._computed_path()
        assert unit.depth == unit.path.count("/") - 1
        before = (unit.path, unit.depth)
        unit.save()
        unit.refresh_from_db()
        assert (unit.path, unit.depth) == before


def test_a_cycle_in_the_file_is_an_error_on_each_of_its_lines(world):
    batch = preview(
        world.bob,
        [row("C1", "甲", "C2"), row("C2", "乙", "C1"), row("C3", "丙", world.a.code)],
    )
    assert "C1 → C2 → C1" in errors_of(batch, 2) or "C2 → C1 → C2" in errors_of(batch, 2)
    assert "循环" in errors_of(batch, 3)
    assert lines(batch)[4].errors == []
    with pytest.raises(ValidationError):
        services.batch_commit(actor=world.bob, batch=batch)
    assert not Unit.objects.filter(code__in=["C1", "C2", "C3"]).exists()


def test_a_cycle_through_the_database_is_an_error(world):
    # a1 lies under a: putting a under a new unit below a1 would close a loop
    batch = preview(
        world.bob, [row(world.a.code, world.a.name, "X1"), row("X1", "新单位", world.a1.code)]
    )
    assert "循环" in errors_of(batch, 2)
    assert "循环" in errors_of(batch, 3)


def test_each_row_error_names_the_value(world):
    batch = preview(
        world.bob,
        [
            row("D1", "甲单位", world.a.code),
            row("D1", "又一个甲单位", world.a.code),
            row("D2", "", world.a.code),
            row("D3", "丙", "NOPE"),
            row("D4", "丁", world.a.code, kind="外星机构"),
            row("D5", "戊" * 129, world.a.code),
        ],
    )
    assert lines(batch)[2].errors == []
    assert "D1" in errors_of(batch, 3) and "第 2 行" in errors_of(batch, 3)
    assert "单位名称为空" in errors_of(batch, 4)
    assert "NOPE" in errors_of(batch, 5)
    assert "外星机构" in errors_of(batch, 6)
    assert "129" in errors_of(batch, 7) and "128" in errors_of(batch, 7)
    assert batch.rows_error == 5


def test_a_child_of_a_row_with_errors_is_an_error_too(world):
    batch = preview(world.bob, [row("E2", "子", "E1"), row("E1", "", world.a.code)])
    assert "E1" in errors_of(batch, 2) and "第 3 行" in errors_of(batch, 2)


def test_a_county_dispatcher_cannot_import_into_the_city(world):
    batch = preview(
        world.carol,
        [
            row("F1", "县里新单位", world.county.code),
            row("F2", "市里新单位", world.a.code),
            row(world.b.code, world.b.name, world.a.code),
            row(world.a1.code, "改名", world.a.code),
        ],
    )
    assert lines(batch)[2].errors == []
    assert world.a.code in errors_of(batch, 3) and "管辖范围" in errors_of(batch, 3)
    assert "管辖范围" in errors_of(batch, 4)  # a unit moved out of the jurisdiction
    assert world.a1.code in errors_of(batch, 5) and "管辖范围" in errors_of(batch, 5)
    with pytest.raises(ValidationError):
        services.batch_commit(actor=world.carol, batch=batch)
    assert not Unit.objects.filter(code="F1").exists()
    world.b.refresh_from_db()
    assert world.b.parent == world.county


def test_only_an_administrator_creates_a_top_level_unit(world, django_user_model):
    batch = preview(world.bob, [row("TOP", "另一个市")])
    assert "管理员" in errors_of(batch, 2)
    admin = django_user_model.objects.create_superuser("root", password="x")
    batch = preview(admin, [row("TOP", "另一个市")])
    assert batch.rows_error == 0
    services.batch_commit(actor=admin, batch=batch)
    top = Unit.objects.get(code="TOP")
    assert (top.parent, top.path, top.depth) == (None, f"{top.pk:08d}/", 0)


def test_a_changed_row_updates_and_a_move_carries_the_subtree(world):
    county_unit = make_unit("某县新局", world.county, code="G0")
    below = make_unit("某县新局办公室", county_unit, code="G1")
    batch = preview(
        world.bob,
        [
            row("G0", "某县新局（改名）", world.a.code),
            row(world.a1.code, world.a1.name, world.a.code),
        ],
    )
    assert (batch.rows_update, batch.rows_unchanged, batch.rows_error) == (1, 1, 0)
    services.batch_commit(actor=world.bob, batch=batch)
    county_unit.refresh_from_db()
    below.refresh_from_db()
    assert county_unit.name == "某县新局（改名）" and county_unit.parent == world.a
    assert below.path == f"{county_unit.path}{below.pk:08d}/" and below.depth == 3
    assert below in Unit.objects.subtree(world.a)


def test_importing_the_same_file_twice_changes_nothing(world):
    rows = [row("H1", "新单位", world.a.code), row("H2", "新单位下属", "H1")]
    services.batch_commit(actor=world.bob, batch=preview(world.bob, rows))
    before = list(Unit.objects.values_list("pk", "code", "name", "kind", "parent", "path"))
    again = preview(world.bob, rows)
    assert (again.rows_unchanged, again.rows_create, again.rows_update) == (2, 0, 0)
    services.batch_commit(actor=world.bob, batch=again)
    assert list(Unit.objects.values_list("pk", "code", "name", "kind", "parent", "path")) == before


def test_the_check_is_set_based(world, django_assert_max_num_queries):
    rows = [(i + 2, row(f"Q{i}", f"单位{i}", world.a.code)) for i in range(300)]
    with django_assert_max_num_queries(6):
        outcomes = list(KIND.check(world.bob, rows))
    assert len(outcomes) == 300 and not any(o.errors for o in outcomes)
