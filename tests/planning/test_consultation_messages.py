"""One message per recipient per event in 会商: each consultation has its own flow and
timers, but a head who answers for several consulted units is reminded once, naming
them, and the plan's dispatchers hear once of every unit that let the deadline pass —
whichever consultation's timer fires first, and when two fire at the same moment."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from notifications.models import Event, Notification
from planning import services
from planning.flows import ConsultationFlow, close_lapsed
from planning.models import ConsultationStatus, Plan
from tests.flowtools import fire_at, open_task, process_of
from tests.planning.helpers import dates, plan_in_flow, quota_line
from tests.racing import held, postgresql_only, together
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


def test_whoever_lapses_closes_the_answer_tasks_of_what_it_lapsed(world):
    """A timer that ran alongside another's lapse found its consultation still open and
    left its task: the lapse closes the tasks of all it lapsed once it has committed."""
    plan = submitted(world)
    with time_machine.travel(plan.consultation_deadline + dt.timedelta(minutes=1), tick=False):
        lapsed = services.consultations_lapse(plan=plan)
    assert len(lapsed) == 4 and open_answer_tasks().count() == 4
    close_lapsed([c.pk for c in lapsed])
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
    # Each unit named once to the dispatcher, in as many messages as there were batches.
    named = [
        line
        for context in messages(Event.ESCALATION, "bob").values_list("context", flat=True)
        for line in context["lines"]
    ]
    assert sorted(named) == sorted(c.unit.name for c in consultations)


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("wait", [False, True], ids=["timer", "head's decision"])
def test_an_answer_given_as_the_deadline_passes_is_not_lapsed(world, wait):
    """B's head answers at the deadline while the lapse runs: the lapse leaves B's
    consultation to the answer (a timer skips it, the head's decision waits for it) —
    accepted, never overwritten as lapsed, nor named as late."""
    plan = submitted(world)
    mine = plan.consultations.get(unit=world.b)

    def answer():  # still committing while the lapse runs
        services.consultation_answer(actor=world.charlie, consultation=mine, accept=True)

    with time_machine.travel(plan.consultation_deadline + dt.timedelta(minutes=1), tick=True):
        with held(answer):
            lapsed = services.consultations_lapse(plan=plan, wait=wait)
    mine.refresh_from_db()
    assert mine.status == ConsultationStatus.ACCEPTED
    assert mine.pk not in [c.pk for c in lapsed]
    assert world.b.name not in str(messages(Event.ESCALATION, "bob").values_list("context"))
    assert len(lapsed) == 3


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_timer_never_waits_on_the_heads_decision(world):
    """The head returns the plan (the plan, its consultations, then each consultation's
    process locked) while a consultation's deadline timer runs (its process locked
    first): the timer takes nothing the decision holds, so neither waits on the other
    in a circle — no deadlock; the decision settles the consultations."""
    plan = submitted(world)
    mine = plan.consultations.get(unit=world.b)
    process = process_of(mine, "ConsultationFlow")
    processes = type(process).objects.filter(pk=process.pk)

    def decide():
        Plan.objects.select_for_update().get(pk=plan.pk)
        plan.consultations.update(status=ConsultationStatus.CANCELLED)

    def close_consultations():
        processes.select_for_update().exists()

    with time_machine.travel(plan.consultation_deadline + dt.timedelta(minutes=1), tick=True):
        with held(decide, then=close_consultations) as outcome, transaction.atomic():
            processes.select_for_update().exists()  # the timer's process lock
            services.consultations_remind(consultation=mine)  # reads only
            assert services.consultations_lapse(plan=plan) == []  # skips what is held
    assert "error" not in outcome, outcome
    assert not plan.consultations.exclude(status=ConsultationStatus.CANCELLED).exists()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_plan_returned_while_a_timer_lapses_keeps_the_lapse(world, staff):
    """The head returns the plan just as the deadline timer lapses its consultations: the
    return waits for the lapse and leaves what it lapsed lapsed (cancelling only what
    is still open), as the lapse's audit trail and message said."""
    plan = submitted(world)

    def timer():
        services.consultations_lapse(plan=plan)

    with time_machine.travel(plan.consultation_deadline + dt.timedelta(minutes=1), tick=True):
        with held(timer):
            services.plan_decide(actor=staff.oscar, plan=plan, approve=False, reason="请调整名额")
    statuses = set(plan.consultations.values_list("status", flat=True))
    assert statuses == {ConsultationStatus.LAPSED}
    assert not AuditEvent.objects.filter(verb="plan.consultation_cancel").exists()
