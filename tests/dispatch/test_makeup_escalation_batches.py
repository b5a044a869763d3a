"""Makeups falling due together escalate together: each dispatcher, and each head and
liaison of the unit, hears of all of theirs in one message; each makeup is escalated
once, however many timers or sweeps fire at once."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from dispatch.models import Dispatch, DispatchStatus, Makeup, MakeupStatus
from dispatch.services import makeup_escalate
from notifications.models import Notification
from tests.factories import cadre, training_class
from tests.flowtools import run_to_absence
from tests.racing import postgresql_only, together


def after_due(makeup):
    moment = timezone.make_aware(dt.datetime.combine(makeup.due_date, dt.time(1, 0)))
    return time_machine.travel(moment + dt.timedelta(days=1), tick=False)


def escalations(**filters):
    return Notification.objects.filter(event="escalation", key__startswith="makeup:", **filters)


def test_two_absences_due_together_are_one_escalation_per_person(world, staff, client):
    zhao = cadre("赵敏", world.a, world.city_od)
    first = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=20))
    second = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=25), name="第二期"
    )
    run_to_absence(client, world, staff, first, world.cadre_a)
    run_to_absence(client, world, staff, second, zhao)
    makeups = list(Makeup.objects.order_by("pk"))
    assert len(makeups) == 2 and makeups[0].due_date == makeups[1].due_date

    with after_due(makeups[0]):
        call_command("workflow_timers")
        call_command("escalate_makeups", verbosity=0)  # the daily sweep finds nothing left
    assert all(m.escalated for m in Makeup.objects.all())
    assert AuditEvent.objects.filter(verb="makeup.escalate").count() == 2

    told = list(escalations().values_list("recipient__username", flat=True))
    assert sorted(told) == ["alice", "bob", "lily"]  # one message each
    for message in escalations():
        assert message.title == "补训逾期：2 人"
        assert "王堃（某市发展和改革委员会）：" in message.body
        assert "赵敏（某市发展和改革委员会）：第二期" in message.body
    assert escalations(recipient=world.bob).get().url.endswith("/tasks/")
    assert escalations(recipient=staff.lily).get().url.endswith("/dispatches/")


def test_an_escalation_names_only_what_was_not_escalated_yet(world, staff, client):
    missed = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=20))
    makeup = Makeup.objects.get(source=run_to_absence(client, world, staff, missed, world.cadre_a))
    with after_due(makeup):
        makeup_escalate(makeup=makeup)
        makeup_escalate(makeup=makeup)
    # One makeup alone reads as before: its cadre in the title.
    assert sorted(escalations().values_list("recipient__username", flat=True)) == [
        "alice",
        "bob",
        "lily",
    ]
    assert escalations(recipient=world.bob).get().title == "逾期督办：王堃的补训"


def overdue_makeups(world, count):
    missed = training_class(world.city_od, world.school, dt.date(2025, 3, 3))
    made = []
    for index in range(count):
        person = cadre(f"干部{index}", world.a, world.city_od)
        source = Dispatch.objects.create(
            training_class=missed,
            cadre=person,
            unit=world.a,
            status=DispatchStatus.ABSENT,
            confirm_due=timezone.now(),
        )
        made.append(
            Makeup.objects.create(
                cadre=person,
                source=source,
                reason="absence",
                due_date=timezone.localdate() - dt.timedelta(days=1),
                status=MakeupStatus.OWED,
            )
        )
    return made


def test_the_sweep_escalates_a_backlog_in_one_message_each(world, staff):
    overdue_makeups(world, 4)
    call_command("escalate_makeups", verbosity=0)
    assert not Makeup.objects.filter(escalated=False).exists()
    assert escalations(recipient=world.bob).get().title == "补训逾期：4 人"


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_timers_firing_at_once_escalate_each_makeup_once(world, staff):
    made = overdue_makeups(world, 3)
    outcomes = together(*(lambda m=m: makeup_escalate(makeup=m) for m in made))
    assert all(kind == "ok" for kind, _result in outcomes), outcomes
    assert AuditEvent.objects.filter(verb="makeup.escalate").count() == 3
    bodies = "".join(escalations(recipient=world.bob).values_list("body", flat=True))
    for index in range(3):
        assert bodies.count(f"干部{index}（") == 1
