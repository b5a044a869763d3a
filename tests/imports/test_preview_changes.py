"""What an update changes, on the preview: every UPDATE row of every kind carries its
changes ([label, old, new] as a person reads them: names not ids, choice labels not
codes, dates as dates, 是/否 for flags), stored with the row and shown on the page."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from core.formatting import format_date
from imports import services
from imports.kinds import Action, registry
from imports.models import ImportRow
from org.models import Unit
from tests.dated import DECEMBER_2026
from tests.dispatch import import_kit
from tests.dispatch.import_kit import preview
from tests.factories import training_class, unit, user

pytestmark = DECEMBER_2026


def rows_of(batch) -> dict[int, ImportRow]:
    return {row.line: row for row in batch.rows.all()}


def page_of(login, actor, batch) -> str:
    response = login(actor).get(f"/imports/{batch.pk}/")
    assert response.status_code == 200
    return response.content.decode()


# -- cadres --------------------------------------------------------------------------------


def cadre_row(cadre, **fields):
    values = {
        "id_number": cadre.id_number,
        "name": cadre.name,
        "unit": cadre.unit.code,
        "category": cadre.get_category_display(),
        "position": cadre.position,
        "managing": cadre.managing_org_department.issuer_code,
        "lead": "否",
        "young": "否",
    }
    return {**values, **fields}


def test_a_cadre_moved_to_another_unit_shows_the_old_and_new_unit_and_position(world, login):
    moved = cadre_row(world.cadre_a, unit=world.a1.code, position="副科长")
    same = cadre_row(world.cadre_a1)
    batch = preview(registry.get("cadres"), world.bob, [moved, same])

    rows = rows_of(batch)
    assert rows[2].action == Action.UPDATE
    assert rows[2].changes == [
        ["单位", "某市发展和改革委员会", "综合科"],
        ["职务", "科员", "副科长"],
    ]
    assert rows[3].action == Action.UNCHANGED and rows[3].changes == []
    page = page_of(login, world.bob, batch)
    assert "单位：某市发展和改革委员会 → 综合科" in page
    assert "职务：科员 → 副科长" in page
    assert "确认导入：新增 0 行，更新 1 行" in page  # what the commit writes, not the file's rows
    # The key column stays masked and the changes name no ID number.
    assert world.cadre_a.id_number not in page


def test_a_cadres_flags_category_rank_and_departments_read_as_a_person_reads_them(world):
    changed = cadre_row(
        world.cadre_b,
        category="专业技术人员",
        rank="一级主任科员",
        lead="是",
        co="无",
    )
    batch = preview(registry.get("cadres"), world.bob, [changed])

    (row,) = batch.rows.all()
    assert row.action == Action.UPDATE, row.errors
    assert row.changes == [
        ["干部类别", "一级主任科员以下职级公务员", "专业技术人员"],
        ["职级", "", "一级主任科员"],
        ["领导班子成员", "否", "是"],
        ["协管组织部门", "中共某市委组织部", ""],
    ]


# -- units ---------------------------------------------------------------------------------


def unit_row(code, name, parent="", kind="国家机关"):
    return {"code": code, "name": name, "kind": kind, "parent": parent}


def test_a_renamed_and_moved_unit_shows_its_old_and_new_name_and_parent(world, login):
    rows = [
        unit_row(world.a1.code, "综合处", parent="new-office"),
        unit_row("new-office", "市直机关工委", parent=world.root.code),
        unit_row(world.a.code, world.a.name, parent=world.root.code),
    ]
    batch = preview(registry.get("units"), world.bob, rows)

    by_line = rows_of(batch)
    assert by_line[2].action == Action.UPDATE, by_line[2].errors
    # The new parent is named as the file names it: it is created by the same file.
    assert by_line[2].changes == [
        ["名称", "综合科", "综合处"],
        ["上级单位", "某市发展和改革委员会", "市直机关工委"],
    ]
    assert by_line[3].action == Action.CREATE and by_line[3].changes == []
    assert by_line[4].action == Action.UNCHANGED and by_line[4].changes == []
    page = page_of(login, world.bob, batch)
    assert "名称：综合科 → 综合处" in page
    assert "上级单位：某市发展和改革委员会 → 市直机关工委" in page


def test_a_unit_whose_kind_changes_shows_the_kinds_labels(world):
    batch = preview(
        registry.get("units"),
        world.bob,
        [unit_row(world.a.code, world.a.name, parent=world.root.code, kind="事业单位")],
    )
    (row,) = batch.rows.all()
    assert row.changes == [["类别", "国家机关", "事业单位"]]


def test_a_row_that_turns_into_an_error_keeps_no_changes(world, login):
    rows = [
        unit_row(world.a1.code, "综合处", parent="bad-parent"),
        unit_row("bad-parent", "", parent=world.root.code),  # no name: an error
    ]
    batch = preview(registry.get("units"), world.bob, rows)

    by_line = rows_of(batch)
    assert by_line[2].action == Action.ERROR
    assert by_line[2].changes == []
    assert "综合科 → 综合处" not in page_of(login, world.bob, batch)


def test_rows_judged_again_after_a_failed_commit_show_their_changes_afresh(world):
    doomed = unit("待撤销单位", world.root)
    rows = [
        unit_row(world.a1.code, "综合处", parent=world.a.code),
        unit_row("new-x", "新单位", parent=doomed.code),
    ]
    batch = preview(registry.get("units"), world.bob, rows)
    assert rows_of(batch)[2].changes == [["名称", "综合科", "综合处"]]
    Unit.objects.filter(pk=world.a1.pk).update(name="综合办")  # meanwhile, elsewhere
    doomed.delete()

    with pytest.raises(ValidationError):
        services.batch_commit(actor=world.bob, batch=batch)

    by_line = rows_of(batch)
    assert by_line[3].action == Action.ERROR and by_line[3].changes == []
    assert by_line[2].changes == [["名称", "综合办", "综合处"]]


# -- organization departments and institutions -----------------------------------------------


def test_an_org_department_shows_its_new_jurisdiction_by_name_and_issuer_code(world):
    row = {
        "unit": world.county_od_unit.code,
        "jurisdiction": world.b.code,
        "issuer_code": "县组发",
    }
    batch = preview(registry.get("org_departments"), world.bob, [row])

    (stored,) = batch.rows.all()
    assert stored.action == Action.UPDATE, stored.errors
    assert stored.changes == [
        ["管辖范围（根单位）", "中共某县委", "某县公安局"],
        ["发文机关代字", "县组通", "县组发"],
    ]


def test_an_institution_shows_its_new_name_kind_and_address(world):
    row = {
        "code": world.school_unit.code,
        "name": "中共某市委党校（行政学院）",
        "kind": "干部学院",
        "address": "某路1号",
    }
    batch = preview(registry.get("institutions"), world.bob, [row])

    (stored,) = batch.rows.all()
    assert stored.action == Action.UPDATE, stored.errors
    assert stored.changes == [
        ["名称", "中共某市委党校", "中共某市委党校（行政学院）"],
        ["类别", "党校", "干部学院"],
        ["地址", "", "某路1号"],
    ]


# -- classes -------------------------------------------------------------------------------


def class_row(klass, **fields):
    values = {
        "name": klass.name,
        "institution": klass.institution.unit.code,
        "organizer": klass.organizer.issuer_code,
        "kind": klass.get_kind_display(),
        "start": klass.start_date.isoformat(),
        "end": klass.end_date.isoformat(),
        "report": klass.report_date.isoformat(),
        "location": klass.location,
        "credit_hours": "40",
        "days": str(klass.days),
        "quota": str(klass.quota),
    }
    return {**values, **fields}


def test_a_class_whose_dates_moved_shows_the_dates_as_dates(world, login):
    start = dt.date.today() + dt.timedelta(days=30)
    klass = training_class(world.city_od, world.school, start)
    other = training_class(world.city_od, world.school, start)
    end, report = start + dt.timedelta(days=6), start - dt.timedelta(days=1)
    moved = class_row(
        klass, end=end.isoformat(), report=report.isoformat(), days="7", credit_hours="56"
    )
    batch = preview(registry.get("classes"), world.bob, [moved, class_row(other)])

    rows = rows_of(batch)
    assert rows[2].action == Action.UPDATE, rows[2].errors
    old_end = format_date(klass.end_date)
    assert rows[2].changes == [
        ["结束日期", old_end, format_date(end)],
        ["报到日期", format_date(start), format_date(report)],
        ["学时", "40", "56"],
        ["天数", "5", "7"],
    ]
    assert rows[3].action == Action.UNCHANGED and rows[3].changes == []
    assert f"结束日期：{old_end} → {format_date(end)}" in page_of(login, world.bob, batch)


def test_a_class_given_to_another_organizer_names_both_departments(world):
    klass = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=30))
    batch = preview(registry.get("classes"), world.bob, [class_row(klass, organizer="县组通")])

    (row,) = batch.rows.all()
    assert row.action == Action.UPDATE, row.errors
    assert row.changes == [["主办单位", "中共某市委组织部", "中共某县委组织部"]]


# -- accounts ------------------------------------------------------------------------------


LIAISON_A = "单位联络员（某市发展和改革委员会）"


def account_row(username, role, unit="", full_name="李四", **fields):
    return {"username": username, "full_name": full_name, "role": role, "unit": unit, **fields}


@pytest.fixture
def liaison(world):
    return user("li", "unit_liaison", world.a, first_name="李四")


def test_a_further_role_shows_the_roles_before_and_after(world, login, liaison):
    batch = preview(
        registry.get("accounts"),
        world.bob,
        [
            account_row("li", "单位负责人", world.a1.code, full_name="李思", phone="13812345678"),
            account_row("li", "单位联络员", world.a.code, full_name="李思", phone="13812345678"),
        ],
    )

    rows = rows_of(batch)
    assert rows[2].action == Action.UPDATE, rows[2].errors
    assert rows[2].changes == [
        ["姓名", "李四", "李思"],
        ["电话", "", "13812345678"],
        ["角色", LIAISON_A, f"{LIAISON_A}、单位负责人（综合科）"],
    ]
    # The role it holds already is no change; the details still are.
    assert rows[3].changes == [["姓名", "李四", "李思"], ["电话", "", "13812345678"]]
    page = page_of(login, world.bob, batch)
    assert f"角色：{LIAISON_A} → {LIAISON_A}、单位负责人（综合科）" in page


def test_a_new_grant_alone_is_itemised_and_a_new_account_has_no_changes(world, liaison):
    batch = preview(
        registry.get("accounts"),
        world.bob,
        [
            account_row("li", "单位负责人", world.a.code),
            account_row("newcomer", "单位联络员", world.a.code, full_name="王五"),
            account_row("li", "单位联络员", world.a.code),
        ],
    )

    rows = rows_of(batch)
    assert rows[2].action == Action.CREATE  # a new grant for an existing account
    assert rows[2].changes == [
        ["角色", LIAISON_A, f"{LIAISON_A}、单位负责人（某市发展和改革委员会）"]
    ]
    assert rows[3].action == Action.CREATE and rows[3].changes == []
    assert rows[4].action == Action.UNCHANGED and rows[4].changes == []


def test_an_account_the_importer_does_not_manage_shows_no_roles_outside_their_reach(world, liaison):
    # 李四 is unit A's liaison (the city's); the county's dispatcher may not give her a
    # role in county unit B, and the refusal names none of her roles in the city.
    batch = preview(
        registry.get("accounts"), world.carol, [account_row("li", "单位联络员", world.b.code)]
    )
    (row,) = rows_of(batch).values()
    assert row.action == Action.ERROR and not row.changes
    assert "某市发展和改革委员会" not in str(row.errors) + str(row.changes)


@pytest.mark.parametrize("accounts", [1, 20])
def test_granting_roles_to_existing_accounts_checks_in_a_flat_number_of_queries(
    world, accounts, django_assert_max_num_queries
):
    rows = []
    for n in range(accounts):
        user(f"li{n}", "unit_liaison", world.a, first_name=f"李{n}")
        rows.append(account_row(f"li{n}", "单位负责人", world.a1.code, full_name=f"李{n}"))
    kind = registry.get("accounts")
    table = import_kit.read(kind, import_kit.csv_bytes(kind, rows))
    with django_assert_max_num_queries(16):
        outcomes = list(kind.check(world.bob, table))
    assert [o.action for o in outcomes] == [Action.CREATE] * accounts
    assert all(o.changes for o in outcomes)
