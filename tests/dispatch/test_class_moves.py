"""A class moved after its dispatches were named: its dates or its institution changed by
the class service (`training_class_save`) or by the class import (a row with the class's
number). The open class-start timers of its dispatches follow its new first day (a class
moved earlier no longer strands an unanswered dispatch until the old date), and its open
attendance tasks follow its new institution (the new registrar's to-do; a claim of the
old registrar goes back to the queue)."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals.flows import ApprovalFlow
from approvals.models import ApprovalRequest, ApprovalStep
from audit.models import AuditEvent
from dispatch.models import Dispatch, DispatchStatus, Institution, InstitutionKind, TrainingClass
from dispatch.services import training_class_save
from dispatch.services.rollcall import class_start_moment
from imports.kinds import Action
from org.models import UnitKind
from tests.dispatch.import_kit import commit
from tests.factories import unit, user
from tests.flowtools import acknowledged, act, named, open_task, process_of, request, task_url
from workflow.mytasks import held_tasks, open_tasks

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def by_service(world, klass, **fields):
    klass = TrainingClass.objects.get(pk=klass.pk)
    for field, value in fields.items():
        setattr(klass, field, value)
    training_class_save(actor=world.bob, training_class=klass)


def by_import(world, klass, **fields):
    """The class list's row of `klass`, numbered, with `fields` changed, imported."""
    klass = TrainingClass.objects.get(pk=klass.pk)
    for field, value in fields.items():
        setattr(klass, field, value)
    row = {
        "number": str(klass.pk),
        "name": klass.name,
        "institution": klass.institution.unit.code,
        "organizer": klass.organizer.issuer_code,
        "kind": str(klass.get_kind_display()),
        "start": klass.start_date.isoformat(),
        "end": klass.end_date.isoformat(),
        "report": klass.report_date.isoformat(),
        "location": klass.location,
        "credit_hours": str(klass.credit_hours),
        "days": str(klass.days),
        "quota": str(klass.quota),
    }
    [outcome] = commit("classes", world.bob, [row])
    assert outcome.action == Action.UPDATE, outcome.errors


def by_admin(world, klass, **fields):
    """The Django admin's class form (a superuser's door), `fields` changed."""
    from django.contrib.auth import get_user_model
    from django.forms.models import model_to_dict
    from django.test import Client

    root = get_user_model().objects.filter(username="root").first()
    root = root or get_user_model().objects.create_superuser("root", "r@example.com", "pw")
    klass = TrainingClass.objects.get(pk=klass.pk)
    data = {k: ("" if v is None else v) for k, v in model_to_dict(klass).items() if k != "id"}
    for field, value in fields.items():
        data[field] = value.pk if hasattr(value, "pk") else value
    admin = Client()
    admin.force_login(root)
    response = admin.post(f"/admin/dispatch/trainingclass/{klass.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors


MOVES = [by_service, by_import, by_admin]


def moved_to_today(move, world, klass):
    today = timezone.localdate()
    move(world, klass, start_date=today, end_date=today + dt.timedelta(days=4), report_date=today)


def class_start_timers(process):
    """The process's scheduled timers ending a step when the class begins: the boundary
    of the confirmation, and the second one of the acknowledgement (its first is the
    reminder's)."""
    flow = process.flow_class
    boundaries = [
        node
        for node in flow.instance.nodes()
        if getattr(node, "_attached_to", None) in (flow.confirm, flow.acknowledge)
        and node.name != "acknowledge__timeout"
    ]
    return Task.objects.filter(process=process, flow_task__in=boundaries, status=STATUS.SCHEDULED)


@pytest.mark.parametrize("move", MOVES)
def test_an_unanswered_dispatch_of_a_class_moved_to_today_goes_to_the_registrar(
    move, world, staff, klass, client
):
    dispatch, process = named(client, world, klass, world.cadre_a)
    [timer] = class_start_timers(process)
    assert timer.scheduled == class_start_moment(klass)

    moved_to_today(move, world, klass)
    timer.refresh_from_db()
    klass.refresh_from_db()
    assert timer.scheduled == class_start_moment(klass) <= timezone.now()

    call_command("workflow_timers")  # the sweep of the minute after the move
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NAMED
    assert not Task.objects.filter(
        process=process, flow_task=process.flow_class.confirm, status__in=["NEW", "ASSIGNED"]
    ).exists()
    attendance = open_task(process, "record_attendance")
    client.force_login(world.rita)
    assert client.get(f"/classes/{klass.pk}/attendance/").status_code == 200
    assert attendance.pk in [t.pk for t in open_tasks(world.rita)]
    assert act(client, attendance, {"result": "absent"}).status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ABSENT


@pytest.mark.parametrize("move", MOVES)
def test_an_unacknowledged_notice_of_a_class_moved_earlier_ends_at_its_new_start(
    move, world, staff, klass, client
):
    dispatch, process = named(client, world, klass, world.cadre_a)
    client.force_login(staff.lily)
    assert act(client, open_task(process, "confirm"), {"action": "confirm"}).status_code == 302
    [timer] = class_start_timers(process)
    assert timer.flow_task != process.flow_class.confirm__timeout  # the acknowledgement's

    earlier = klass.start_date - dt.timedelta(days=20)
    end = earlier + dt.timedelta(days=4)
    move(world, klass, start_date=earlier, end_date=end, report_date=earlier)
    timer.refresh_from_db()
    new_start = class_start_moment(TrainingClass.objects.get(pk=klass.pk))
    assert timer.scheduled == new_start

    with time_machine.travel(new_start + dt.timedelta(minutes=1), tick=False):
        call_command("workflow_timers")
    assert open_task(process, "record_attendance")
    assert not process.task_set.filter(
        flow_task=process.flow_class.acknowledge, status__in=["NEW", "ASSIGNED"]
    ).exists()


def test_a_class_moved_later_keeps_the_step_open_until_its_new_start(world, staff, klass, client):
    dispatch, process = named(client, world, klass, world.cadre_a)
    old_start = class_start_moment(klass)
    later = klass.start_date + dt.timedelta(days=10)
    by_service(world, klass, start_date=later, end_date=later + dt.timedelta(days=4))
    [timer] = class_start_timers(process)
    new_start = class_start_moment(TrainingClass.objects.get(pk=klass.pk))
    assert timer.scheduled == new_start

    with time_machine.travel(old_start + dt.timedelta(hours=1), tick=False):
        call_command("workflow_timers")
    assert open_task(process, "confirm")
    with time_machine.travel(new_start + dt.timedelta(hours=1), tick=False):
        call_command("workflow_timers")
    assert open_task(process, "record_attendance")


@pytest.mark.parametrize("move", MOVES)
def test_a_pending_request_of_a_class_moved_earlier_is_due_by_its_new_eve(
    move, world, staff, klass, client
):
    dispatch, process = named(client, world, klass, world.cadre_a)
    assert request(client, staff.lily, process, "leave").status_code == 302
    approval = ApprovalRequest.objects.get(status="pending")
    approval_process = process_of(approval, "ApprovalFlow")
    [reminder] = Task.objects.filter(
        process=approval_process, status=STATUS.SCHEDULED, flow_task__in=timer_nodes()
    )  # the reminder of the head's step (its escalation is armed when it fires)
    old_due = approval.due_at
    old_step_due = ApprovalStep.objects.get(request=approval, stage=1).due_at

    earlier = timezone.localdate() + dt.timedelta(days=4)
    move(
        world,
        klass,
        start_date=earlier,
        end_date=earlier + dt.timedelta(days=4),
        report_date=earlier,
    )
    approval.refresh_from_db()
    eve = class_start_moment(TrainingClass.objects.get(pk=klass.pk)) - dt.timedelta(days=1)
    assert approval.due_at == eve < old_due
    # The head's open step is due by the eve too (its reminder with it); the
    # departments' step, not open yet, will open within the new limit.
    head, org = ApprovalStep.objects.filter(request=approval).order_by("stage")
    assert head.due_at == eve < old_step_due and org.due_at is None
    hours = dt.timedelta(hours=settings.XUNDIAO_REMINDER_BEFORE_HOURS)
    reminder.refresh_from_db()
    assert reminder.scheduled == eve - hours
    event = AuditEvent.objects.get(verb="approval.due_advance", target_id=str(approval.pk))
    assert event.after["due_at"] != event.before["due_at"]
    step_event = AuditEvent.objects.get(
        verb="approval.step.due_advance", target_id=str(approval.pk)
    )
    assert step_event.after["due_at"] != step_event.before["due_at"]
    assert (
        event.note.startswith("班次已调整至") and earlier.strftime("%Y年%-m月%-d日") in event.note
    )

    # Moved later again: the deadline does not go back.
    later = earlier + dt.timedelta(days=30)
    move(world, klass, start_date=later, end_date=later + dt.timedelta(days=4), report_date=later)
    approval.refresh_from_db()
    assert approval.due_at == eve
    head.refresh_from_db()
    assert head.due_at == eve


def timer_nodes():
    flow = ApprovalFlow.instance
    return [node for node in flow.nodes() if getattr(node, "_delay", None) is not None]


def test_a_change_of_anything_else_leaves_the_timers_alone(world, staff, klass, client):
    dispatch, process = named(client, world, klass, world.cadre_a)
    [timer] = class_start_timers(process)
    Task.objects.filter(pk=timer.pk).update(scheduled=timer.scheduled + dt.timedelta(seconds=7))
    by_service(world, klass, location="新校区")
    by_import(world, klass, location="老校区")
    timer.refresh_from_db()
    assert timer.scheduled == class_start_moment(klass) + dt.timedelta(seconds=7)


# -- another institution ------------------------------------------------------------------


@pytest.fixture
def college(world):
    """Another institution of the city, with its registrar, ruth."""
    other = unit("某市行政学院", world.root, kind=UnitKind.INSTITUTION)
    institution = Institution.objects.create(unit=other, kind=InstitutionKind.PARTY_SCHOOL)
    institution.registrar = user("ruth", "registrar", other)
    return institution


def awaiting_attendance(client, world, staff, klass):
    """Cadre A named, confirmed and acknowledged: the registrar's attendance task."""
    process = acknowledged(client, world, staff, klass)
    return process, open_task(process, "record_attendance")


def queue(person):
    return [t.pk for t in held_tasks(person)]


@pytest.mark.parametrize("move", MOVES)
def test_attendance_tasks_follow_the_class_to_its_new_institution(
    move, world, staff, klass, client, college
):
    process, task = awaiting_attendance(client, world, staff, klass)
    assert task.pk in queue(world.rita)
    assert task.pk not in queue(college.registrar)

    move(world, klass, institution=college)
    task.refresh_from_db()
    assert task.owner_permission_obj_pk == str(college.unit.pk)
    assert task.pk not in queue(world.rita)
    assert task.pk in queue(college.registrar)
    client.force_login(world.rita)  # the class is no longer her institution's to see
    assert client.post(task_url(task, "assign")).status_code == 404
    client.force_login(college.registrar)
    assert client.post(task_url(task, "assign")).status_code == 302
    assert client.get(task_url(task, "execute")).status_code == 200


@pytest.mark.parametrize("move", MOVES)
def test_a_claim_of_the_old_registrar_goes_back_to_the_queue(
    move, world, staff, klass, client, college
):
    process, task = awaiting_attendance(client, world, staff, klass)
    client.force_login(world.rita)
    assert client.post(task_url(task, "assign")).status_code == 302
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, world.rita)

    move(world, klass, institution=college)
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.NEW, None)
    assert task.pk not in queue(world.rita)
    assert task.pk in queue(college.registrar)
    event = AuditEvent.objects.get(verb="task.release", target_id=str(task.pk))
    assert event.note == "class_moved"
    assert event.actor.username == ("root" if move is by_admin else world.bob.username)
    assert event.before == {"owner": world.rita.pk, "status": STATUS.ASSIGNED.value}


def test_a_move_that_fails_leaves_the_tasks_as_they_were(world, staff, klass, client, college):
    """The re-scoping is in the class change's transaction: a refused import (one bad
    row) moves neither the class nor its tasks."""
    process, task = awaiting_attendance(client, world, staff, klass)
    good = {
        "number": str(klass.pk),
        "name": klass.name,
        "institution": college.unit.code,
        "organizer": klass.organizer.issuer_code,
        "kind": str(klass.get_kind_display()),
        "start": klass.start_date.isoformat(),
        "end": klass.end_date.isoformat(),
        "report": klass.report_date.isoformat(),
        "location": klass.location,
        "credit_hours": "40",
        "days": "5",
        "quota": "30",
    }
    bad = {**good, "number": "", "name": "另一班", "quota": "x"}
    with pytest.raises(ValidationError):
        commit("classes", world.bob, [good, bad])
    task.refresh_from_db()
    assert task.owner_permission_obj_pk == str(world.school_unit.pk)
    assert TrainingClass.objects.get(pk=klass.pk).institution == world.school


def test_other_classes_and_their_tasks_are_left_alone(world, staff, klass, client, college):
    from tests.factories import training_class

    process, task = awaiting_attendance(client, world, staff, klass)
    other = training_class(world.city_od, world.school, klass.start_date, name="另一班次")
    by_service(world, other, institution=college)
    task.refresh_from_db()
    assert task.owner_permission_obj_pk == str(world.school_unit.pk)
    assert Dispatch.objects.filter(training_class=klass).count() == 1
