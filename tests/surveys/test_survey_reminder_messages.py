"""What a survey's reminders and escalations say, and to whom: the day before the
deadline the flow's own reminder and the `send_reminders` sweep are one message per
recipient; past it, the dispatchers learn which unit is late with which step."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from notifications.models import Event, Notification
from surveys.models import SurveyAnswer
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
)

User = get_user_model()


@pytest.fixture
def survey(client, world, staff):
    office = unit("某市财政局", world.root)
    user("fiona", "unit_liaison", office)
    user("frank", "department_head", office)
    due = timezone.localtime() + dt.timedelta(days=3)
    survey = open_survey(client, world.bob, world, deadline=due.strftime("%Y-%m-%dT%H:%M"))
    # Unit A answers: its head (alice) has the approval; the office has not answered.
    row = survey.answers.get(unit=world.a)
    answer(client, staff.lily, row, answer_data(TOPICS[:1], months=[4], civil_servant=2))
    return survey


def in_site_language(msgid, **values) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(msgid) % values


@pytest.mark.parametrize(
    "commands",
    [("workflow_timers", "send_reminders"), ("send_reminders", "workflow_timers")],
    ids=["flow-first", "sweep-first"],
)
def test_the_day_before_each_recipient_is_reminded_once(survey, commands):
    moment = survey.deadline - dt.timedelta(hours=20)
    for command in commands:
        fire_at(moment, command)
    fire_at(moment + dt.timedelta(hours=1), commands[0])

    assert notified(Event.REMINDER) == {"alice", "fiona"}
    for username in ("alice", "fiona"):
        rows = Notification.objects.filter(event=Event.REMINDER, recipient__username=username)
        assert rows.count() == 1, [(n.key, n.title) for n in rows]
        reminder = rows.get()
        assert reminder.key.endswith(":reminder-1d")
        assert reminder.context["days_left"] == 1
        assert reminder.body.splitlines()[0] == in_site_language(
            "Due in %(days)s day: %(subject)s.", days=1, subject=reminder.context["subject"]
        )


def in_site_plural(singular, plural, count, **values) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return ngettext(singular, plural, count) % {"count": count, **values}


def test_the_escalation_names_every_late_unit_with_its_step_in_one_message(client, world, survey):
    fire_at(survey.deadline - dt.timedelta(hours=20))
    fire_at(survey.deadline + dt.timedelta(hours=1))
    escalations = Notification.objects.filter(event=Event.ESCALATION, recipient=world.bob)
    assert escalations.count() == 1, [n.title for n in escalations]
    message = escalations.get()
    assert message.title == in_site_language(
        "Overdue and escalated: %(subject)s",
        subject=in_site_plural(
            "Answer of %(count)d unit to the needs survey “%(title)s”",
            "Answers of %(count)d units to the needs survey “%(title)s”",
            2,
            title=survey.title,
        ),
    )
    # Each unit on its line, with the step it is late with.
    assert (
        in_site_language("%(unit)s: the head's approval of its answer", unit=world.a.name)
        in message.body.splitlines()
    )
    assert in_site_language("%(unit)s: not answered", unit="某市财政局") in (
        message.body.splitlines()
    )
    client.force_login(world.bob)
    assert message.url == f"/surveys/{survey.pk}/"
    assert client.get(message.url).status_code == 200


def test_one_late_unit_is_named_in_the_title_and_linked_to_its_process(client, world, survey):
    office = SurveyAnswer.objects.get(survey=survey, unit__name="某市财政局")
    # The office answers and its head approves in time; unit A's head does not.
    fiona, frank = (User.objects.get(username=name) for name in ("fiona", "frank"))
    response = answer(client, fiona, office, answer_data(TOPICS[:1], civil_servant=1))
    assert response.status_code == 302
    client.force_login(frank)
    response = act(
        client, open_task(answer_process(office), "head_approval"), {"decision": "approve"}
    )
    assert response.status_code == 302
    fire_at(survey.deadline - dt.timedelta(hours=20))
    fire_at(survey.deadline + dt.timedelta(hours=1))

    awaiting = survey.answers.get(unit=world.a)
    message = Notification.objects.get(event=Event.ESCALATION, recipient=world.bob)
    assert message.title == in_site_language(
        "Overdue and escalated: %(subject)s",
        subject=in_site_language(
            "Head's approval of the answer of %(unit)s to the needs survey “%(title)s”",
            unit=world.a.name,
            title=survey.title,
        ),
    )
    assert message.context["awaits_head"]
    assert world.a.name in message.body
    client.force_login(world.bob)
    assert message.url == f"/workflow/surveyanswer/{answer_process(awaiting).pk}/"
    assert client.get(message.url).status_code == 200
