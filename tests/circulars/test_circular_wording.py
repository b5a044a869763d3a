"""The circular's words agree with its figures and its issuer: a county's circular is
addressed to the county's own units; nothing is said of a rate nobody has (and no chart
of no bars is attached); the hours-compliance rate says whose it is; a cadre owing two
overdue makeups is one person named once; 退训 is explained as the task page explains it;
a one-day period is named as one day; that every unit reached 90 % is said of the period
as a whole, never under 存在的问题."""

import datetime as dt

from circulars import documents as circular_documents
from circulars import services as circular_services
from circulars.models import CircularPeriod
from dispatch.models import DispatchStatus
from notifications.documents import circular as circular_document
from notifications.documents.context import Issuer
from notifications.documents.render import render_pdf
from tests.circulars.kit import dispatch_row
from tests.factories import training_class
from tests.pdftools import flat

ISSUER = Issuer(name="中共某市委组织部", code="X组通")


def _pdf_text(context) -> str:
    return flat(render_pdf(context, document_number="X组通〔2026〕2号").data)


def _body(context) -> str:
    return circular_document.body_text(context.body)


# 2. The 主送机关 -------------------------------------------------------------------------


def test_a_county_circular_is_addressed_to_the_countys_own_units(world):
    assert circular_documents.circular_recipients(world.county_od) == ["各乡镇党委", "县直各单位"]
    # The city's jurisdiction holds the county's party committee: the city's wording.
    assert circular_documents.circular_recipients(world.city_od) == [
        "各县（市、区）委组织部",
        "市直各单位",
    ]
    klass = training_class(world.county_od, world.school, dt.date(2026, 10, 12))
    dispatch_row(world, klass, world.cadre_b, DispatchStatus.ATTENDED)
    circular = circular_services.circular_create(
        actor=world.carol,
        org_department=world.county_od,
        period_kind=CircularPeriod.MONTH,
        start=dt.date(2026, 10, 1),
        end=dt.date(2026, 10, 31),
    )
    text = _pdf_text(circular_documents.circular_context(circular))
    assert "各乡镇党委，县直各单位：" in text
    assert "各县（市、区）委组织部" not in text and "市直各单位" not in text


# 3. No rate without anyone expected -------------------------------------------------------


def _all_in_progress(**extra):
    return circular_document.circular(
        issuer=ISSUER,
        period="2026年第四季度",
        figures=[
            circular_document.UnitFigures(unit="某局", expected=0, attended=0, in_progress=3),
            circular_document.UnitFigures(unit="某委", expected=0, attended=0, exempt=1),
        ],
        date=dt.date(2027, 1, 4),
        **extra,
    )


def test_nothing_is_said_of_a_rate_when_nobody_is_expected_yet():
    context = _all_in_progress()
    text = _body(context)
    assert "参训率0.0%" not in text and "应参训0人次" not in text
    assert "均达到90%" not in text and "低于90%" not in text
    assert "共点名调训干部4人次，其中免训1人次，尚未办结3人次，暂无应参训人次" in text
    # The table is attached; a chart of no bars is not, nor named in the 附件说明.
    assert [a.title for a in context.attachments] == ["2026年第四季度各单位调训情况统计表"]
    printed = _pdf_text(context)
    assert "各单位参训率" not in printed
    # One attachment, not numbered (附件2026年… is its label and its title).
    assert "附件：2026年第四季度各单位调训情况统计表" in printed and "2.2026年" not in printed
    assert "0%20%40%60%80%100%" not in printed


def test_the_lists_are_the_second_attachment_when_there_is_no_chart():
    context = _all_in_progress(
        overdue_makeups=[
            circular_document.OverdueMakeup(name="冯楠", unit="某局", missed_class="甲班"),
        ]
        * 11
    )
    assert [a.title for a in context.attachments] == [
        "2026年第四季度各单位调训情况统计表",
        "2026年第四季度通报人员名单",
    ]
    many = [
        circular_document.OverdueMakeup(name=f"逾期{i}号", unit="某局", missed_class="甲班")
        for i in range(12)
    ]
    assert "（名单详见附件2）" in _body(_all_in_progress(overdue_makeups=many))


# 5, 6, 7. Whose compliance rate; people and 人次; 退训 --------------------------------------


def _one_cadre_two_overdue_makeups():
    return circular_document.circular(
        issuer=ISSUER,
        period="2026年第四季度",
        period_end=dt.date(2026, 12, 31),
        figures=[
            circular_document.UnitFigures(
                unit="某局",
                expected=10,
                attended=10,
                makeup_owed=2,
                makeup_overdue=2,
                cadres=50,
                compliant=4,
            )
        ],
        overdue_makeups=[
            circular_document.OverdueMakeup(name="冯楠", unit="某局", missed_class="甲班"),
            circular_document.OverdueMakeup(name="冯楠", unit="某局", missed_class="乙班"),
        ],
        date=dt.date(2027, 1, 4),
    )


def test_the_compliance_rate_says_it_covers_the_units_listed():
    text = _body(_one_cadre_two_overdue_makeups())
    assert "附件1所列单位干部学时达标率8.0%（4/50）。" in text


def test_a_cadre_owing_two_overdue_makeups_is_one_person_named_once():
    context = _one_cadre_two_overdue_makeups()
    text = _body(context)
    assert "应补训2人次，其中逾期未完成2人次。" in text
    assert "以下1名同志补训逾期未完成，予以通报：某局冯楠（甲班、乙班）。" in text
    assert text.count("冯楠") == 1
    # The list keeps a line per makeup, with its class.
    lists = context.attachments[-1].blocks
    assert [row[1:4] for row in lists[-1].rows] == [
        ["冯楠", "某局", "甲班"],
        ["冯楠", "某局", "乙班"],
    ]
    assert "应补训，截至期末尚未完成的补训人次" in circular_document.CIRCULAR_TABLE2_NOTE


def test_the_note_on_withdrawals_says_what_the_task_page_says():
    printed = _pdf_text(_one_cadre_two_overdue_makeups())
    assert "退训，中途退学或请假超过培训总学时七分之一；" in printed
    assert "而退训" not in printed


# 9. A one-day period -----------------------------------------------------------------------


def test_a_one_day_period_is_named_as_that_day():
    day = dt.date(2026, 12, 6)
    assert circular_services.period_label(day, day) == "2026年12月6日"
    assert circular_services.period_label(day, dt.date(2026, 12, 7)) == "2026年12月6日至12月7日"


# 存在的问题 holds problems -------------------------------------------------------------


def _sections(context) -> dict[str, str]:
    """{heading: the text under it} of the circular's body."""
    sections, current = {}, ""
    for line in _body(context).splitlines():
        if circular_document.HEADING_LABELS[1].match(line):
            current = circular_document.HEADING_LABELS[1].sub("", line)
            sections[current] = ""
        else:
            sections[current] = sections.get(current, "") + line
    return sections


def _period(*figures, **extra):
    return circular_document.circular(
        issuer=ISSUER,
        period="2026年第三季度",
        period_end=dt.date(2026, 9, 30),
        figures=list(figures),
        date=dt.date(2026, 10, 8),
        **extra,
    )


def test_every_unit_at_90_percent_is_a_finding_of_the_period_not_a_problem():
    sections = _period(
        circular_document.UnitFigures(unit="某局", expected=10, attended=10),
        circular_document.UnitFigures(unit="某委", expected=20, attended=19, absent=1),
    )
    sections = _sections(sections)
    assert "各单位参训率均达到90%以上。" in sections["总体情况"]
    assert "存在的问题" not in sections  # nothing else to report: no heading


def test_a_unit_below_90_percent_and_the_absentees_are_the_problems():
    context = _period(
        circular_document.UnitFigures(unit="某局", expected=10, attended=10),
        circular_document.UnitFigures(unit="某委", expected=20, attended=17, absent=3),
        absentees=[{"unit": "某委", "name": "冯楠", "missed_class": "甲班"}],
    )
    sections = _sections(context)
    assert "均达到90%" not in _body(context)
    assert sections["存在的问题"].startswith("某委参训率低于90%，调训组织工作有待加强。")
    assert "冯楠" in sections["存在的问题"]


def test_absentees_alone_make_the_problems_when_every_unit_reached_90_percent():
    context = _period(
        circular_document.UnitFigures(unit="某委", expected=20, attended=19, absent=1),
        absentees=[{"unit": "某委", "name": "冯楠", "missed_class": "甲班"}],
    )
    sections = _sections(context)
    assert "各单位参训率均达到90%以上。" in sections["总体情况"]
    assert sections["存在的问题"].startswith("以下同志无故缺训，予以通报：在甲班中，某委冯楠。")
