"""The published plan reads as its readers expect: its table of the year's classes gives
dates without the year its title names (but with it for a date in another year), a class
name is broken between words (优秀/年轻干部, never 年/轻), the notices are said to come
before each class opens, and a change's reason ends its sentence. Read back from the PDF."""

import datetime as dt
import io
import re

import pdfplumber
import pytest

from notifications.documents.context import Issuer
from notifications.documents.plan import dispatch_plan
from notifications.documents.render import render_pdf
from tests.pdftools import flat

ISSUER = Issuer(name="中共XX市委组织部", code="X组通")
PARTY_SCHOOL = "中共XX市委党校"


def row(name, start, end, **extra):
    return {
        "name": name,
        "institution": PARTY_SCHOOL,
        "start_date": start,
        "end_date": end,
        "hours": "40",
        "seats": 40,
        "mode": "点名调训",
        **extra,
    }


@pytest.fixture(scope="module")
def plan():
    context = dispatch_plan(
        issuer=ISSUER,
        plan_title="2027年度干部调训计划",
        year=2027,
        classes=[
            row("2027年优秀年轻干部培训班（第1期）", dt.date(2027, 2, 20), dt.date(2027, 4, 5)),
            row("2027年冬季专题研讨班", dt.date(2027, 12, 20), dt.date(2028, 1, 10)),
            row("2027年一日专题班", dt.date(2027, 6, 1), dt.date(2027, 6, 1)),
            row("2027年秋季进修班", dt.date(2027, 10, 12), dt.date(2027, 11, 25)),
        ],
        seats=[{"unit": "XX市教育局", "classes": 3, "seats": 120}],
        date=dt.date(2026, 12, 1),
        version=2,
        change_reason="增设冬季专题研讨班一期",
    )
    return render_pdf(context, document_number="X组通〔2026〕9号").data


def class_cells(data) -> list[list[list[str]]]:
    """The rows of the table of classes, each cell as its lines."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = next(p for p in pdf.pages if "班次名称" in (p.extract_text() or ""))
        [table] = page.extract_tables()
    return [[(cell or "").splitlines() for cell in cells] for cells in table[1:]]


def test_the_tables_dates_leave_out_the_plans_year(plan):
    dates = ["".join(cells[3]) for cells in class_cells(plan)]
    assert dates == ["2月20日—4月5日", "12月20日—2028年1月10日", "6月1日", "10月12日—11月25日"]


def test_the_tables_dates_break_at_their_dash_only(plan):
    """Between whole dates or a year, never inside a date (10月12 / 日—11 / 月25日)."""
    for cells in class_cells(plan):
        for line in cells[3]:
            assert line and re.fullmatch(r"(\d+年)?(\d+月\d+日)?—?", line), cells[3]


def test_a_class_name_breaks_between_words(plan):
    name = class_cells(plan)[0][1]
    assert len(name) > 1 and "".join(name) == "2027年优秀年轻干部培训班（第1期）"
    assert not any(line.endswith("优秀年") or line.startswith("轻") for line in name), name


def test_the_notices_come_before_each_class_and_the_reason_ends_its_sentence(plan):
    text = flat(plan)
    assert "各班次的调训通知于开班前另行下发。" in text
    assert "调训日期另行下发" not in text
    # Right after the opening, in words, not a version number; the plan replaces the last.
    change = (
        "本计划对此前印发的计划作了调整，调整原因：增设冬季专题研讨班一期。各单位以本计划为准。"
    )
    assert f"认真抓好落实。{change}一、计划安排" in text
    assert "第2版" not in text


def test_the_plan_it_issues_is_attached_under_its_own_title(plan):
    """关于印发《2027年度干部调训计划》的通知 attaches that plan (its classes), then the
    seats per unit."""
    text = flat(plan)
    assert "附件：1．2027年度干部调训计划2．2027年度调训名额分配表" in text
    assert "附件12027年度干部调训计划序号班次名称" in text


def test_a_plan_without_target_cadres_prints_no_column_of_dashes(plan):
    with pdfplumber.open(io.BytesIO(plan)) as pdf:
        page = next(p for p in pdf.pages if "班次名称" in (p.extract_text() or ""))
        header = page.extract_tables()[0][0]
    assert header == ["序号", "班次名称", "培训机构", "培训时间", "学时", "名额", "调训方式"]
    text = flat(plan)
    assert "调训对象" not in text  # nor the requirement to match them
    targeted = dispatch_plan(
        issuer=ISSUER,
        plan_title="2027年度干部调训计划",
        year=2027,
        classes=[
            row(
                "2027年秋季进修班",
                dt.date(2027, 10, 12),
                dt.date(2027, 11, 25),
                target_categories="县处级干部",
            )
        ],
        seats=[{"unit": "XX市教育局", "classes": 1, "seats": 40}],
        date=dt.date(2026, 12, 1),
    )
    text = flat(render_pdf(targeted, document_number="X组通〔2026〕9号").data)
    assert "确保参训人员符合调训对象要求" in text
    assert "调训对象" in text.split("附件1", 1)[-1] and "县处级" in text


def test_the_class_names_column_takes_the_room_the_narrow_columns_leave():
    """The sample plan's 36 classes: their names wrapped in a column 29 mm wide to four
    or five lines a row, and the table ran over six pages; the name column now takes what
    the 调训对象 and 调训方式 columns do not need, and the table fits on five."""
    from notifications.documents.samples import sample_contexts

    context = sample_contexts(use_database=False)["dispatch_plan"]
    data = render_pdf(context, document_number="X组通〔2026〕1号").data
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        table_pages = [p for p in pdf.pages if "班次名称" in (p.extract_text() or "")]
    assert len(context.attachments[0].blocks[0].rows) == 36
    assert len(table_pages) <= 5
