"""我的待办: every open task of every flow that the user holds or may take, in one list.

Viewflow's own inbox and queue are per flow (a dozen pages); people want one list with
one button per task. Assigned tasks link straight to their form; tasks in the user's
queue link to the claim page, whose "认领并继续" goes on to the form.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Min, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.fields import get_flow_ref
from viewflow.workflow.status import STATUS

from core import exports, statements
from core.deadlines import close_of_business
from core.exports import CHUNK_SIZE
from org.selectors import reach_key
from workflow import dues, registry
from workflow import exports as workflow_exports
from workflow.models import ScopedTask
from workflow.runtime import first_moment


def flow_classes() -> list:
    """The flows of the /workflow/ site, in menu order."""
    return registry.flow_classes()


def held_tasks(user):
    """Tasks assigned to the user, and tasks the user may claim (their jurisdiction
    reaches the task's scope), across every flow."""
    return (
        ScopedTask.objects.user_queue(user)
        .filter(process__flow_class__in=flow_classes())
        .filter(Q(status=STATUS.ASSIGNED, owner=user) | Q(status=STATUS.NEW))
    )


def listed(today=None) -> Q:
    """Tasks that can be done by `today` (a task listed from a later day,
    `workflow.runtime.list_from`, is not yet): a statement compiled once
    (`core.statements`) holds for the day it was compiled on."""
    tomorrow = (today or timezone.localdate()) + dt.timedelta(days=1)
    return Q(scheduled__isnull=True) | Q(scheduled__lt=first_moment(tomorrow))


def open_tasks(user):
    """Tasks assigned to the user and tasks the user may claim, that can be done today:
    the soonest due first (`workflow.dues`; those with no deadline last), then the user's
    own before those to claim, the oldest first. One query, plus one per kind of subject
    when the rows are read."""
    tasks = held_tasks(user).filter(listed())
    return _as_listed(tasks).order_by(
        F("due").asc(nulls_last=True),
        "status",  # ASSIGNED before NEW
        "created",
        "pk",
    )


def later_tasks(user) -> dict:
    """How many of the user's tasks are not listed yet, and from when the first one is:
    {"count": n, "first": moment or None}. One query."""
    later = held_tasks(user).exclude(listed())
    return later.aggregate(count=Count("pk"), first=Min("scheduled"))


def _as_listed(tasks, steps=None):
    """Tasks loaded as the lists show them: with their process, subject and deadline;
    with `steps` (the references of steps, as `Task.flow_task` stores them), tasks of
    those steps only, loaded by what those steps need (a branch of the deadline's
    expression per step, not one per step of every flow)."""
    classes = flow_classes()
    if steps is not None:
        # a step's reference is its flow's and its own name: "app/flows.FlowName.node"
        used = {step.rpartition(".")[0] for step in steps}
        classes = [flow_class for flow_class in classes if get_flow_ref(flow_class) in used]
    return (
        tasks.select_related("process")
        .with_subjects(classes)
        .annotate(**dues.due_annotations(classes, steps))
    )


def overdue(now=None) -> Q:
    """Tasks (as `_as_listed` reads them) whose deadline has passed: a moment before now,
    a day before today (a makeup due on the 8th is overdue from the 9th). `is_overdue`
    reads the same of a task loaded (an annotation would repeat the deadline's whole
    expression in the statement, twice)."""
    now = now or timezone.now()
    return Q(due_is_day=False, due__lt=now) | Q(due_is_day=True, due__lt=_day_ends(now))


def on_time(now=None) -> Q:
    """The others: no deadline, or one not passed (`overdue`'s complement, spelled out:
    a negated test of a deadline that may be NULL would drop those without one)."""
    now = now or timezone.now()
    return (
        Q(due__isnull=True)
        | Q(due_is_day=False, due__gte=now)
        | Q(due_is_day=True, due__gte=_day_ends(now))
    )


def _day_ends(now):
    return close_of_business(timezone.localdate(now))


def is_overdue(task, now=None) -> bool:
    """`overdue`, of a task `_as_listed` loaded."""
    if task.due is None:
        return False
    now = now or timezone.now()
    return task.due < (_day_ends(now) if task.due_is_day else now)


@dataclass
class TaskRow:
    task: Any
    flow_title: str
    title: str
    subject: str
    due: Any
    mine: bool
    url: str
    #: a step the user may not take for having made its subject (回避): listed, marked,
    #: linked to its detail page instead of the claim page
    recused: bool = False
    #: its deadline has passed (`overdue`; marked 已逾期)
    overdue: bool = False


def _due(task):
    """The deadline a row shows: the moment the task is due by, or the day
    (`workflow.dues`); None when it has none."""
    if task.due is None:
        return None
    return timezone.localdate(task.due) if task.due_is_day else task.due


@dataclass
class TodoRow:
    """A to-do that is no flow's task (`registry.TodoSource`): always the user's own."""

    title: str
    subject: str
    flow_title: str
    due: Any
    url: str
    mine: bool = True
    task: Any = None
    overdue: bool = False


#: the most other to-dos listed above the tasks on /tasks/
TODO_LIMIT = 50
#: the lists of /tasks/ (`?show=`) that the other to-dos stand in: they are the user's
#: own, and have no deadline
TODO_SHOWN = ("", "mine")


def todos(user, limit: int) -> tuple[int, list[TodoRow]]:
    """How many to-dos the registered sources hold for the user, and the first `limit`."""
    count, found = 0, []
    for source in registry.todo_sources():
        n = source.count(user)
        count += n
        if n and len(found) < limit:
            found.extend(source.rows(user, limit - len(found)))
    return count, found


def recused_ids(tasks, user) -> set[int]:
    """The tasks the user is recused from (回避): asked once per step for the page's tasks,
    of every step that can say (`recused_among(user, tasks)`: workflow.nodes.RecusingView,
    the approval flow's decision steps)."""
    by_step: dict = {}
    for task in tasks:
        if hasattr(task.flow_task, "recused_among"):
            by_step.setdefault(task.flow_task, []).append(task)
    return {pk for step, mine in by_step.items() for pk in step.recused_among(user, mine)}


def rows(tasks, user) -> list[TaskRow]:
    result = []
    tasks = list(tasks)
    recused = recused_ids(tasks, user)
    now = timezone.now()
    for task in tasks:
        flow_task = task.flow_task
        mine = task.status == STATUS.ASSIGNED and task.owner_id == user.pk
        action = "execute" if mine else "assign"
        if task.pk in recused:
            action = "detail"
        result.append(
            TaskRow(
                task=task,
                flow_title=str(flow_task.flow_class.process_title),
                title=str(task.title),
                subject=str(task.brief or task.process.brief or ""),
                due=_due(task),
                mine=mine,
                url=flow_task.reverse(action, args=[task.process_id, task.pk]),
                recused=task.pk in recused,
                overdue=is_overdue(task, now),
            )
        )
    return result


def summary(user, limit: int = 10) -> dict:
    """For the home page: the first `limit` rows and how many there are of each kind.

    The counts and the first ids come from `open_tasks`' statements compiled once per
    reach (`core.statements`: building and compiling the jurisdiction filter cost more
    than running it); the rows are then read by id, with their subjects."""
    key = ("my-tasks", timezone.localdate(), *reach_key(user))
    counts = dict(
        statements.rows(
            (*key, "counts"),
            lambda: (
                held_tasks(user)
                .filter(listed())
                .order_by()
                .values_list("status")
                .annotate(n=Count("pk"))
            ),
        )
    )
    assigned, queue = counts.get(STATUS.ASSIGNED, 0), counts.get(STATUS.NEW, 0)
    other_count, others = todos(user, limit)
    mine = assigned + other_count
    total = mine + queue
    room = limit - len(others)
    task_rows = []
    if room > 0 and assigned + queue:
        first = statements.rows(
            (*key, "first", room),
            lambda: open_tasks(user).values_list("pk", "flow_task")[:room],
        )
        # The steps come back as their references (a statement's rows are not converted).
        steps = {ref for _pk, ref in first}
        task_rows = rows(tasks_by_ids([pk for pk, _ref in first], steps), user)
    return {
        "rows": [*others, *task_rows],
        "mine": mine,
        "queue": queue,
        "total": total,
        "more": total > limit,
    }


def tasks_by_ids(ids: list, steps=None) -> list:
    """The tasks of `ids`, in that order, loaded as `open_tasks` loads them; `steps`, when
    given, holds the references of the steps of them all (they are loaded by what those
    steps need)."""
    if not ids:
        return []
    # In no order of the database's: put in the order of `ids` below.
    tasks = ScopedTask.objects.filter(pk__in=ids).order_by()
    found = _as_listed(tasks, steps).in_bulk()
    return [found[pk] for pk in ids if pk in found]


def shown_tasks(user, show: str | None):
    """The open tasks /tasks/ lists for `?show=`: "mine" (assigned to the user), "queue"
    (waiting to be claimed), "overdue" (past their deadline), or else all; and the `show`
    it took ("" for all)."""
    tasks = open_tasks(user)
    if show == "mine":
        return tasks.filter(status=STATUS.ASSIGNED, owner=user), show
    if show == "queue":
        return tasks.filter(status=STATUS.NEW), show
    if show == "overdue":
        return tasks.filter(overdue()), show
    return tasks, ""


def all_rows(user, tasks, show: str):
    """Every row of the list, not a page of it (the download): the other to-dos the first
    page shows above the tasks, then the tasks, read `CHUNK_SIZE` at a time with their
    subjects and made rows a chunk at a time — a few queries per chunk, however long."""
    if show in TODO_SHOWN:
        yield from todos(user, TODO_LIMIT)[1]
    chunk = []
    for task in tasks.iterator(chunk_size=CHUNK_SIZE):
        chunk.append(task)
        if len(chunk) == CHUNK_SIZE:
            yield from rows(chunk, user)
            chunk = []
    yield from rows(chunk, user)


@login_required
def task_list(request):
    """/tasks/: the whole list, 50 a page; ?show=mine, queue or overdue narrows it;
    ?format=xlsx or csv downloads it whole."""
    tasks, show = shown_tasks(request.user, request.GET.get("show"))
    if exports.requested_format(request):
        return exports.export_response(
            request,
            all_rows(request.user, tasks, show),
            workflow_exports.MY_TASKS,
            _("My tasks"),
            "my-tasks",
        )
    page = Paginator(tasks, 50).get_page(request.GET.get("page"))
    others = []
    if show in TODO_SHOWN and page.number == 1:
        # The user's own to-dos that are no flow's task, above the first page of tasks.
        others = todos(request.user, TODO_LIMIT)[1]
    return render(
        request,
        "workflow/task_list.html",
        {
            "page": page,
            "rows": [*others, *rows(page.object_list, request.user)],
            "show": show,
            "later": later_tasks(request.user) if show in ("", "queue") else None,
        },
    )
