"""Every date in a message reads as Chinese (2026年12月10日 17:00), never as ISO text
(2026-12-10T17:00:00+08:00): the trainee's 点名参训, the liaison's announcement, the
reminders and the escalation of a roll call, read back from what was stored."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from dispatch.models import Dispatch
from notifications.models import Notification
from tests.flowtools import issue_roll_call

pytestmark = pytest.mark.klass(name="全市专题班")

ISO = re.compile(r"\d{4}-\d{2}-\d{2}|T\d{2}:\d{2}")


def chinese(moment) -> str:
    moment = timezone.localtime(moment)
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"


@pytest.fixture
def roll_call(world, staff, klass, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_b])
    return Dispatch.objects.get(cadre=world.cadre_a).roll_call


def test_the_trainees_named_message_gives_the_deadline_as_a_chinese_date(world, roll_call):
    wang = Dispatch.objects.get(cadre=world.cadre_a)
    message = Notification.objects.get(recipient=world.dave, key=f"dispatch:{wang.pk}:dispatched")
    assert chinese(wang.confirm_due) in message.body
    start = wang.training_class.start_date
    assert f"{start.year}年{start.month}月{start.day}日" in message.body
    assert not ISO.search(message.body), message.body


def test_no_message_of_a_roll_call_shows_an_iso_date(world, staff, roll_call):
    wang = Dispatch.objects.get(cadre=world.cadre_a)
    with time_machine.travel(wang.confirm_due - dt.timedelta(hours=12), tick=False):
        call_command("send_reminders")
        call_command("workflow_timers")
    with time_machine.travel(wang.confirm_due + dt.timedelta(hours=1), tick=False):
        call_command("workflow_timers")
    events = set(Notification.objects.values_list("event", flat=True))
    assert {"dispatched", "reminder", "escalation"} <= events
    for message in Notification.objects.all():
        assert not ISO.search(message.title + message.body), (message.key, message.body)
    announcement = Notification.objects.get(recipient=staff.lily, event="dispatched")
    assert chinese(wang.confirm_due) in announcement.body
