"""One message per recipient per event: a liaison who answers for several units of a
survey is reminded once, naming them all, whether the flow's timer or the
`send_reminders` sweep comes first; an answer that moves on to its head since is news
to the head in the same slot; the dispatchers hear of every late unit in one
escalation."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from audit.models import AuditEvent
from notifications.models import Event, Notification
from org import services as org_services
from surveys import services
from tests.factories import unit, user
from tests.flowtools import fire_at
from tests.surveys.kit import TOPICS, answer, answer_data, open_survey


def site(msgid, **values) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(msgid) % values


@pytest.fixture
def offices(world):
    """Three offices, each with its own head, all answered for by one liaison (larry)."""
    units = [unit(name, world.root) for name in ("某市财政局", "某市审计局", "某市统计局")]
    larry = user("larry", "unit_liaison", units[0])
    for index, office in enumerate(units):
        if index:
            org_services.role_grant(actor=None, user=larry, role="unit_liaison", unit=office)
        user(f"head{index}", "department_head", office)
    return larry, units


@pytest.fixture
def survey(client, world, staff, offices):
    due = timezone.localtime() + dt.timedelta(days=3)
    return open_survey(client, world.bob, world, deadline=due.strftime("%Y-%m-%dT%H:%M"))


def reminders_of(username):
    return Notification.objects.filter(event=Event.REMINDER, recipient__username=username)


@pytest.mark.parametrize(
    "commands",
    [("workflow_timers", "send_reminders"), ("send_reminders", "workflow_timers")],
    ids=["flow-first", "sweep-first"],
)
def test_a_liaison_of_three_units_is_reminded_once_naming_them(survey, offices, commands):
    larry, units = offices
    moment = survey.deadline - dt.timedelta(hours=20)
    for command in commands:
        fire_at(moment, command)
    fire_at(moment + dt.timedelta(hours=1), commands[0])

    message = reminders_of("larry").get()
    assert message.key.endswith(":reminder-1d")
    for office in units:
        assert site("%(unit)s: to answer", unit=office.name) in message.body.splitlines()
    assert str(len(units)) in message.title


def test_an_answer_sent_on_since_the_reminder_is_news_to_its_head(client, survey, offices):
    larry, units = offices
    moment = survey.deadline - dt.timedelta(hours=20)
    fire_at(moment, "send_reminders")
    assert not reminders_of("head0").exists()
    row = survey.answers.get(unit=units[0])
    response = answer(client, larry, row, answer_data(TOPICS[:1], civil_servant=1))
    assert response.status_code == 302

    fire_at(moment + dt.timedelta(hours=1))  # the flow's own reminder, the same slot
    head = reminders_of("head0").get()
    assert head.title == site(
        "Reminder: %(subject)s",
        subject=site(
            "%(unit)s: approve the answer to the needs survey “%(title)s”",
            unit=units[0].name,
            title=survey.title,
        ),
    )
    assert reminders_of("larry").count() == 1  # nothing new for him in this slot
    # Audited: the answer each time it was named in a message the flow sent.
    assert AuditEvent.objects.filter(verb="survey.remind", target_id=str(row.pk)).count() == 1


def test_every_late_unit_is_escalated_once_in_one_message(world, survey, offices):
    _larry, units = offices
    fire_at(survey.deadline - dt.timedelta(hours=20))
    fire_at(survey.deadline + dt.timedelta(hours=1))
    late = survey.answers.count()
    assert late > len(units)
    message = Notification.objects.get(event=Event.ESCALATION, recipient=world.bob)
    assert len(message.context["lines"]) == late
    assert AuditEvent.objects.filter(verb="survey.escalate").count() == late

    # Run again (a retry): nothing more.
    assert services.answers_escalate(survey=survey) == []
    assert Notification.objects.filter(event=Event.ESCALATION, recipient=world.bob).count() == 1


def test_a_message_names_at_most_fifty_units(survey):
    from surveys import notices

    rows = list(survey.answers.select_related("unit", "survey"))
    many = rows * 30  # the same rows stand for more units than a message names
    lines = notices._lines(many, overdue=True)
    assert len(lines) == notices.MAX_LINES + 1
    more = len(many) - notices.MAX_LINES
    with translation.override(settings.LANGUAGE_CODE):
        expected = ngettext("and %(count)d more unit", "and %(count)d more units", more)
    assert lines[-1] == expected % {"count": more}
