"""Reminders before a survey's deadline and escalation to the dispatchers after it,
fired by Viewflow's timer dispatcher (`manage.py workflow_timers`) with the clock moved."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from notifications.models import Event, Notification
from surveys.models import AnswerStatus, SurveyStatus
from tests.factories import unit, user
from tests.flowtools import fire_at, notified
from tests.surveys.kit import (
    TOPICS,
    act,
    answer,
    answer_data,
    answer_process,
    open_survey,
    open_task,
    task_url,
)


@pytest.fixture
def survey(client, world, staff):
    office = unit("某市财政局", world.root)
    user("fiona", "unit_liaison", office)
    user("frank", "department_head", office)
    due = timezone.localtime() + dt.timedelta(days=3)
    return open_survey(client, world.bob, world, deadline=due.strftime("%Y-%m-%dT%H:%M"))


def test_before_the_deadline_the_units_not_approved_are_reminded(client, world, staff, survey):
    a = survey.answers.get(unit=world.a)
    answer(client, staff.lily, a, answer_data(TOPICS[:1], months=[4], civil_servant=2))
    fire_at(survey.deadline - dt.timedelta(days=2))
    assert not AuditEvent.objects.filter(verb="survey.remind").exists()
    fire_at(survey.deadline - dt.timedelta(hours=12))
    assert AuditEvent.objects.filter(verb="survey.remind").count() == 2
    # Unit A answered: its head is reminded to approve; the other unit's liaison to answer.
    assert notified(Event.REMINDER) == {"alice", "fiona"}
    assert not AuditEvent.objects.filter(verb="survey.escalate").exists()


def test_after_the_deadline_the_dispatchers_take_over_the_answering(client, world, staff, survey):
    a = survey.answers.get(unit=world.a)
    fire_at(survey.deadline - dt.timedelta(hours=12))
    fire_at(survey.deadline + dt.timedelta(hours=1))
    survey.refresh_from_db()
    a.refresh_from_db()
    assert survey.status == SurveyStatus.CLOSED
    assert a.escalated
    assert AuditEvent.objects.filter(verb="survey.escalate").count() == 2
    assert "bob" in notified(Event.ESCALATION)

    # The dispatcher may answer for the unit (the liaison still may); the unit's head
    # still approves it.
    task = open_task(answer_process(a), "answer")
    client.force_login(staff.lily)
    assert client.get(task_url(task, "assign")).status_code == 200
    client.force_login(world.bob)
    response = act(client, task, answer_data(TOPICS[:1], civil_servant=1))
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == AnswerStatus.AWAITING_APPROVAL
    assert a.submitted_by == world.bob


def test_an_answer_approved_in_time_is_neither_reminded_nor_escalated(client, world, staff, survey):
    a = survey.answers.get(unit=world.a)
    answer(client, staff.lily, a, answer_data(TOPICS[:1], civil_servant=2))
    client.force_login(world.alice)
    act(client, open_task(answer_process(a), "head_approval"), {"decision": "approve"})
    fire_at(survey.deadline - dt.timedelta(hours=12))
    fire_at(survey.deadline + dt.timedelta(hours=1))
    a.refresh_from_db()
    assert not a.escalated
    assert "alice" not in notified(Event.REMINDER)
    assert "lily" not in notified(Event.REMINDER)
    assert notified(Event.REMINDER) == {"fiona"}


def test_the_three_day_and_one_day_reminders_go_out_once(client, world, staff):
    due = timezone.localtime() + dt.timedelta(days=10)
    survey = open_survey(client, world.bob, world, deadline=due.strftime("%Y-%m-%dT%H:%M"))
    fire_at(survey.deadline - dt.timedelta(days=5), "send_reminders")
    assert not notified(Event.REMINDER)
    fire_at(survey.deadline - dt.timedelta(days=2), "send_reminders")
    fire_at(survey.deadline - dt.timedelta(days=2) + dt.timedelta(hours=1), "send_reminders")
    assert Notification.objects.filter(event=Event.REMINDER, recipient=staff.lily).count() == 1
    fire_at(survey.deadline - dt.timedelta(hours=20), "send_reminders")
    assert Notification.objects.filter(event=Event.REMINDER, recipient=staff.lily).count() == 2
