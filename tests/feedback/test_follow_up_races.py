"""Three follow-ups' timers firing at the same moment (three timer workers): each
follow-up is reminded once and escalated once, and nobody hears of one twice — the
batches claim their follow-ups under row locks that skip those another batch holds."""

import datetime as dt

import pytest
import time_machine
from dateutil.relativedelta import relativedelta

from audit.models import AuditEvent
from feedback import services
from feedback.models import FollowUp
from notifications.models import Event, Notification
from tests.factories import aware
from tests.feedback.kit import attended, trainees
from tests.flowtools import fire_at
from tests.racing import postgresql_only, together

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def follow_ups(client, world, staff, klass):
    """Three trainees of unit A back from one class, their follow-ups open and due
    together."""
    attended(client, world, staff, klass, [world.cadre_a, *trainees(world, 2)])
    fire_at(aware(klass.end_date + relativedelta(months=3), 8), "start_follow_ups")
    rows = list(FollowUp.objects.order_by("pk"))
    assert len(rows) == 3 and len({row.due_at for row in rows}) == 1
    return rows


def named(event) -> list[tuple[str, str]]:
    """(recipient, trainee) for each trainee each message of `event` names: a message of
    one follow-up names its trainee, of several a line each."""
    pairs = []
    for username, context in Notification.objects.filter(
        event=event, key__startswith="follow_up:"
    ).values_list("recipient__username", "context"):
        for line in context["lines"] or [context["cadre_name"]]:
            pairs.append((username, line.split("（")[0]))
    return pairs


def test_three_reminder_timers_at_once_remind_each_follow_up_once(follow_ups):
    with time_machine.travel(follow_ups[0].due_at - dt.timedelta(hours=12), tick=False):
        outcomes = together(
            *(lambda f=f: len(services.follow_up_remind(follow_up=f)) for f in follow_ups)
        )
    assert all(kind == "ok" for kind, _count in outcomes), outcomes
    assert sum(count for _kind, count in outcomes) == 3
    assert AuditEvent.objects.filter(verb="follow_up.remind").count() == 3
    lines = named(Event.REMINDER)
    assert len(lines) == len(set(lines)) == 3  # the head is told of each trainee once


def test_three_escalation_timers_at_once_escalate_each_follow_up_once(follow_ups):
    with time_machine.travel(follow_ups[0].due_at + dt.timedelta(hours=1), tick=False):
        outcomes = together(
            *(lambda f=f: len(services.follow_up_escalate(follow_up=f)) for f in follow_ups)
        )
    assert all(kind == "ok" for kind, _count in outcomes), outcomes
    assert sum(count for _kind, count in outcomes) == 3
    assert AuditEvent.objects.filter(verb="follow_up.escalate").count() == 3
    lines = named(Event.ESCALATION)
    assert len(lines) == len(set(lines))
    for username in ("alice", "bob"):
        assert len([line for who, line in lines if who == username]) == 3
