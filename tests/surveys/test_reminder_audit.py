"""A survey.remind audit event stands for a reminder sent: when no reminder is due (every
reminder slot had passed when the survey was opened, or the deadline has), nothing is
sent and nothing is audited; when one is due, both are."""

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from notifications.models import Event, Notification
from surveys import services
from tests.flowtools import fire_at
from tests.surveys.kit import open_survey

pytestmark = pytest.mark.django_db


def reminders():
    return (
        AuditEvent.objects.filter(verb="survey.remind").count(),
        Notification.objects.filter(event=Event.REMINDER).count(),
    )


def test_a_survey_opened_after_every_reminder_slot_is_neither_reminded_nor_audited(
    client, world, staff
):
    due = timezone.localtime() + dt.timedelta(hours=12)  # the 3- and 1-day slots are past
    survey = open_survey(client, world.bob, world, deadline=due.strftime("%Y-%m-%dT%H:%M"))

    fire_at(timezone.now() + dt.timedelta(minutes=5))  # the flow's reminder timer is due
    assert reminders() == (0, 0)
    assert services.answers_remind(survey=survey) == []
    assert reminders() == (0, 0)


def test_a_due_reminder_is_sent_and_audited(client, world, staff):
    due = timezone.localtime() + dt.timedelta(days=3)
    survey = open_survey(client, world.bob, world, deadline=due.strftime("%Y-%m-%dT%H:%M"))
    assert services.answers_remind(survey=survey) == []  # two days before: no slot due yet
    assert reminders() == (0, 0)

    fire_at(survey.deadline - dt.timedelta(hours=12))
    events, sent = reminders()
    assert events == survey.answers.count() and sent >= events
