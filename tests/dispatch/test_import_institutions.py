"""Importing training institutions (dispatch.imports.InstitutionImport): by unit code; a
new code creates the unit under its parent; row errors on their line; all or nothing;
idempotent; a county dispatcher cannot import into the city."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import load_workbook

from audit.models import AuditEvent
from dispatch.models import Institution, InstitutionKind
from imports.kinds import Action, registry
from org.models import Unit, UnitKind
from tests.dispatch.import_kit import actions, check, commit, errors_by_line, read
from tests.factories import unit

pytestmark = pytest.mark.django_db


def row(code, name="某市行政学院", parent="", kind="行政学院", address="市府路1号", **more):
    return {"code": code, "name": name, "parent": parent, "kind": kind, "address": address} | more


def test_a_new_code_creates_the_unit_under_its_parent_and_the_institution(world):
    outcomes = commit("institutions", world.bob, [row("xz-xy", parent=world.root.code)])
    assert actions(outcomes) == [Action.CREATE]
    created = Institution.objects.select_related("unit").get(unit__code="xz-xy")
    assert created.kind == InstitutionKind.ADMINISTRATION_COLLEGE
    assert created.address == "市府路1号"
    assert created.unit.kind == UnitKind.INSTITUTION
    assert created.unit.parent == world.root
    assert created.unit.path == f"{world.root.path}{created.unit.pk:08d}/"
    assert AuditEvent.objects.filter(verb="institution.create").count() == 1


def test_an_existing_institution_unit_gets_its_record_then_stays_unchanged(world):
    bare = unit("某市干部学院", world.root, kind=UnitKind.INSTITUTION, code="gbxy")
    rows = [row("gbxy", name="某市干部学院", kind="cadre_college", address="")]
    assert actions(commit("institutions", world.bob, rows)) == [Action.CREATE]
    assert Institution.objects.get(unit=bare).kind == InstitutionKind.CADRE_COLLEGE
    events = AuditEvent.objects.count()
    assert actions(commit("institutions", world.bob, rows)) == [Action.UNCHANGED]
    assert AuditEvent.objects.count() == events


def test_a_changed_row_updates_the_name_kind_and_address(world):
    rows = [row(world.school_unit.code, name="新校名", kind="党校", address="新地址")]
    assert actions(commit("institutions", world.bob, rows)) == [Action.UPDATE]
    world.school.refresh_from_db()
    world.school_unit.refresh_from_db()
    assert (world.school_unit.name, world.school.address) == ("新校名", "新地址")


def test_each_row_error_is_on_its_line(world):
    unit("普通单位", world.root, code="pt")
    outcomes = check(
        "institutions",
        world.bob,
        [
            row("ok", parent=world.root.code),  # 2: fine
            row("ok", parent=world.root.code),  # 3: duplicate of line 2
            row("new1", parent="nosuch"),  # 4: unknown parent
            row("new2"),  # 5: new unit without a parent
            row("pt"),  # 6: not an institution unit
            row("new3", parent=world.root.code, kind="夜校"),  # 7: unknown kind
            row("new4", parent=world.root.code, name=""),  # 8: empty name
            row("new5", parent=world.root.code, name="名" * 200),  # 9: name too long
            row(world.school_unit.code, parent=world.a.code),  # 10: would move the unit
        ],
    )
    errors = errors_by_line(outcomes)
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "ok" in errors[3][0] and "2" in errors[3][0]
    assert "nosuch" in errors[4][0]
    assert "new2" in errors[5][0]
    assert "pt" in errors[6][0]
    assert "夜校" in errors[7][0]
    assert errors[8] == ["机构名称为空。"]
    assert errors[9][0].startswith("机构名称有 200 个字符") and "128" in errors[9][0]


def test_one_bad_row_writes_nothing(world):
    units = Unit.objects.count()
    with pytest.raises(ValidationError):
        commit("institutions", world.bob, [row("x1", parent=world.root.code), row("x2")])
    assert Unit.objects.count() == units
    assert not Institution.objects.filter(unit__code="x1").exists()


def test_a_county_dispatcher_cannot_import_into_the_city(world):
    outcomes = check(
        "institutions",
        world.carol,
        [
            row("county-school", parent=world.root.code),  # parent above the county
            row(world.school_unit.code, name="改名"),  # the city's school
            row("county-school2", parent=world.county.code),  # fine: the county
        ],
    )
    errors = errors_by_line(outcomes)
    assert sorted(errors) == [2, 3]
    assert world.root.code in errors[2][0]
    assert world.school_unit.code in errors[3][0]
    assert outcomes[2].action == Action.CREATE


def test_only_dispatchers_and_superusers_may_import_institutions(world):
    kind = registry.get("institutions")
    assert kind.may_import(world.bob) and kind.may_import(world.carol)
    assert not kind.may_import(world.alice)
    assert not kind.may_import(world.dave)
    assert not kind.may_import(world.rita)


# -- capacity -----------------------------------------------------------------------------

CAPACITY = str(Institution._meta.get_field("capacity").verbose_name)  # its column's header


def test_the_capacity_is_imported_on_create_and_update(world):
    commit("institutions", world.bob, [row("xz-xy", parent=world.root.code, capacity=300)])
    assert Institution.objects.get(unit__code="xz-xy").capacity == 300

    def school(capacity):
        unit = world.school_unit
        return row(unit.code, name=unit.name, kind="党校", address="", capacity=capacity)

    assert world.school.capacity is None
    outcomes = check("institutions", world.bob, [school("120")])
    assert actions(outcomes) == [Action.UPDATE]
    assert outcomes[0].changes == [[CAPACITY, "", "120"]]
    commit("institutions", world.bob, [school("120")])
    world.school.refresh_from_db()
    assert world.school.capacity == 120
    assert actions(check("institutions", world.bob, [school(120)])) == [Action.UNCHANGED]
    # an empty cell: unknown again
    assert check("institutions", world.bob, [school("")])[0].changes == [[CAPACITY, "120", ""]]


def test_a_file_without_the_capacity_column_keeps_it(world):
    Institution.objects.filter(pk=world.school.pk).update(capacity=80)
    kind = registry.get("institutions")
    data = f"单位代码,机构名称,机构类别,地址\n{world.school_unit.code},新校名,党校,\n"
    outcomes = sorted(kind.check(world.bob, read(kind, data.encode())), key=lambda o: o.line)
    assert actions(outcomes) == [Action.UPDATE]
    assert [change[0] for change in outcomes[0].changes] == [
        str(Unit._meta.get_field("name").verbose_name)
    ]
    with transaction.atomic():
        kind.apply(world.bob, iter(outcomes), lambda n: None)
    world.school.refresh_from_db()
    assert world.school.capacity == 80


def test_a_bad_capacity_is_a_row_error_and_nothing_is_written(world):
    good = row("x1", parent=world.root.code, capacity="300")
    bad = ["很多", "0", "-5", "2.5", "1e30"]
    outcomes = check(
        "institutions",
        world.bob,
        [good, *(row(f"b{i}", parent=world.root.code, capacity=v) for i, v in enumerate(bad))],
    )
    errors = errors_by_line(outcomes)
    assert sorted(errors) == [3, 4, 5, 6, 7]
    assert "很多" in errors[3][0] and "不是数字" in errors[3][0] and CAPACITY in errors[3][0]
    for line, value in zip((4, 5, 6, 7), bad[1:], strict=True):
        assert value in errors[line][0] and CAPACITY in errors[line][0]
    units = Unit.objects.count()
    with pytest.raises(ValidationError):
        commit("institutions", world.bob, [good, row("x2", parent=world.root.code, capacity="0")])
    assert Unit.objects.count() == units
    assert not Institution.objects.filter(unit__code="x1").exists()


def test_the_template_has_the_capacity_column_and_explains_it(world, client):
    client.force_login(world.bob)
    response = client.get("/imports/institutions/template.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    header = [cell.value for cell in next(book.worksheets[0].iter_rows(max_row=1))]
    assert CAPACITY == "同时容纳人数" and CAPACITY in header  # optional: no *
    notes = {row[0]: row for row in book.worksheets[1].iter_rows(values_only=True) if row[0]}
    columns = registry.get("institutions").columns
    help_text = str(next(c.help for c in columns if c.key == "capacity"))
    assert help_text and notes[CAPACITY][2] == help_text


def test_a_capacity_below_the_seats_booked_on_some_day_is_a_row_error(world):
    import datetime as dt

    from core.formatting import format_date
    from tests.factories import training_class

    Institution.objects.filter(pk=world.school.pk).update(capacity=200)
    soon = dt.date.today() + dt.timedelta(days=10)
    training_class(world.city_od, world.school, soon, quota=30)
    training_class(world.city_od, world.school, soon + dt.timedelta(days=2), quota=40)
    training_class(world.city_od, world.school, soon + dt.timedelta(days=7), quota=50)
    # Classes already over count no more.
    training_class(world.city_od, world.school, dt.date.today() - dt.timedelta(days=30), quota=90)
    unit = world.school_unit

    def school(capacity):
        return row(unit.code, name=unit.name, kind="党校", address="", capacity=capacity)

    [outcome] = check("institutions", world.bob, [school("69")])
    assert outcome.action == Action.ERROR
    [error] = outcome.errors
    assert "70" in error and format_date(soon + dt.timedelta(days=2)) in error
    assert actions(commit("institutions", world.bob, [school("70")])) == [Action.UPDATE]
    world.school.refresh_from_db()
    assert world.school.capacity == 70
