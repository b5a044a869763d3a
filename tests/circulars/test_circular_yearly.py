"""The yearly circular's further sections (issue 15 with issues 12's plan and feedback):
the dispatch plan against what was done and the classes' evaluations, counted with the
figures, written into the generated text and attached as tables to the PDF."""

import datetime as dt
from unittest import mock

import pdfplumber
from django.test import TestCase

from circulars import yearly
from circulars.documents import generated_text
from circulars.models import Circular
from notifications.models import IssuedDocument
from tests.flowtools import act, circular_start, open_task, process_of

PLAN = [
    {
        "class": "处级干部进修班",
        "unit": "某市发展和改革委员会",
        "planned": 3,
        "named": 3,
        "attended": 2,
        "gap": 1,
        "line_id": 1,
        "class_id": 1,
        "unit_id": 1,
        "start_date": None,
    },
    {
        "class": "处级干部进修班",
        "unit": "综合科",
        "planned": 2,
        "named": 2,
        "attended": 2,
        "gap": 0,
        "line_id": 1,
        "class_id": 1,
        "unit_id": 2,
        "start_date": None,
    },
]
RESULTS = {
    "year": 2024,
    "min_answers": 3,
    "classes": [
        {
            "class_id": 1,
            "class_name": "处级干部进修班",
            "institution": "中共某市委党校",
            "invited": 5,
            "answered": 4,
            "score": 4.5,
            "follow_ups": 4,
            "done": 3,
            "applied_yes": 2,
            "applied_partly": 1,
            "applied_no": 0,
            "rating": None,
        },
    ],
    "institutions": [
        {
            "institution": "中共某市委党校",
            "invited": 5,
            "answered": 4,
            "score": 4.5,
            "follow_ups": 4,
            "done": 3,
            "applied_yes": 2,
            "applied_partly": 1,
            "applied_no": 0,
            "rating": None,
        },
    ],
}


def test_only_a_calendar_year_counts_the_yearly_sections(world):
    assert yearly.yearly_figures(world.city_od, dt.date(2024, 1, 1), dt.date(2024, 3, 31)) is None
    # A year without a plan or an evaluated class: the sections are left out.
    empty = yearly.yearly_figures(world.city_od, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert empty["plan"] == [] and empty["feedback"] == []
    assert empty["leadership"]["leaders"] == empty["leadership"]["young"] == 0
    assert yearly.yearly_blocks(empty, "2024年度") == ([], [])


@mock.patch("circulars.yearly.yearly_results", return_value=RESULTS)
@mock.patch("circulars.yearly.plan_vs_actual", return_value=PLAN)
def test_the_yearly_circular_reports_the_plan_and_the_evaluations(
    plan, results, world, staff, client
):
    circular_start(client, world, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    circular = Circular.objects.get()
    plan.assert_called_with(world.city_od, 2024)
    assert circular.figures["yearly"]["plan"][0]["gap"] == 1
    assert circular.figures["yearly"]["feedback"][0]["score"] == 4.5
    text = generated_text(circular)
    assert "二、年度调训计划执行情况" in text or "年度调训计划执行情况" in text
    assert "计划名额5人" in text and "计划完成率80.0%" in text
    assert "某市发展和改革委员会等单位参训人数少于计划名额" in text
    assert "应评5人次、已评4人次" in text

    process = process_of(circular, "CircularFlow")
    act(client, open_task(process, "draft"), {"title": circular.title, "body": ""})
    client.force_login(staff.oscar)
    with TestCase.captureOnCommitCallbacks(execute=True):
        act(client, open_task(process, "approval"), {"decision": "approve"})
    circular.refresh_from_db()
    document = IssuedDocument.objects.get(pk=circular.document_id)
    with document.file.open("rb") as handle, pdfplumber.open(handle) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "")
        rows = [
            [(c or "").replace("\n", "") for c in row]
            for page in pdf.pages
            for table in page.extract_tables()
            for row in table
        ]
    assert "2024年度调训计划执行情况表" in text and "2024年度培训评估情况表" in text
    assert ["", "合计", "", "5", "5", "4", "1"] in rows
    assert ["1", "处级干部进修班", "中共某市委党校", "5", "4", "4.5", "4", "3", "—"] in rows
    # The same figures per institution, under their own caption.
    assert "按培训机构汇总" in text
    assert ["1", "中共某市委党校", "5", "4", "4.5", "4", "3", "—"] in rows
    assert circular.figures["yearly"]["institutions"][0]["institution"] == "中共某市委党校"
