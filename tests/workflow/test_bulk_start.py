"""Processes started in bulk (workflow/bulk.py) are the processes Viewflow would have
started one by one: the same rows, pages that work, tasks completed through Viewflow's own
views, and the roll call's timers reaching them (issue 14 item 2). The deadline tests in
tests/dispatch/test_deadlines.py run on bulk-started dispatches too: every named roll call
now starts them so."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.models import Process, Task

from audit.models import AuditEvent
from dispatch.flows import DispatchFlow, RollCallFlow
from dispatch.models import Dispatch, DispatchStatus, RollCall
from tests.factories import cadre, training_class
from tests.flowtools import Staff, act, fire_at, open_task, process_of, task_url
from workflow import bulk

VOLATILE = {"id", "created", "started", "finished", "process_id", "artifact_object_id"}


@pytest.fixture
def roll_call(world):
    klass = training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=30), quota=100
    )
    return RollCall.objects.create(
        training_class=klass,
        org_department=world.city_od,
        mode="named",
        response_deadline=timezone.now() + dt.timedelta(days=5),
        created_by=world.bob,
    )


def _dispatch(roll_call, person):
    return Dispatch.objects.create(
        roll_call=roll_call,
        training_class=roll_call.training_class,
        cadre=person,
        unit=person.unit,
        confirm_due=roll_call.response_deadline,
    )


def _rows(process):
    """The process's row and its tasks' rows (without ids and moments), and its links."""
    keep = lambda row: {k: str(v) for k, v in row.items() if k not in VOLATILE}  # noqa: E731
    tasks = Task.objects.filter(process=process).order_by("pk")
    links = Task.previous.through.objects.filter(from_task__process=process)
    return (
        keep(Process.objects.filter(pk=process.pk).values()[0]),
        [keep(row) for row in tasks.values()],
        [(link.from_task.flow_task.name, link.to_task.flow_task.name) for link in links],
    )


def test_a_bulk_start_writes_the_rows_run_writes(world, roll_call):
    one = _dispatch(roll_call, world.cadre_a)
    DispatchFlow.start_in_roll_call.run(dispatch=one)
    many = [_dispatch(roll_call, cadre(f"干部{i}", world.a, world.city_od)) for i in range(3)]
    processes = bulk.start_many(DispatchFlow.start_in_roll_call, many)
    expected = _rows(process_of(one, "DispatchFlow"))
    assert expected[1][1]["owner_permission"] == "org.act_as_liaison"
    for dispatch, process in zip(many, processes, strict=True):
        assert process_of(dispatch, "DispatchFlow") == process
        assert _rows(process) == expected


def test_a_bulk_start_is_a_fixed_number_of_statements(world, roll_call):
    many = [_dispatch(roll_call, cadre(f"干部{i}", world.a, world.city_od)) for i in range(20)]
    for dispatch in many:
        dispatch.unit  # noqa: B018 — as the roll call has them, with their units
    with CaptureQueriesContext(connection) as queries:
        bulk.start_many(DispatchFlow.start_in_roll_call, many)
    assert len(queries) <= 8, [q["sql"][:120] for q in queries.captured_queries]


def test_a_start_that_is_not_followed_by_a_plain_human_task_is_refused():
    with pytest.raises(ValueError):
        bulk.start_many(DispatchFlow.start, [])  # a split follows it
    with pytest.raises(ValueError):
        bulk.start_many(RollCallFlow.start, [])  # a start view, not a handle


def test_bulk_started_tasks_work_through_viewflow_pages_and_timers(world, client):
    """A named roll call through its start page: its dispatches are bulk-started, their
    tasks listed, claimed and completed through Viewflow's own views, and the roll call's
    deadline timer reaches the one left unanswered."""
    staff = Staff(world)
    klass = training_class(world.city_od, world.school, dt.date.today() + dt.timedelta(days=30))
    due = timezone.localtime() + dt.timedelta(days=3)
    other = cadre("钱敏", world.a, world.city_od)
    client.force_login(world.bob)
    response = client.post(
        "/workflow/rollcall/start/",
        {
            "training_class": klass.pk,
            "mode": "named",
            "response_deadline": due.strftime("%Y-%m-%dT%H:%M"),
            "cadres": [world.cadre_a.pk, other.pk],
        },
    )
    assert response.status_code == 302
    answered = process_of(Dispatch.objects.get(cadre=world.cadre_a), "DispatchFlow")
    client.force_login(staff.lily)
    queue = client.get("/workflow/dispatch/queue/").content.decode()
    assert task_url(open_task(answered, "confirm")) in queue
    assert client.get(f"/workflow/dispatch/{answered.pk}/").status_code == 200
    assert act(client, open_task(answered, "confirm"), {"action": "confirm"}).status_code == 302
    assert Dispatch.objects.get(cadre=world.cadre_a).status == DispatchStatus.NOTIFIED

    late = Dispatch.objects.get(cadre=other)
    fire_at(late.confirm_due - dt.timedelta(hours=12))  # the reminder
    fire_at(late.confirm_due + dt.timedelta(hours=1))  # the deadline has passed
    late.refresh_from_db()
    assert late.escalated and late.status == DispatchStatus.NAMED
    escalated = AuditEvent.objects.filter(verb="dispatch.escalate.confirm")
    assert list(escalated.values_list("target_id", flat=True)) == [str(late.pk)]
