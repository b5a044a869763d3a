"""The 调训通知 asks for the reply slip by the roll call's deadline — or, for nominees
accepted after it (given their own, later `confirm_due`), by theirs: never by a moment
already past on the day it is issued."""

import datetime as dt

import pytest
from django.utils import timezone

from dispatch.documents import dispatch_notice_context
from dispatch.models import Dispatch
from notifications.documents.builders import _deadline
from notifications.documents.context import Paragraph
from tests.flowtools import named

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def _asked_by(context) -> str:
    [asking] = [b.text for b in context.body if isinstance(b, Paragraph) and "参训回执" in b.text]
    return asking


def test_the_reply_is_asked_by_the_roll_calls_deadline_or_a_late_nominees_own(world, klass, client):
    dispatch, _process = named(client, world, klass, world.cadre_a)
    roll_call = dispatch.roll_call
    assert f"于{_deadline(roll_call.response_deadline)}前" in _asked_by(
        dispatch_notice_context(roll_call, [dispatch])
    )
    # A nominee accepted after the roll call's deadline answers by a later moment.
    later = timezone.now() + dt.timedelta(days=3)
    roll_call.response_deadline = timezone.now() - dt.timedelta(hours=2)
    Dispatch.objects.filter(pk=dispatch.pk).update(confirm_due=later)
    dispatch.refresh_from_db()
    asked = _asked_by(dispatch_notice_context(roll_call, [dispatch]))
    assert f"于{_deadline(later)}前" in asked
    assert _deadline(roll_call.response_deadline) not in asked
