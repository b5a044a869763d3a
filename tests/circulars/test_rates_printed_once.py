"""One rate, printed alike wherever the circular goes: the task page the head approves,
the download and the PDF compute each rate once, from its two counts, rounded half up to
one decimal place (`core.formatting.percent`): 14 of 17 is 82.4% everywhere (82.35…%;
rounded to 0.8235 first it printed 82.3% on the page), 13 of 16 is 81.3% (81.25%).
Figures stored with rates beside their counts read the same. The sentences judge the
printed rate; a period without dispatches still attaches the figures and says what is
owed; the counts and the note say what they count."""

import datetime as dt
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from circulars import documents as circular_documents
from circulars import exports as circular_exports
from circulars import services as circular_services
from circulars import task_views
from circulars.models import Circular, CircularStatus
from dispatch.models import DispatchStatus
from notifications.documents import circular as circular_document
from notifications.documents.context import Issuer, Table
from tests.circulars.kit import dispatch_row, makeup_row, start_circular
from tests.exports.sheets import by_header, xlsx
from tests.factories import cadre, training_class

ISSUER = Issuer(name="中共某市委组织部", code="X组通")
ZERO = dict.fromkeys(("leave", "deferred", "exempt", "absent", "withdrawn", "in_progress"), 0) | {
    "makeup_owed": 0,
    "makeup_overdue": 0,
}
LINE = {"named": 17, "attended": 14, "notified": 16, "acknowledged": 13, "cadres": 17}
LINE |= {"compliant": 14, **{k: v for k, v in ZERO.items() if k != "absent"}, "absent": 3}
# As circulars counted before stored them: the rates beside the counts, rounded to four
# places of a fraction.
LEGACY = {"ack_rate": 0.8125, "compliance_rate": 0.8235}


def figures(unit_name, legacy=False):
    rates = LEGACY if legacy else {}
    return {
        "period": ["2026-01-01", "2026-03-31"],
        "units": [{"unit_id": 1, "unit": unit_name, **LINE, **rates}],
        "absentee_ids": [],
        "overdue_makeups": [],
        "totals": {**LINE, **rates},
        "rule_versions": [],
    }


def circular_with(world, legacy=False) -> Circular:
    return Circular.objects.create(
        org_department=world.city_od,
        period_kind="quarter",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 3, 31),
        title="关于2026年第一季度干部调训情况的通报",
        figures=figures(world.a.name, legacy),
        status=CircularStatus.ISSUED,
        created_by=world.bob,
    )


def pdf_tables(circular) -> list[Table]:
    context = circular_documents.circular_context(circular, text="")
    return [block for block in context.attachments[0].blocks if isinstance(block, Table)]


@pytest.mark.parametrize("legacy", [False, True], ids=["counts", "stored-with-rates"])
def test_the_page_the_download_and_the_pdf_print_the_same_rates(world, client, legacy):
    circular = circular_with(world, legacy)
    # The page the head approves: the unit's line and the total line.
    table = task_views.circular_table(circular)
    for line in (table["rows"][0], table["total"]):
        assert (line["attendance_rate"], line["ack_rate"], line["compliance_rate"]) == (
            "82.4%",
            "81.3%",
            "82.4%",
        )
    with translation.override("en"):
        details = {str(label): value for label, value in task_views.circular_details(circular)}
    assert details["Attendance rate"] == "82.4%"
    # The download: numbers, the same figures.
    for line in circular_exports.figure_rows(circular):
        assert (line["attendance_rate"], line["ack_rate"], line["compliance_rate"]) == (
            Decimal("82.4"),
            Decimal("81.3"),
            Decimal("82.4"),
        )
    client.force_login(world.bob)
    response = client.get(f"/circulars/{circular.pk}/figures/?format=xlsx")
    for line in by_header(xlsx(response)):
        values = [cell.value for cell in line.values()]
        assert values.count(82.4) == 2 and values.count(81.3) == 1 and 82.3 not in values
    # The PDF: 表1 and 表2, unit line and 合计, and the text.
    attendance, followup = pdf_tables(circular)
    assert [row[-1] for row in attendance.rows] == ["82.4%", "82.4%"]
    assert [row[-2:] for row in followup.rows] == [["81.3%", "82.4%"]] * 2
    text = circular_documents.generated_text(circular)
    assert "参训率82.4%" in text and "入学通知签收率81.3%（13/16）" in text
    assert "学时达标率82.4%（14/17）" in text


def test_rates_stored_beside_the_counts_do_not_make_the_figures_differ():
    old, new = figures("某局", legacy=True), figures("某局")
    old["overdue_makeups"] = [{"name": "王伟", "unit": "某局", "due_date": "2026-03-01"}]
    new["overdue_makeups"] = [{**old["overdue_makeups"][0], "cadre_id": 7}]
    assert circular_services.figures_digest(old) == circular_services.figures_digest(new)
    new["units"][0]["attended"] = 15
    assert circular_services.figures_digest(old) != circular_services.figures_digest(new)


# The sentences judge the rate as printed --------------------------------------------------


def _document(*rows, **extra):
    return circular_document.circular(
        issuer=ISSUER,
        period="2026年第四季度",
        period_end=dt.date(2026, 12, 31),
        figures=list(rows),
        date=dt.date(2027, 1, 4),
        **extra,
    )


def _body(context) -> str:
    return circular_document.body_text(context.body)


def test_a_rate_printed_90_0_percent_is_not_below_90_and_one_printed_100_0_is_100():
    context = _document(
        circular_document.UnitFigures(unit="某局", expected=399, attended=359, absent=40),
        circular_document.UnitFigures(unit="某委", expected=2000, attended=1999, absent=1),
    )
    [attendance, _followup] = context.attachments[0].blocks
    assert [row[-1] for row in attendance.rows] == ["90.0%", "100.0%", "98.3%"]
    text = _body(context)
    assert "低于90%" not in text and "各单位参训率均达到90%以上。" in text
    assert "某委参训率达到100%" in text


def test_rates_round_half_up_from_the_counts():
    context = _document(
        circular_document.UnitFigures(
            unit="某局", expected=16, attended=13, absent=3, notified=16, acknowledged=13
        ),
    )
    [attendance, followup] = context.attachments[0].blocks
    assert attendance.rows[0][-1] == "81.3%" and followup.rows[0][-2] == "81.3%"
    assert "参训率81.3%" in _body(context) and "某局参训率低于90%" in _body(context)
    [chart] = context.attachments[1].blocks
    assert chart.bars == [("某局", 81.3)]


# A period without dispatches -------------------------------------------------------------


def test_without_dispatches_the_figures_are_attached_and_the_text_says_what_is_owed():
    context = _document(
        circular_document.UnitFigures(
            unit="某局",
            expected=0,
            attended=0,
            makeup_owed=2,
            makeup_overdue=1,
            cadres=3,
            compliant=2,
        ),
        overdue_makeups=[
            circular_document.OverdueMakeup(name="冯楠", unit="某局", missed_class="甲班")
        ],
        organizer="中共某市委组织部",
    )
    assert [a.title for a in context.attachments] == [
        "2026年第四季度各单位调训情况统计表",
        "2026年第四季度通报人员名单",
    ]
    text = _body(context)
    assert "2026年第四季度，中共某市委组织部未组织干部调训。" in text
    assert "截至2026年12月31日，应补训2人次，其中逾期未完成1人次。" in text
    assert "附件1所列单位干部学时达标率66.7%（2/3）。" in text
    assert "某局冯楠（甲班）" in text


def test_without_any_line_nothing_is_attached_but_the_names():
    context = _document(
        carried_absentees=[circular_document.Absentee(name="冯楠", unit="某局")],
        carried={"absent": 1},
    )
    assert [a.title for a in context.attachments] == ["2026年第四季度通报人员名单"]
    assert "应补训" not in _body(context)


# What the counts are ---------------------------------------------------------------------


def test_the_acknowledgement_rate_is_of_the_notices_to_attend():
    text = _body(
        _document(
            circular_document.UnitFigures(
                unit="某局", expected=4, attended=4, notified=4, acknowledged=3
            )
        )
    )
    assert "入学通知签收率75.0%（3/4）。" in text and "调训通知签收率" not in text


def test_the_details_count_the_cadres_named_not_a_heading(world):
    circular = circular_with(world)
    with translation.override("en"):
        labels = [str(label) for label, _value in task_views.circular_details(circular)]
    assert "Named (person-times)" in labels and "Dispatches" not in labels


def test_in_progress_covers_cadres_in_class_or_awaiting_their_attendance_record(world):
    assert "未结，尚在确认、审批、通知或签收中，或正在参训、待登记考勤；" in (
        circular_document.CIRCULAR_TABLE1_NOTE
    )
    table = task_views.circular_table(circular_with(world))
    with translation.override("en"):
        page = render_to_string(
            "circulars/_circular_figures.html",
            {"circular_table": table},
            request=RequestFactory().get("/"),
        )
    assert "or in class or awaiting the attendance record" in page


# Namesakes ---------------------------------------------------------------------------------


def test_two_overdue_cadres_of_one_name_in_one_unit_are_two_people():
    overdue = [
        circular_document.OverdueMakeup(name="王伟", unit="某局", missed_class="甲班", cadre_id=1),
        circular_document.OverdueMakeup(name="王伟", unit="某局", missed_class="乙班", cadre_id=2),
        circular_document.OverdueMakeup(name="王伟", unit="某局", missed_class="丙班", cadre_id=2),
    ]
    row = circular_document.UnitFigures(
        unit="某局", expected=1, attended=1, makeup_owed=3, makeup_overdue=3
    )
    text = _body(_document(row, overdue_makeups=overdue))
    assert "以下2名同志补训逾期未完成，予以通报：某局王伟（甲班）；某局王伟（乙班、丙班）。" in text
    # Figures stored before the cadre was kept: by unit and name, as then.
    legacy = [
        circular_document.OverdueMakeup(name=m.name, unit=m.unit, missed_class=m.missed_class)
        for m in overdue
    ]
    assert "以下1名同志" in _body(_document(row, overdue_makeups=legacy))


def test_the_figures_keep_each_overdue_cadre(world, client):
    old = training_class(world.city_od, world.school, dt.date(2025, 3, 10))
    namesakes = [cadre("王伟", world.a, world.city_od) for _ in range(2)]
    for person in namesakes:
        missed = dispatch_row(world, old, person, DispatchStatus.ABSENT)
        makeup_row(missed, due=dt.date(2025, 12, 31), owed_on=dt.date(2025, 3, 15))
    circular = start_circular(client, world, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert sorted(m["cadre_id"] for m in circular.figures["overdue_makeups"]) == sorted(
        p.pk for p in namesakes
    )
    text = circular_documents.generated_text(circular)
    assert f"以下2名同志补训逾期未完成，予以通报：{world.a.name}王伟（{old.name}）；" in text
