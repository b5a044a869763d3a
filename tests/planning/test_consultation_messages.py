"""One message per recipient per event in 会商: each consultation has its own flow and
timers, but a head who answers for several consulted units is reminded once, naming
them, and the plan's dispatchers hear once of every unit that let the deadline pass —
whichever consultation's timer fires first, and when two fire at the same moment."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from notifications.models import Event, Notification
from planning import services
from planning.flows import ConsultationFlow
from planning.models import ConsultationStatus
from tests.flowtools import fire_at, open_task, process_of
from tests.planning.helpers import dates, plan_in_flow, quota_line
from tests.racing import postgresql_only, together
from workflow.runtime import complete_task


def submitted(world):
    """A plan in its flow, sent to consultation: one line at the school allotting seats
    to A, its section 综合科 (A1) and the county's B — four consultations, A's and A1's
    both answered by A's head (alice)."""
    start, _end = dates(60)
    plan = plan_in_flow(world, start.year)
    quota_line(world, plan, allocations=[(world.a, 2), (world.a1, 1), (world.b, 1)])
    deadline = timezone.now() + dt.timedelta(days=3)
    complete_task(
        open_task(process_of(plan, "PlanFlow"), "draft"),
        world.bob,
        lambda: services.plan_submit(actor=world.bob, plan=plan, deadline=deadline),
    )
    plan.refresh_from_db()
    assert plan.consultations.count() == 4
    return plan


def messages(event, username):
    return Notification.objects.filter(event=event, recipient__username=username)


def open_answer_tasks():
    return ConsultationFlow.answer.flow_class.task_class.objects.filter(
        flow_task=ConsultationFlow.answer, status__in=[STATUS.NEW, STATUS.ASSIGNED]
    )


def test_a_head_of_two_consulted_units_is_reminded_once_naming_both(world):
    plan = submitted(world)
    fire_at(plan.consultation_deadline - dt.timedelta(hours=20))
    fire_at(plan.consultation_deadline - dt.timedelta(hours=19))

    reminder = messages(Event.REMINDER, "alice").get()
    assert reminder.context["lines"] == [world.a.name, world.a1.name]
    assert reminder.url == "/tasks/"
    # The others answer for one unit each: the plain message of one consultation.
    for username in ("charlie", "rita"):
        assert "lines" not in messages(Event.REMINDER, username).get().context
    assert AuditEvent.objects.filter(verb="plan.consultation_remind").count() == 4


def test_every_lapsed_consultation_is_one_message_to_each_dispatcher(world):
    plan = submitted(world)
    accepted = plan.consultations.get(unit=world.b)
    complete_task(
        open_task(process_of(accepted, "ConsultationFlow"), "answer"),
        world.charlie,
        lambda: services.consultation_answer(
            actor=world.charlie, consultation=accepted, accept=True
        ),
    )
    fire_at(plan.consultation_deadline - dt.timedelta(hours=20))
    fire_at(plan.consultation_deadline + dt.timedelta(minutes=1))
    fire_at(plan.consultation_deadline + dt.timedelta(minutes=2))

    statuses = dict(plan.consultations.values_list("unit", "status"))
    assert statuses.pop(world.b.pk) == ConsultationStatus.ACCEPTED
    assert set(statuses.values()) == {ConsultationStatus.LAPSED}
    lapsed = messages(Event.ESCALATION, "bob").get()
    late = plan.consultations.exclude(unit=world.b).order_by("unit__path")
    assert lapsed.context["lines"] == [c.unit.name for c in late]
    assert lapsed.url == f"/plans/{plan.pk}/"
    assert AuditEvent.objects.filter(verb="plan.consultation_lapse").count() == 3
    # Every lapsed consultation's task is closed, whichever timer lapsed it.
    assert not open_answer_tasks().exists()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_timers_at_once_lapse_each_consultation_once(world):
    plan = submitted(world)
    consultations = list(plan.consultations.all())
    with time_machine.travel(plan.consultation_deadline + dt.timedelta(minutes=1), tick=False):
        outcomes = together(
            *(lambda c=c: len(services.consultations_lapse(plan=c.plan)) for c in consultations)
        )
    assert all(kind == "ok" for kind, _count in outcomes), outcomes
    assert sum(count for _kind, count in outcomes) == 4
    assert AuditEvent.objects.filter(verb="plan.consultation_lapse").count() == 4
    assert messages(Event.ESCALATION, "bob").count() == 1
