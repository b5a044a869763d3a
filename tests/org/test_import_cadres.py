"""Importing cadres by ID number: cadre_save's rules on every row, set-based; each row
error on its line, all or nothing, idempotent, and a changed unit kept in the history."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEvent
from imports import services
from imports.kinds import registry
from org import idnumber, policy
from org import services as org_services
from org.models import Cadre, CadreCategory, CadreTransfer, Gender, TransferSource
from tests.dispatch import import_kit
from tests.factories import id_number, user

KIND = registry.get("cadres")


pytestmark = pytest.mark.usefixtures("media")


def preview(actor, rows):
    return import_kit.preview(KIND, actor, rows)


def errors_of(batch, line):
    return " ".join(batch.rows.get(line=line).errors)


def row(in_unit, number=None, **cells):
    return {
        "id_number": number or id_number(),
        "name": "赵喆",
        "unit": in_unit.code,
        "category": "乡科级领导干部",
        "position": "科长",
        **cells,
    }


def as_row(cadre, **cells):
    """A cadre's record as the row the file would hold."""
    return {
        "id_number": cadre.id_number,
        "name": cadre.name,
        "gender": cadre.get_gender_display(),
        "unit": cadre.unit.code,
        "category": cadre.category,
        "position": cadre.position,
        "rank": cadre.rank,
        "managing": cadre.managing_org_department.issuer_code,
        "co": cadre.co_managing_org_department.issuer_code
        if cadre.co_managing_org_department
        else "",
        "lead": "是" if cadre.is_leadership_member else "否",
        "young": "是" if cadre.is_young_cadre else "否",
        **cells,
    }


def test_a_dispatcher_registers_cadres_managed_by_the_nearest_department(world):
    female = idnumber.make("110101", dt.date(1990, 3, 7), 24)
    batch = preview(
        world.bob,
        [
            row(world.a1, female, lead="是", rank="四级调研员"),
            row(world.b, category="section_leader", managing="县组通", co="X组通"),
        ],
    )
    assert (batch.rows_create, batch.rows_error) == (2, 0), [r.errors for r in batch.rows.all()]
    services.batch_commit(actor=world.bob, batch=batch)
    first = Cadre.objects.get(id_number=female)
    assert first.gender == Gender.FEMALE  # from the ID number
    assert first.managing_org_department == world.city_od
    assert first.category == CadreCategory.SECTION_LEADER
    assert (first.is_leadership_member, first.is_young_cadre, first.rank) == (
        True,
        False,
        "四级调研员",
    )
    second = Cadre.objects.get(unit=world.b, name="赵喆")
    assert (second.managing_org_department, second.co_managing_org_department) == (
        world.county_od,
        world.city_od,
    )


def test_each_row_error_is_on_its_line_and_names_the_value(world):
    bad_check = id_number()[:17] + "0"
    if idnumber.check_char(bad_check[:17]) == "0":
        bad_check = bad_check[:17] + "1"
    twice = id_number()
    male = id_number(male=True)
    batch = preview(
        world.bob,
        [
            row(world.a, bad_check),
            row(world.a, twice),
            row(world.a, twice, name="另一人"),
            row(world.a, unit="NOPE"),
            row(world.a, category="处级干部"),
            row(world.a, name="名" * 10000),
            row(world.a, male, gender="女"),
            row(world.a, lead="也许"),
            row(world.a, managing="无此代字"),
            row(world.a, managing="县组通"),
            row(world.a, position=""),
        ],
    )
    assert idnumber.mask(bad_check) in errors_of(batch, 2) and "校验" in errors_of(batch, 2)
    assert bad_check not in errors_of(batch, 2)
    assert batch.rows.get(line=3).errors == []
    assert "第 3 行" in errors_of(batch, 4)
    assert "NOPE" in errors_of(batch, 5)
    assert "处级干部" in errors_of(batch, 6)
    assert "10000" in errors_of(batch, 7) and "64" in errors_of(batch, 7)
    assert "性别" in errors_of(batch, 8)
    assert "也许" in errors_of(batch, 9)
    assert "无此代字" in errors_of(batch, 10)
    assert "管辖范围" in errors_of(batch, 11)  # the county cannot manage a city unit's cadre
    assert "职务为空" in errors_of(batch, 12)
    assert batch.rows_error == 10


def test_one_bad_row_means_nothing_is_written(world):
    good, bad = id_number(), id_number()
    batch = preview(world.bob, [row(world.a, good), row(world.a, bad, unit="NOPE")])
    count = Cadre.objects.count()
    with pytest.raises(ValidationError):
        services.batch_commit(actor=world.bob, batch=batch)
    assert Cadre.objects.count() == count
    assert not Cadre.objects.filter(id_number=good).exists()


def test_a_county_dispatcher_cannot_import_into_the_city(world):
    batch = preview(
        world.carol,
        [
            row(world.b),
            row(world.a),
            as_row(world.cadre_b, unit=world.a.code),  # moved out of the jurisdiction
        ],
    )
    assert batch.rows.get(line=2).errors == []
    assert world.a.code in errors_of(batch, 3) and "管辖范围" in errors_of(batch, 3)
    assert "调入" in errors_of(batch, 4) and world.a.code in errors_of(batch, 4)


def test_an_id_number_held_outside_reach_gets_the_neutral_refusal(world):
    # cadre_a (a city unit) is beyond the county dispatcher's reach
    batch = preview(world.carol, [as_row(world.cadre_a, unit=world.b.code, name="别人")])
    assert batch.rows.get(line=2).errors == [policy.id_number_refusal_neutral()]
    assert batch.rows.get(line=2).data == {}


def test_a_liaison_registers_without_choosing_departments(world):
    liaison = user("liaison-a", "unit_liaison", world.a)
    batch = preview(
        liaison,
        [row(world.a1), row(world.a1, managing="X组通"), row(world.a1, co="县组通")],
    )
    assert batch.rows.get(line=2).errors == []
    assert batch.rows.get(line=3).errors == []  # the department that manages it anyway
    assert "调训专员" in errors_of(batch, 4)


def test_a_changed_row_updates_and_keeps_the_old_unit(world, client):
    cadre = world.cadre_a1
    batch = preview(world.bob, [as_row(cadre, unit=world.a.code, position="副科长")])
    assert batch.rows_update == 1
    services.batch_commit(actor=world.bob, batch=batch)
    cadre.refresh_from_db()
    assert (cadre.unit, cadre.position) == (world.a, "副科长")
    transfer = CadreTransfer.objects.get(cadre=cadre)
    assert (transfer.from_unit, transfer.to_unit, transfer.source, transfer.changed_by) == (
        world.a1,
        world.a,
        TransferSource.IMPORT,
        world.bob,
    )
    client.force_login(world.bob)
    page = client.get(f"/cadres/{cadre.pk}/").content.decode()
    assert "任职单位变动" in page and world.a1.name in page


def test_the_cadre_form_keeps_the_old_unit_too(world):
    cadre = world.cadre_a
    cadre.unit = world.a1
    org_services.cadre_save(actor=world.bob, cadre=cadre)
    transfer = CadreTransfer.objects.get(cadre=cadre)
    assert (transfer.from_unit, transfer.to_unit, transfer.source) == (
        world.a,
        world.a1,
        TransferSource.FORM,
    )
    cadre.position = "主任"
    org_services.cadre_save(actor=world.bob, cadre=cadre)
    assert CadreTransfer.objects.filter(cadre=cadre).count() == 1


def test_importing_the_same_file_twice_changes_nothing(world):
    rows = [row(world.a), as_row(world.cadre_a1, unit=world.a.code), as_row(world.cadre_b, co="无")]
    first = preview(world.bob, rows)
    assert (first.rows_create, first.rows_update) == (1, 2)
    services.batch_commit(actor=world.bob, batch=first)
    assert Cadre.objects.get(pk=world.cadre_b.pk).co_managing_org_department is None
    cadres = list(Cadre.objects.order_by("pk").values())
    transfers, events = CadreTransfer.objects.count(), AuditEvent.objects.count()
    again = preview(world.bob, rows)
    assert (again.rows_unchanged, again.rows_create, again.rows_update) == (3, 0, 0)
    services.batch_commit(actor=world.bob, batch=again)
    assert list(Cadre.objects.order_by("pk").values()) == cadres
    assert CadreTransfer.objects.count() == transfers
    # only the import's own events: upload, check, commit
    assert set(AuditEvent.objects.order_by("pk")[events:].values_list("verb", flat=True)) <= {
        "import.upload",
        "import.check",
        "import.commit",
    }


def test_the_check_is_set_based(world):
    def queries(n):
        rows = [(i + 2, row(world.a)) for i in range(n)] + [(n + 2, as_row(world.cadre_a1))]
        with CaptureQueriesContext(connection) as captured:
            outcomes = list(KIND.check(world.bob, rows))
        assert not any(o.errors for o in outcomes) and len(outcomes) == n + 1
        return len(captured)

    assert queries(300) == queries(30) <= 15


# -- the day flagged as an outstanding young cadre --------------------------------------

SINCE = str(Cadre._meta.get_field("young_cadre_since").verbose_name)  # its column's header


def test_the_day_flagged_is_imported_on_create_and_update(world):
    new = id_number()
    batch = preview(world.bob, [row(world.a, new, young="是", young_since="2025年3月1日")])
    assert batch.rows_create == 1, errors_of(batch, 2)
    services.batch_commit(actor=world.bob, batch=batch)
    created = Cadre.objects.get(id_number=new)
    assert (created.is_young_cadre, created.young_cadre_since) == (True, dt.date(2025, 3, 1))

    cadre = world.cadre_a
    assert (cadre.is_young_cadre, cadre.young_cadre_since) == (False, None)
    batch = preview(world.bob, [as_row(cadre, young="是", young_since="2024-09-01")])
    assert batch.rows_update == 1, errors_of(batch, 2)
    assert [SINCE, "", "2024年9月1日"] in batch.rows.get(line=2).changes
    services.batch_commit(actor=world.bob, batch=batch)
    cadre.refresh_from_db()
    assert (cadre.is_young_cadre, cadre.young_cadre_since) == (True, dt.date(2024, 9, 1))
    again = preview(world.bob, [as_row(cadre, young_since="2024/9/1")])
    assert again.rows_unchanged == 1
    moved = preview(world.bob, [as_row(cadre, young_since="2024-10-08")])
    assert moved.rows.get(line=2).changes == [[SINCE, "2024年9月1日", "2024年10月8日"]]


def test_a_bad_day_flagged_is_a_row_error_and_nothing_is_written(world):
    good = id_number()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    batch = preview(
        world.bob,
        [
            row(world.a, good, young="是", young_since="2024-05-06"),
            row(world.a, young="是", young_since="2025-13-01"),
            row(world.a, young="是", young_since=tomorrow),
            row(world.a, young="否", young_since="2024-05-06"),
            as_row(world.cadre_a, young_since="2024-05-06"),  # not flagged
        ],
    )
    assert batch.rows.get(line=2).errors == []
    assert "2025-13-01" in errors_of(batch, 3) and "不是有效日期" in errors_of(batch, 3)
    assert SINCE in errors_of(batch, 3)
    assert tomorrow in errors_of(batch, 4) and "不能晚于今天" in errors_of(batch, 4)
    assert "只有优秀年轻干部" in errors_of(batch, 5)
    assert "只有优秀年轻干部" in errors_of(batch, 6)
    assert batch.rows_error == 4
    count = Cadre.objects.count()
    with pytest.raises(ValidationError):
        services.batch_commit(actor=world.bob, batch=batch)
    assert Cadre.objects.count() == count
    assert not Cadre.objects.filter(id_number=good).exists()
    world.cadre_a.refresh_from_db()
    assert world.cadre_a.young_cadre_since is None


def test_the_form_the_admin_and_the_import_ask_one_rule_for_the_day_flagged(world):
    cadre = world.cadre_a
    cadre.young_cadre_since = dt.date(2024, 5, 6)  # not flagged
    with pytest.raises(ValidationError) as caught:
        cadre.full_clean()
    assert "只有优秀年轻干部" in " ".join(caught.value.message_dict["young_cadre_since"])
    cadre.is_young_cadre = True
    cadre.young_cadre_since = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        cadre.full_clean()
    assert "不能晚于今天" in " ".join(caught.value.message_dict["young_cadre_since"])


def test_the_template_has_the_day_flagged_column_and_explains_it(world, client):
    client.force_login(world.bob)
    response = client.get("/imports/cadres/template.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    header = [cell.value for cell in next(book.worksheets[0].iter_rows(max_row=1))]
    assert SINCE in header  # optional: no *
    notes = {row[0]: row for row in book.worksheets[1].iter_rows(values_only=True) if row[0]}
    help_text = str(next(c.help for c in KIND.columns if c.key == "young_since"))
    assert notes[SINCE][2] == help_text and help_text
