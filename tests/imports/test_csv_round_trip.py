"""What the downloads add for Excel comes off again on upload: a CSV downloaded here and
uploaded back reads as it was downloaded (the apostrophe before = + - @, an ID number
written ="…"), and a sheet named after a cadre with an apostrophe downloads at all."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.exports import Column, _sheet_title, xlsx_response
from dispatch.models import TrainingClass
from imports import services
from imports.engine import cell_text
from imports.kinds import Action, registry
from org.models import Cadre
from tests.dated import DECEMBER_2026
from tests.dispatch.import_kit import class_row, commit, csv_bytes
from tests.exports.sheets import csv_by_header

pytestmark = [pytest.mark.usefixtures("media"), DECEMBER_2026]


def _preview(actor, slug, name, data):
    kind = registry.get(slug)
    upload = SimpleUploadedFile(name, data)
    batch = services.batch_upload(actor=actor, kind=kind, upload=upload, name=name, start=False)
    return services.batch_check(batch)


def test_a_location_written_with_an_apostrophe_imports_back_unchanged(world, client):
    commit("classes", world.bob, [class_row(world, location="-")])
    client.force_login(world.bob)
    response = client.get("/classes/?format=csv")
    data = b"".join(response.streaming_content)
    assert "'-" in data.decode("utf-8-sig")
    batch = _preview(world.bob, "classes", "classes.csv", data)
    [row] = batch.rows.all()
    assert (row.action, row.raw["location"], row.changes) == (Action.UNCHANGED, "-", [])
    assert TrainingClass.objects.get().location == "-"


def test_an_apostrophe_is_kept_in_a_workbook_and_before_other_text():
    assert cell_text("'-5", csv=True) == "-5"
    assert cell_text("'@x", csv=True) == "@x"
    assert cell_text("'王测试", csv=True) == "'王测试"
    assert cell_text("'", csv=True) == "'"
    assert cell_text("'-5") == "'-5"  # an .xlsx cell's value is what it holds


def test_a_whole_id_number_downloads_as_text_for_excel_and_imports_back(world, client):
    # All digits (a factory number may end in X, which the CSV writes bare).
    world.cadre_a.id_number = "110102197903020017"
    world.cadre_a.save(update_fields=["id_number"])
    client.force_login(world.bob)
    rows = csv_by_header(client.get("/cadres/?format=csv"))
    cell = next(r["身份证号码"] for r in rows if r["姓名"] == world.cadre_a.name)
    assert cell == f'="{world.cadre_a.id_number}"'
    cadre = world.cadre_a
    kind = registry.get("cadres")
    data = csv_bytes(
        kind,
        [
            {
                "id_number": cell,
                "name": cadre.name,
                "gender": cadre.get_gender_display(),
                "unit": cadre.unit.code,
                "category": cadre.category,
                "position": cadre.position,
                "managing": cadre.managing_org_department.issuer_code,
            }
        ],
    )
    batch = _preview(world.bob, "cadres", "cadres.csv", data)
    [row] = batch.rows.all()
    assert row.raw["id_number"] == cadre.id_number
    assert row.errors == [] and row.key != ""
    assert Cadre.objects.filter(id_number=cadre.id_number).count() == 1


def test_a_masked_id_number_downloads_as_it_is(world, client):
    client.force_login(world.alice)
    rows = csv_by_header(client.get("/cadres/?format=csv"))
    cell = next(r["身份证号码"] for r in rows if r["姓名"] == world.cadre_a.name)
    assert cell == world.cadre_a.masked_id_number


@pytest.mark.parametrize(
    "name, title",
    [
        ("'王测试-学时台账", "王测试-学时台账"),
        ("王测试'", "王测试"),
        ("'", "Sheet"),
        ("一" * 30 + "'" + "二", "一" * 30),
    ],
)
def test_a_sheet_title_neither_begins_nor_ends_with_an_apostrophe(name, title):
    assert _sheet_title(name) == title
    response = xlsx_response([{"v": 1}], [Column("值", lambda r: r["v"])], name)
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == [title]


def test_the_record_of_a_cadre_named_with_an_apostrophe_downloads(world, client):
    Cadre.objects.filter(pk=world.cadre_a.pk).update(name="'王测试")
    client.force_login(world.bob)
    response = client.get(f"/cadres/{world.cadre_a.pk}/record/?format=xlsx")
    assert response.status_code == 200
