"""A department opens one needs survey a year: a second one for the same year (a double
click, two dispatchers at once) is refused with a message naming the first, on the
form's year, and nothing is written — held by the database too (the constraint
`survey_once_a_year`). The race itself: tests/hardening/test_twin_races.py."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from viewflow.workflow.models import Process

from audit.models import AuditEvent
from surveys import policy, services
from surveys.models import Survey, SurveyAnswer
from tests.surveys.kit import open_form, open_survey


def opened(world, year=2027, title=None, actor=None, org_department=None):
    return services.survey_open(
        actor=actor or world.bob,
        org_department=org_department or world.city_od,
        year=year,
        title=title or f"{year}年度需求调研",
        deadline=timezone.now() + dt.timedelta(days=10),
        questions=[{"kind": "topics", "options": ["党性教育"]}],
    )


def written():
    return Survey.objects.count(), SurveyAnswer.objects.count(), AuditEvent.objects.count()


def test_a_second_survey_of_the_year_is_refused_naming_the_first(world, staff):
    first = opened(world, title="2027年度干部教育培训需求调研")
    before = written()

    with pytest.raises(ValidationError) as refused:
        opened(world, title="重复的调研")

    [message] = refused.value.message_dict["year"]
    assert message == policy.survey_twin_refusal(world.city_od, 2027)
    assert "2027年度干部教育培训需求调研" in message
    assert written() == before
    assert list(Survey.objects.all()) == [first]


def test_another_year_or_another_department_opens_its_own(world, staff):
    opened(world, 2027)
    opened(world, 2028)
    opened(world, 2027, actor=world.carol, org_department=world.county_od)
    assert Survey.objects.count() == 3


def test_a_survey_the_database_refuses_as_a_twin_gets_the_same_message(world, staff, monkeypatch):
    """As when another dispatcher's survey commits between the check and the write: the
    constraint refuses the write, and the rule, asked again, names the survey that won."""
    first = opened(world)
    rule = policy.survey_twin_refusal
    calls = []

    def unseen_at_first(*args):
        calls.append(args)
        return None if len(calls) == 1 else rule(*args)

    monkeypatch.setattr(policy, "survey_twin_refusal", unseen_at_first)
    before = written()

    with pytest.raises(ValidationError) as refused:
        opened(world, title="重复的调研")

    assert refused.value.message_dict == {"year": [rule(world.city_od, 2027)]}
    assert first.title in refused.value.message_dict["year"][0]
    assert len(calls) == 2
    assert written() == before


def test_the_start_form_submitted_twice_shows_the_refusal_on_the_year(client, world, staff):
    first = open_survey(client, world.bob, world)
    processes = Process.objects.count()

    response = client.post("/workflow/survey/start/", open_form(world, title="第二次提交"))

    assert response.status_code == 200
    assert response.context["form"].errors["year"] == [
        policy.survey_twin_refusal(world.city_od, 2027)
    ]
    assert first.title in response.content.decode()
    assert list(Survey.objects.all()) == [first]
    assert Process.objects.count() == processes
