"""What a survey's reminders and escalations say, and to whom: the day before the
deadline the flow's own reminder and the `send_reminders` sweep are one message per
recipient; past it, the dispatchers learn which unit is late with which step."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from notifications.models import Event, Notification
from surveys.models import SurveyAnswer
from tests.factories import unit, user
from tests.flowtools import fire_at, notified
from tests.surveys.kit import TOPICS, answer, answer_data, answer_process, open_survey


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


def test_the_escalation_says_which_unit_is_late_with_which_step(client, world, survey):
    fire_at(survey.deadline - dt.timedelta(hours=20))
    fire_at(survey.deadline + dt.timedelta(hours=1))
    awaiting = survey.answers.get(unit=world.a)
    unanswered = SurveyAnswer.objects.get(survey=survey, unit__name="某市财政局")
    names = {"title": survey.title}

    def escalation(row):
        return Notification.objects.get(
            event=Event.ESCALATION, recipient=world.bob, key=f"survey-answer:{row.pk}:escalated"
        )

    approval = escalation(awaiting)
    assert approval.title == in_site_language(
        "Overdue and escalated: %(subject)s",
        subject=in_site_language(
            "Head's approval of the answer of %(unit)s to the needs survey “%(title)s”",
            unit=world.a.name,
            **names,
        ),
    )
    answering = escalation(unanswered)
    assert answering.title == in_site_language(
        "Overdue and escalated: %(subject)s",
        subject=in_site_language(
            "Answer of %(unit)s to the needs survey “%(title)s”", unit="某市财政局", **names
        ),
    )
    assert approval.title != answering.title
    assert approval.context["awaits_head"]
    assert not answering.context["awaits_head"]
    assert world.a.name in approval.body and "某市财政局" in answering.body

    # Each links to the answer's process page, which the dispatcher may open.
    client.force_login(world.bob)
    for row, message in ((awaiting, approval), (unanswered, escalation(unanswered))):
        assert message.url == f"/workflow/surveyanswer/{answer_process(row).pk}/"
        assert client.get(message.url).status_code == 200
