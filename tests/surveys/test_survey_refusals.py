"""Who may not: outsiders at each task and page of a survey, a second answer of a unit,
bad input refused with a message and nothing written."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import override

from audit.models import AuditEvent
from surveys import services
from surveys.models import AnswerLine, AnswerStatus, Survey, SurveyAnswer
from tests.surveys.kit import (
    TOPICS,
    answer,
    answer_data,
    answer_process,
    open_form,
    open_survey,
    open_task,
    task_url,
)


@pytest.fixture
def survey(client, world, staff):
    return open_survey(client, world.bob, world)


def test_outsiders_cannot_take_the_answer_task(client, world, staff, survey):
    task = open_task(answer_process(survey.answers.get()), "answer")
    for outsider in (staff.luke, world.charlie, world.carol, world.dave):
        client.force_login(outsider)
        assert client.post(task_url(task, "assign")).status_code == 404, outsider
        assert client.get(task_url(task, "detail")).status_code == 404, outsider
    # Inside the unit but not its liaison: refused.
    for insider in (world.alice, world.bob):
        client.force_login(insider)
        assert client.post(task_url(task, "assign")).status_code == 403, insider
    # Before the deadline has escalated it, not even the dispatcher answers for the unit.
    for person in (world.bob, world.alice, staff.luke):
        with pytest.raises(PermissionDenied):
            services.answer_submit(actor=person, answer=survey.answers.get(), responses={})


def test_outsiders_cannot_take_the_approval_task(client, world, staff, survey):
    row = survey.answers.get()
    answer(client, staff.lily, row, answer_data(TOPICS[:1], civil_servant=1))
    task = open_task(answer_process(row), "head_approval")
    for outsider in (world.charlie, staff.luke, world.carol):
        client.force_login(outsider)
        assert client.post(task_url(task, "assign")).status_code == 404, outsider
    for insider in (staff.lily, world.bob):
        client.force_login(insider)
        assert client.post(task_url(task, "assign")).status_code == 403, insider
    with pytest.raises(PermissionDenied):
        services.answer_decide(actor=world.charlie, answer=row, approve=True)
    with pytest.raises(PermissionDenied):
        services.answer_decide(actor=staff.lily, answer=row, approve=True)


def test_outsiders_get_404_on_the_survey_pages(client, world, staff, survey):
    for path in (f"/surveys/{survey.pk}/", f"/surveys/{survey.pk}/results/"):
        for outsider in (world.carol, world.dave, staff.luke, world.charlie):
            client.force_login(outsider)
            assert client.get(path).status_code == 404, (path, outsider)
            assert client.get(path + "?format=xlsx").status_code == 404, (path, outsider)
        client.force_login(world.bob)
        assert client.get(path).status_code == 200
    client.force_login(world.dave)
    assert client.get("/surveys/").status_code == 403
    client.force_login(world.carol)
    assert survey.title not in client.get("/surveys/").content.decode()
    client.logout()
    assert client.get(f"/surveys/{survey.pk}/").status_code == 302


def test_only_a_dispatcher_of_the_department_opens_a_survey(client, world, staff):
    client.force_login(staff.lily)
    assert client.get("/workflow/survey/start/").status_code == 403
    client.force_login(world.carol)  # the county's dispatcher, for the city's department
    response = client.post("/workflow/survey/start/", open_form(world))
    assert response.status_code == 200
    assert not Survey.objects.exists()
    with pytest.raises(PermissionDenied):
        services.survey_open(
            actor=world.carol,
            org_department=world.city_od,
            year=2027,
            title="越权",
            deadline=timezone.now() + dt.timedelta(days=3),
            questions=[{"kind": "topics", "options": ["x"]}],
        )
    assert not Survey.objects.exists()


def test_a_unit_answers_once(client, world, staff, survey):
    row = survey.answers.get()
    answer(client, staff.lily, row, answer_data(TOPICS[:1], civil_servant=2))
    before = (AuditEvent.objects.count(), AnswerLine.objects.count())
    with override("zh-hans"), pytest.raises(ValidationError) as refused:
        services.answer_submit(actor=staff.lily, answer=row, responses=answer_data(TOPICS))
    assert "已填报" in refused.value.messages[0]
    assert world.a.name in refused.value.messages[0]
    assert (AuditEvent.objects.count(), AnswerLine.objects.count()) == before
    # The database holds one answer per survey and unit.
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyAnswer.objects.create(survey=survey, unit=world.a)


@pytest.mark.parametrize(
    "change, field",
    [
        ({"deadline": "2020-01-01T09:00"}, "deadline"),
        ({"topics": "   "}, "topics"),
        ({"year": "1999"}, "year"),
        ({"title": ""}, "title"),
    ],
)
def test_a_bad_survey_is_refused_with_nothing_written(client, world, staff, change, field):
    client.force_login(world.bob)
    response = client.post("/workflow/survey/start/", open_form(world, **change))
    assert response.status_code == 200
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not Survey.objects.exists()
    assert not AuditEvent.objects.filter(verb="survey.open").exists()


def test_a_survey_with_nobody_to_answer_is_refused(client, world):
    client.force_login(world.bob)  # no liaison in the city yet
    with override("zh-hans"):
        response = client.post("/workflow/survey/start/", open_form(world))
    assert response.status_code == 200
    assert "联络员" in response.content.decode()
    assert not Survey.objects.exists()


def test_a_bad_answer_is_refused_with_nothing_written(client, world, staff, survey):
    row = survey.answers.get()
    response = answer(client, staff.lily, row, answer_data(TOPICS[:1], civil_servant=-3))
    assert response.status_code == 200
    assert response.context["form"].errors.get("cadres_civil_servant")
    for responses in (
        {"months": [13]},
        {"topics": ["没有提供的专题"]},
        {"cadres": {"nobody": 3}},
        {"own_topics": ["长" * 101]},
    ):
        with pytest.raises(ValidationError):
            services.answer_submit(actor=staff.lily, answer=row, responses=responses)
    row.refresh_from_db()
    assert row.status == AnswerStatus.AWAITING_ANSWER
    assert not AnswerLine.objects.exists()
    assert not AuditEvent.objects.filter(verb="survey.answer").exists()


def test_returning_needs_a_reason(client, world, staff, survey):
    row = survey.answers.get()
    answer(client, staff.lily, row, answer_data(TOPICS[:1], civil_servant=1))
    from tests.surveys.kit import decide

    response = decide(client, world.alice, row, "return", "")
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.status == AnswerStatus.AWAITING_APPROVAL


def test_an_empty_answer_is_refused_and_no_needs_is_said_with_a_zero(client, world, staff, survey):
    row = survey.answers.get()
    response = answer(client, staff.lily, row, answer_data())
    assert response.status_code == 200
    assert "答复为空" in response.content.decode()
    row.refresh_from_db()
    assert row.status == AnswerStatus.AWAITING_ANSWER
    assert not AuditEvent.objects.filter(verb="survey.answer").exists()
    # A unit with no needs says so: a headcount of 0.
    response = answer(client, staff.lily, row, answer_data(civil_servant=0))
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == AnswerStatus.AWAITING_APPROVAL
