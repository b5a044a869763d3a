"""Starting many processes of one flow at once, in set-based writes.

`StartHandle.run()` starts one process through its own activation: per process an
INSERT of the process, a check that it exists, an INSERT of the start task and of the
next task, an INSERT of the link between them, and four savepoints — about ten
statements a process, 10,000 for a roll call of 1,000 cadres.

`start_many` writes the same rows for many processes in five bulk INSERTs: the
processes, their start tasks (done), the tasks of the node that follows the start (new,
with the owner permission and its object that node computes), those tasks' timer
boundaries (scheduled, as Viewflow arms them) and the links between them all. It sends
the same signals (task_started, task_finished, flow_started) per process. It serves a
start whose next node is a human task with no owner of its own and no on-create hook
(e.g. DispatchFlow.start_in_roll_call → confirm), and refuses any other. Viewflow's
pages, activations and timers then treat the processes as if each had been started by
`run()` (tests/workflow/test_bulk_start.py compares the rows and completes the tasks
through Viewflow's own views)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from viewflow.workflow.nodes import StartHandle, View
from viewflow.workflow.nodes.boundary import TimerBoundary
from viewflow.workflow.signals import flow_started, task_finished, task_started
from viewflow.workflow.status import PROCESS, STATUS


def _next_human_node(start_node):
    if not isinstance(start_node, StartHandle):
        raise ValueError(f"{start_node} is not a StartHandle: start it with run().")
    node = start_node._next
    if not isinstance(node, View) or node._on_create is not None or node._owner:
        raise ValueError(
            f"{start_node} is not followed by a plain human task: start it with run()."
        )
    if any(not isinstance(event, TimerBoundary) for event in node._boundary_events):
        raise ValueError(f"{node} has a boundary event other than a timer: start it with run().")
    return node


def _due(boundary, activation):
    """The moment a timer boundary is armed for, as `TimerActivation.activate` reads it."""
    delay = boundary._delay
    if callable(delay):
        delay = delay(activation)
    if isinstance(delay, timedelta):
        delay = timezone.now() + delay
    if not isinstance(delay, datetime):
        raise ValueError(f"Timer delay must be a timedelta or datetime, got {delay!r}")
    return delay


def start_many(start_node, artifacts) -> list:
    """Start one process of `start_node`'s flow per artifact (the process's artifact, as
    the flows' `start_process(activation, artifact)` sets it); return the processes."""
    next_node = _next_human_node(start_node)
    flow_class = start_node.flow_class
    process_class, task_class = flow_class.process_class, flow_class.task_class
    artifacts = list(artifacts)
    if not artifacts:
        return []
    now = timezone.now()
    with transaction.atomic():
        processes = process_class.objects.bulk_create(
            [
                process_class(
                    flow_class=flow_class,
                    status=PROCESS.NEW,
                    created=now,
                    data={},
                    artifact=artifact,
                )
                for artifact in artifacts
            ]
        )
        starts = task_class.objects.bulk_create(
            [
                task_class(
                    process=process,
                    flow_task=start_node,
                    flow_task_type=start_node.task_type,
                    status=STATUS.DONE,
                    created=now,
                    started=now,
                    finished=now,
                    data={},
                )
                for process in processes
            ]
        )
        nexts, timers = [], []
        for process in processes:
            task = task_class(
                process=process,
                flow_task=next_node,
                flow_task_type=next_node.task_type,
                status=STATUS.NEW,
                created=now,
                data={},
            )
            activation = next_node.activation_class(task)
            permission = next_node.calc_owner_permission(activation)
            if permission:
                task.owner_permission = permission
                task.owner_permission_obj = next_node.calc_owner_permission_obj(activation)
            nexts.append(task)
            # The task's timer boundaries, armed as `Node.create` arms them (scheduled).
            timers.append(
                [
                    task_class(
                        process=process,
                        flow_task=boundary,
                        flow_task_type=boundary.task_type,
                        status=STATUS.SCHEDULED,
                        created=now,
                        scheduled=_due(boundary, activation),
                        data={},
                    )
                    for boundary in next_node._boundary_events
                ]
            )
        nexts = task_class.objects.bulk_create(nexts)
        task_class.objects.bulk_create([timer for row in timers for timer in row])
        link = task_class.previous.through
        links = [
            link(from_task_id=n.pk, to_task_id=s.pk) for n, s in zip(nexts, starts, strict=True)
        ]
        links += [
            link(from_task_id=timer.pk, to_task_id=host.pk)
            for host, row in zip(nexts, timers, strict=True)
            for timer in row
        ]
        link.objects.bulk_create(links)
        for process, start in zip(processes, starts, strict=True):
            task_started.send(sender=flow_class, process=process, task=start)
            task_finished.send(sender=flow_class, process=process, task=start)
            flow_started.send(sender=flow_class, process=process, task=start)
    return processes
