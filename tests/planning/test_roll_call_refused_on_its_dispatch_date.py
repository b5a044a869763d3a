"""A published line whose roll call dispatch refuses on its dispatch date (a cadre named
is already dispatched to an overlapping class): nothing is issued, the line says what was
refused on the plan page, the department's dispatchers and head hear of it once, and the
next day's run tries again — and starts it once what was refused is put right."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from audit.models import AuditEvent
from dispatch.models import Dispatch, DispatchStatus, RollCall
from notifications.models import Event, Notification
from planning import services
from planning.models import RollCallRefusal
from planning.schedule import start_due_roll_calls
from tests.factories import training_class
from tests.planning.helpers import dates, good_sessions, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def line(world, staff):
    """A published named line of 王堃 and 李玥."""
    start, end = dates(60)
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)
    line = services.line_add(
        actor=world.bob,
        plan=plan,
        name="点名进修班",
        institution=world.school,
        start_date=start,
        end_date=end,
        hours=40,
        days=5,
        seats=2,
        mode="named",
        cadres=[world.cadre_a, world.cadre_a1],
        sessions=good_sessions(start),
    )
    publish(world, staff, plan)
    line.refresh_from_db()
    return line


@pytest.fixture
def busy(world, line):
    """王堃 is dispatched meanwhile to another class on the same dates."""
    other = training_class(world.city_od, world.school, line.start_date, quota=1, name="另一班")
    return Dispatch.objects.create(
        training_class=other,
        cadre=world.cadre_a,
        unit=world.a,
        confirm_due=timezone.now() + dt.timedelta(days=3),
    )


def notices(line):
    return Notification.objects.filter(event=Event.ESCALATION, url=f"/plans/{line.plan_id}/")


def test_the_refused_roll_call_is_kept_on_the_line_and_told(client, world, staff, line, busy):
    assert start_due_roll_calls(line.dispatch_date) == 0

    assert not RollCall.objects.filter(training_class=line.training_class).exists()
    line.refresh_from_db()
    assert line.roll_call_started_at is None
    assert line.roll_call_refusal == RollCallRefusal.REFUSED
    assert world.cadre_a.name in line.roll_call_refusal_detail
    assert "另一班" in line.roll_call_refusal_detail
    refused = AuditEvent.objects.get(verb="plan.line_dispatch_refused", target_id=str(line.pk))
    assert refused.after["roll_call_refusal"] == "refused"
    assert set(notices(line).values_list("recipient__username", flat=True)) == {"bob", "oscar"}
    assert all(line.roll_call_refusal_detail in n.body for n in notices(line))

    client.force_login(world.bob)
    with translation.override("zh-hans"):
        page = client.get(f"/plans/{line.plan_id}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "调训未启动：" in page.content.decode()
    assert "另一班" in page.content.decode()

    # The next day, refused for the same reason: told no more.
    assert start_due_roll_calls(line.dispatch_date + dt.timedelta(days=1)) == 0
    assert notices(line).count() == 2
    assert AuditEvent.objects.filter(verb="plan.line_dispatch_refused").count() == 1


def test_once_put_right_the_next_run_starts_it(world, line, busy):
    assert start_due_roll_calls(line.dispatch_date) == 0
    Dispatch.objects.filter(pk=busy.pk).update(status=DispatchStatus.CANCELLED)

    assert start_due_roll_calls(line.dispatch_date + dt.timedelta(days=1)) == 1

    line.refresh_from_db()
    assert line.roll_call_started_at is not None
    assert (line.roll_call_refusal, line.roll_call_refusal_detail) == ("", "")
    assert set(
        Dispatch.objects.filter(training_class=line.training_class).values_list("cadre", flat=True)
    ) == {world.cadre_a.pk, world.cadre_a1.pk}
