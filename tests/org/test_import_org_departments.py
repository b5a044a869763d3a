"""Importing organization departments: by their unit's code, with the jurisdiction root
and a unique issuer code; a superuser or a dispatcher whose jurisdiction holds both."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from imports import services
from imports.kinds import registry
from org.models import OrgDepartment, Unit, UnitKind
from tests.factories import unit, user

KIND = registry.get("org_departments")


pytestmark = pytest.mark.usefixtures("media")


def preview(actor, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(column.header) for column in KIND.columns])
    for row in rows:
        writer.writerow(row)
    upload = SimpleUploadedFile("od.csv", out.getvalue().encode("utf-8"))
    batch = services.batch_upload(actor=actor, kind=KIND, upload=upload, name="od.csv", start=False)
    return services.batch_check(batch)


def errors_of(batch, line):
    return " ".join(batch.rows.get(line=line).errors)


def test_a_dispatcher_creates_and_updates_departments_within_reach(world):
    od = unit("某县某镇党委组织办", world.county, kind=UnitKind.ORG_DEPARTMENT, code="ZZB")
    batch = preview(
        world.bob,
        [["ZZB", world.b.code, "镇组通"], [world.county_od_unit.code, world.county.code, "县组发"]],
    )
    assert (batch.rows_create, batch.rows_update, batch.rows_error) == (1, 1, 0)
    services.batch_commit(actor=world.bob, batch=batch)
    created = OrgDepartment.objects.get(unit=od)
    assert (created.jurisdiction, created.issuer_code) == (world.b, "镇组通")
    world.county_od.refresh_from_db()
    assert world.county_od.issuer_code == "县组发"
    again = preview(
        world.bob,
        [["ZZB", world.b.code, "镇组通"], [world.county_od_unit.code, world.county.code, "县组发"]],
    )
    assert again.rows_unchanged == 2


def test_each_row_error_names_the_value(world):
    unit("某局组织人事科", world.a, kind=UnitKind.ORG_DEPARTMENT, code="RSK")
    batch = preview(
        world.bob,
        [
            [world.a.code, world.a.code, "发改组通"],  # not an org department unit
            ["NOPE", world.a.code, "甲组通"],
            ["RSK", "NOROOT", "乙组通"],
            ["RSK", world.a.code, "X组通"],  # the city's issuer code
            [world.county_od_unit.code, world.county.code, "组" * 17],
        ],
    )
    assert world.a.code in errors_of(batch, 2) and "组织部门" in errors_of(batch, 2)
    assert "NOPE" in errors_of(batch, 3)
    assert "NOROOT" in errors_of(batch, 4)
    assert "X组通" in errors_of(batch, 5) and "第 4 行" in errors_of(batch, 5)
    assert "17" in errors_of(batch, 6)
    assert batch.rows_error == 5


def test_the_issuer_code_of_another_department_and_a_duplicate_are_refused(world):
    unit("某局组织人事科", world.a, kind=UnitKind.ORG_DEPARTMENT, code="RSK")
    batch = preview(world.bob, [["RSK", world.a.code, "X组通"]])
    assert "X组通" in errors_of(batch, 2) and "另一个组织部门" in errors_of(batch, 2)


def test_one_bad_row_means_nothing_is_written(world):
    od = unit("某县某镇党委组织办", world.county, kind=UnitKind.ORG_DEPARTMENT, code="ZZB")
    batch = preview(
        world.bob,
        [
            ["ZZB", world.b.code, "镇组通"],  # fine on its own
            [world.county_od_unit.code, world.county.code, "县组发"],  # fine: an update
            ["NOPE", world.a.code, "甲组通"],
        ],
    )
    assert (batch.rows_create, batch.rows_update, batch.rows_error) == (1, 1, 1)
    count = OrgDepartment.objects.count()
    with pytest.raises(ValidationError):
        services.batch_commit(actor=world.bob, batch=batch)
    assert OrgDepartment.objects.count() == count
    assert not OrgDepartment.objects.filter(unit=od).exists()
    world.county_od.refresh_from_db()
    assert world.county_od.issuer_code == "县组通"


def test_a_row_turned_bad_since_the_preview_stops_the_good_ones(world):
    od = unit("某县某镇党委组织办", world.county, kind=UnitKind.ORG_DEPARTMENT, code="ZZB")
    unit("某局组织人事科", world.a, kind=UnitKind.ORG_DEPARTMENT, code="RSK")
    batch = preview(world.bob, [["ZZB", world.b.code, "镇组通"], ["RSK", world.a.code, "人组通"]])
    assert (batch.rows_create, batch.rows_error) == (2, 0)
    Unit.objects.filter(code="RSK").update(kind=UnitKind.GOVERNMENT)  # no longer a department
    with pytest.raises(ValidationError):
        services.batch_commit(actor=world.bob, batch=batch)
    assert not OrgDepartment.objects.filter(unit=od).exists()
    assert not OrgDepartment.objects.filter(unit__code="RSK").exists()


def test_a_county_dispatcher_cannot_reach_into_the_city(world):
    batch = preview(world.carol, [[world.county_od_unit.code, world.root.code, "县组通"]])
    assert world.root.code in errors_of(batch, 2) and "管辖范围" in errors_of(batch, 2)
    with pytest.raises(ValidationError):
        services.batch_commit(actor=world.carol, batch=batch)
    world.county_od.refresh_from_db()
    assert world.county_od.jurisdiction == world.county


def test_a_liaison_may_not_import_departments(world):
    liaison = user("liaison-a", "unit_liaison", world.a)
    assert not KIND.may_import(liaison)
    assert KIND.may_import(world.bob)


def test_a_narrower_jurisdiction_that_would_orphan_managed_cadres_is_refused(world):
    batch = preview(world.bob, [[world.county_od_unit.code, world.county_od_unit.code, "县组通"]])
    assert "1" in errors_of(batch, 2) and "主管" in errors_of(batch, 2)


def upload(actor, header, rows):
    """A CSV of `header` (column keys of the kind) and `rows`, checked."""
    names = {column.key: str(column.header) for column in KIND.columns}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([names[key] for key in header])
    writer.writerows(rows)
    upload = SimpleUploadedFile("od.csv", out.getvalue().encode("utf-8"))
    batch = services.batch_upload(actor=actor, kind=KIND, upload=upload, name="od.csv", start=False)
    return services.batch_check(batch)


ALL = ["unit", "jurisdiction", "issuer_code", "contact_person", "contact_phone"]


def test_the_contact_the_documents_name_is_imported_and_kept_when_left_out(world):
    department = world.county_od
    row = [world.county_od_unit.code, world.county.code, department.issuer_code]
    batch = upload(world.bob, ALL, [[*row, "张丽", "0571 - 8765 4321"]])
    assert (batch.rows_update, batch.rows_error) == (1, 0)
    changes = batch.rows.get().changes
    assert ["联系人", "", "张丽"] in changes and ["联系电话", "", "0571-87654321"] in changes
    services.batch_commit(actor=world.bob, batch=batch)
    department.refresh_from_db()
    assert (department.contact_person, department.contact_phone) == ("张丽", "0571-87654321")

    # A file without the contact columns keeps it; an empty cell clears it.
    assert upload(world.bob, ALL[:3], [row]).rows_unchanged == 1
    batch = upload(world.bob, ALL[:4], [[*row, ""]])
    assert batch.rows_update == 1
    services.batch_commit(actor=world.bob, batch=batch)
    department.refresh_from_db()
    assert (department.contact_person, department.contact_phone) == ("", "0571-87654321")


def test_a_phone_that_is_no_number_and_a_long_name_are_row_errors(world):
    row = [world.county_od_unit.code, world.county.code, world.county_od.issuer_code]
    batch = upload(world.bob, ALL, [[*row, "张" * 41, "找张科长"]])
    assert batch.rows_error == 1
    message = errors_of(batch, 2)
    assert "13812345678" in message and "41" in message
    world.county_od.refresh_from_db()
    assert world.county_od.contact_phone == ""
