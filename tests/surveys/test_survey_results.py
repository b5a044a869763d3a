"""The results: per topic, per category and per month, counting approved answers only;
the lists at flat query counts; the downloads within the user's reach."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from surveys import services
from surveys.models import SurveyAnswer
from surveys.selectors import survey_results
from tests.factories import unit, user

TOPICS = ["党性教育", "数字经济", "应急管理"]


def _survey(world, bob, year=2027):
    return services.survey_open(
        actor=bob,
        org_department=world.city_od,
        year=year,
        title="2027年度需求调研",
        deadline=timezone.now() + dt.timedelta(days=10),
        questions=[
            {"kind": "topics", "text": "专题", "options": TOPICS},
            {"kind": "cadres", "text": "人数"},
            {"kind": "months", "text": "月份"},
        ],
    )


@pytest.fixture
def units(world):
    """Three more units of the city, each with a liaison and a head."""
    made = []
    for i in range(3):
        u = unit(f"某市直单位{i}", world.root)
        made.append(
            (u, user(f"liaison{i}", "unit_liaison", u), user(f"head{i}", "department_head", u))
        )
    return made


def _answer(survey, u, liaison, head, responses, approve=True):
    row = SurveyAnswer.objects.get(survey=survey, unit=u)
    services.answer_submit(actor=liaison, answer=row, responses=responses)
    if approve is not None:
        services.answer_decide(actor=head, answer=row, approve=approve, reason="请核实")
    return row


def test_results_count_approved_answers_per_topic_category_and_month(world, units):
    survey = _survey(world, world.bob)
    (u0, l0, h0), (u1, l1, h1), (u2, l2, h2) = units
    _answer(
        survey,
        u0,
        l0,
        h0,
        {
            "topics": ["党性教育", "数字经济"],
            "own_topics": ["乡村振兴"],
            "cadres": {"civil_servant": 10, "section_leader": 2},
            "months": [3, 9],
        },
    )
    _answer(
        survey,
        u1,
        l1,
        h1,
        {
            "topics": ["党性教育"],
            "own_topics": ["乡村振兴", "党性教育"],
            "cadres": {"civil_servant": 5, "county_leader": 1},
            "months": [3],
        },
    )
    # Returned, and one only answered: neither counts.
    _answer(survey, u2, l2, h2, {"topics": TOPICS, "cadres": {"civil_servant": 99}}, False)
    results = survey_results(survey)

    assert results["units"] == {"total": 3, "approved": 2, "pending": 1}
    assert results["cadres"] == 18
    topics = {r["topic"]: (r["offered"], r["units"], r["cadres"]) for r in results["topics"]}
    assert topics == {
        "党性教育": (True, 2, 18),
        "数字经济": (True, 1, 12),
        "应急管理": (True, 0, 0),
        "乡村振兴": (False, 2, 18),
    }
    assert results["topics"][0]["units"] == 2  # most wanted first
    categories = {r["category"]: (r["units"], r["cadres"]) for r in results["categories"]}
    assert categories["civil_servant"] == (2, 15)
    assert categories["section_leader"] == (1, 2)
    assert categories["county_leader"] == (1, 1)
    assert categories["professional"] == (0, 0)
    months = {r["month"]: (r["units"], r["cadres"]) for r in results["months"]}
    assert months[3] == (2, 18)
    assert months[9] == (1, 12)
    assert months[1] == (0, 0)
    assert len(results["months"]) == 12


def test_the_results_page_and_its_download(client, world, units):
    survey = _survey(world, world.bob)
    u0, l0, h0 = units[0]
    _answer(
        survey, u0, l0, h0, {"topics": ["数字经济"], "cadres": {"civil_servant": 7}, "months": [5]}
    )
    client.force_login(world.bob)
    page = client.get(f"/surveys/{survey.pk}/results/").content.decode()
    assert "数字经济" in page
    assert (  # a month reads as one
        '<tr><td data-label="月份">5月</td><td data-label="单位">1</td>'
        '<td data-label="干部">7</td></tr>'
    ) in page
    response = client.get(f"/surveys/{survey.pk}/results/?format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert ["希望参加的培训专题", "数字经济", "1", "7"] in rows
    assert ["各类别需培训干部人数", "合计", "", "7"] in rows  # the page's 合计 line too
    response = client.get(f"/surveys/{survey.pk}/results/?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    # The county's dispatcher reaches none of it.
    client.force_login(world.carol)
    assert client.get(f"/surveys/{survey.pk}/results/?format=csv").status_code == 404
    assert client.get(f"/surveys/{survey.pk}/?format=csv").status_code == 404
    response = client.get("/surveys/?format=csv")
    assert "2027年度需求调研" not in b"".join(response.streaming_content).decode("utf-8-sig")


def _many_units(world, n):
    for i in range(n):
        u = unit(f"单位{i}", world.root)
        user(f"l{i}", "unit_liaison", u)


@pytest.mark.parametrize("n", [1, 50])
def test_the_lists_take_the_same_queries_however_many_rows(
    client, world, n, django_assert_max_num_queries
):
    _many_units(world, n)
    for year in range(2027, 2027 + n):  # a department's survey is one a year
        survey = _survey(world, world.bob, year)
    client.force_login(world.bob)
    client.get("/surveys/")  # the session and grants, once
    with django_assert_max_num_queries(12):
        assert client.get("/surveys/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(f"/surveys/{survey.pk}/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(f"/surveys/{survey.pk}/results/").status_code == 200
