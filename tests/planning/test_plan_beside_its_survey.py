"""The plan page shows the year's needs survey beside the plan: cadres needing training
per category and the months units prefer (approved answers only) against the classes
and seats the plan offers; to those who may read the plan and its survey (the same
reach); at flat queries."""

import datetime as dt

import pytest
from django.utils import timezone

from planning import services
from planning.need import need_against_plan
from surveys import services as survey_services
from surveys.models import SurveyAnswer
from tests.factories import unit, user
from tests.planning.helpers import dates, quota_line

pytestmark = pytest.mark.django_db


def _survey(world, year):
    return survey_services.survey_open(
        actor=world.bob,
        org_department=world.city_od,
        year=year,
        title=f"{year}年度需求调研",
        deadline=timezone.now() + dt.timedelta(days=10),
        questions=[
            {"kind": "topics", "text": "专题", "options": ["党性教育", "数字经济"]},
            {"kind": "cadres", "text": "人数"},
            {"kind": "months", "text": "月份"},
        ],
    )


def _answer(survey, unit, liaison, head, responses, approve=True):
    row = SurveyAnswer.objects.get(survey=survey, unit=unit)
    survey_services.answer_submit(actor=liaison, answer=row, responses=responses)
    if approve:
        survey_services.answer_decide(actor=head, answer=row, approve=True, reason="")
    return row


@pytest.fixture
def plan_and_survey(world):
    start, _ = dates(60)
    year = start.year
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=year)
    lily = user("lily", "unit_liaison", world.a)
    other = unit("某市财政局", world.root)
    liaison = user("liaison", "unit_liaison", other)
    survey = _survey(world, year)
    _answer(
        survey,
        world.a,
        lily,
        world.alice,
        {
            "topics": ["党性教育"],
            "cadres": {"civil_servant": 30, "section_leader": 4},
            "months": [start.month],
        },
    )
    # Submitted, not approved: not counted.
    _answer(
        survey,
        other,
        liaison,
        None,
        {"topics": ["数字经济"], "cadres": {"civil_servant": 99}},
        approve=False,
    )
    quota_line(world, plan, target_categories=["civil_servant", "section_leader"])
    quota_line(world, plan, name="专题班", seats=4)  # names no category
    return plan, survey, start


def test_need_against_plan_counts_approved_answers_and_active_lines(world, plan_and_survey):
    plan, survey, start = plan_and_survey
    need = need_against_plan(plan, survey)

    assert need["units"]["approved"] == 1 and need["units"]["pending"] >= 1
    assert need["cadres"] == 34
    rows = {
        r["category"]: (r["cadres"], r["units"], r["classes"], r["seats"])
        for r in need["categories"]
    }
    assert rows == {"civil_servant": (30, 1, 1, 4), "section_leader": (4, 1, 1, 4)}
    assert need["open_to_all"] == {"classes": 1, "seats": 4}
    months = {
        r["month"]: (r["units"], r["cadres"], r["classes"], r["seats"]) for r in need["months"]
    }
    assert months == {start.month: (1, 34, 2, 8)}
    assert [t["topic"] for t in need["topics"]] == ["党性教育"]  # 数字经济's unit not approved


def test_a_removed_line_no_longer_counts(world, plan_and_survey):
    plan, survey, start = plan_and_survey
    line = plan.lines.get(name="专题班")
    services.line_remove(actor=world.bob, line=line, reason="与其他班次合并")
    need = need_against_plan(plan, survey)
    assert need["open_to_all"] == {"classes": 0, "seats": 0}
    assert {r["month"]: r["classes"] for r in need["months"]} == {start.month: 1}


def test_the_plan_page_shows_it_within_the_departments_reach(
    client, world, plan_and_survey, django_assert_max_num_queries
):
    plan, survey, start = plan_and_survey
    client.force_login(world.bob)
    client.get(f"/plans/{plan.pk}/")  # caches warmed
    with django_assert_max_num_queries(23) as captured:
        page = client.get(f"/plans/{plan.pk}/").content.decode()
    few = len(captured)
    section = page.split('id="need"', 1)[1].split("</section>", 1)[0]
    assert "需求调研与计划对照" in page
    assert f"/surveys/{survey.pk}/results/" in section
    assert (
        '<td data-label="干部类别">一级主任科员以下职级公务员</td>'
        '<td data-label="需培训干部人数">30</td>'
        '<td data-label="提出需求的单位数">1</td><td data-label="计划班次数">1</td>'
        '<td data-label="计划名额">4</td>'
    ) in section
    assert "党性教育（1个单位，34人）" in section
    assert "数字经济" not in section
    assert (
        '<td data-label="计划班次数">1</td><td data-label="计划名额">4</td>'
        in section.split("未限定调训对象的班次", 1)[1]
    )  # the class naming no category
    # A plan of the next year with 20 classes, beside a survey that 21 units answered:
    # as many queries.
    year = plan.year + 1
    units = [(world.a, user("lily2", "unit_liaison", world.a), world.alice)]
    for i in range(20):
        other = unit(f"某市直单位{i}", world.root)
        units.append((other, user(f"liaison{i}", "unit_liaison", other), None))
        units[-1] = (*units[-1][:2], user(f"head{i}", "department_head", other))
    big = services.plan_create(actor=world.bob, org_department=world.city_od, year=year)
    next_survey = _survey(world, year)
    for u, liaison, head in units:
        _answer(
            next_survey, u, liaison, head, {"topics": ["数字经济"], "cadres": {"professional": 3}}
        )
    for i in range(20):
        quota_line(
            world,
            big,
            name=f"专题班{i}",
            target_categories=["professional"],
            start_date=dt.date(year, 3, 1),
            end_date=dt.date(year, 3, 5),
            dispatch_date=dt.date(year, 2, 1),
        )
    with django_assert_max_num_queries(few):
        page = client.get(f"/plans/{big.pk}/").content.decode()
    assert "数字经济（21个单位，63人）" in page

    # The county's dispatcher reads neither the city's plan nor its survey.
    client.force_login(world.carol)
    assert client.get(f"/plans/{plan.pk}/").status_code == 404


def test_a_plan_without_a_survey_says_so_to_its_drafter(client, world):
    year = dates(60)[0].year
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=year)
    client.force_login(world.bob)
    page = client.get(f"/plans/{plan.pk}/").content.decode()
    assert f"{year}年度未开展需求调研" in page
