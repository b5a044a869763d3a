"""The published plan's 附件2 (seats per unit) adds up to the seats its body announces
(计划调训N人次): a quota line's allocations, a named line's cadres under their units, the
partner's seats, and what a named line keeps beyond its cadres under the department
(统筹); a 合计 row closes the table. Read back from the issued PDF."""

import datetime as dt

import pytest

from planning import services
from planning.documents import issue_plan_document
from tests.pdftools import stored_flat
from tests.planning.helpers import Partner, dates, good_sessions, publish, quota_line

pytestmark = pytest.mark.django_db


def seat_rows(text: str) -> str:
    return text[text.rindex("年度调训名额分配表") :]


def test_the_seats_per_unit_add_up_to_the_plans_total(world, staff, media):
    partner = Partner()
    start, _end = dates(60)
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)
    quota_line(world, plan, seats=5, partner=partner.od, partner_seats=1)  # A 3, B 1, partner 1
    named_start = start + dt.timedelta(days=10)
    services.line_add(
        actor=world.bob,
        plan=plan,
        name="专题研讨班",
        institution=world.school,
        start_date=named_start,
        end_date=named_start + dt.timedelta(days=4),
        dispatch_date=dt.date.today() + dt.timedelta(days=20),
        hours=40,
        days=5,
        seats=4,  # two named (A1, B), two kept by the department
        mode="named",
        cadres=[world.cadre_a1, world.cadre_b],
        sessions=good_sessions(named_start),
    )
    publish(world, staff, plan)

    text = stored_flat(issue_plan_document(plan, actor=staff.oscar))

    assert "共安排调训班次2个，计划调训9人次" in text
    table = seat_rows(text)
    for unit_name, classes, seats in [
        (world.a.name, 1, 3),
        (world.b.name, 2, 2),  # one allotted seat and one named cadre
        (f"{partner.od.unit.name}（对口支援）", 1, 1),
        (world.a1.name, 1, 1),
        (f"{world.city_od.unit.name}统筹", 1, 2),
    ]:
        assert f"{unit_name}{classes}{seats}" in table, (unit_name, table)
    assert "合计9" in table
