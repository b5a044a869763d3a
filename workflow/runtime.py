"""Driving flows from code: start, complete, cancel and look up processes and tasks,
as the views would (used by services, receivers, the demo seed and benchmarks)."""

from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from viewflow.workflow.models import Process


def subjects_prefetch(flow_classes, lookup="artifact"):
    """A prefetch of each row's subject, as the flows want it loaded (`artifact_queryset`:
    what its summary and its task permissions read), so a list page does not load each
    row's subject by itself. None when no flow says."""
    querysets = [
        flow_class.instance.artifact_queryset()
        for flow_class in flow_classes
        if hasattr(flow_class.instance, "artifact_queryset")
    ]
    return GenericPrefetch(lookup, querysets) if querysets else None


#: The keys of a task's `data` naming a permission, and the unit it is held on, whose
#: holders may take the task as well as the holders of its own permission on its own
#: scope: an escalation that adds takers and removes none (`retarget_open_tasks(...,
#: keep=True)`). The queue reads them (`workflow.models.ScopedTaskQuerySet.user_queue`)
#: by the same reach rule, and so do the steps (`workflow.nodes.EscalatingView`). A task
#: marked before the scope was kept names only the permission: its own scope then.
ADDED_PERMISSION = "added_permission"
ADDED_SCOPE = "added_scope"


def retarget_open_tasks(process, flow_task, *, permission: str, scope, keep: bool = False) -> int:
    """Hand a process's open task to whoever holds `permission` on `scope` (escalation).
    A task someone already claimed stays with them; a manager can unassign it.

    With `keep`, the task is not taken from anyone: those who could take it still may,
    and the holders of `permission` on `scope` (of the same kind as the task's own scope,
    a unit) may as well — the unit's liaison can still answer late while the dispatchers
    chase it. A claimed task is marked too, for when it is unassigned."""
    from django.contrib.contenttypes.models import ContentType
    from viewflow.workflow.status import STATUS

    content_type = ContentType.objects.get_for_model(scope)
    if not keep:
        return process.task_set.filter(flow_task=flow_task, status=STATUS.NEW).update(
            owner_permission=permission,
            owner_permission_content_type=content_type,
            owner_permission_obj_pk=str(scope.pk),
        )
    tasks = list(
        process.task_set.filter(flow_task=flow_task, status__in=[STATUS.NEW, STATUS.ASSIGNED])
    )
    for task in tasks:
        if task.owner_permission_content_type_id != content_type.pk:
            raise ValueError("an added permission is held on a scope of the task's own kind")
        task.data = {**(task.data or {}), ADDED_PERMISSION: permission, ADDED_SCOPE: str(scope.pk)}
        task.save(update_fields=["data"])
    return len(tasks)


def rearm_timers(processes, flow_task, moment) -> int:
    """Move the timer of `flow_task` still to fire in each of `processes` (a query) to
    `moment`: what its delay computed when the timer was armed has changed since (a
    dispatch's class moved to other dates). A moment already past is due: the next sweep
    (`manage.py workflow_timers`, each minute) fires it. One UPDATE, without the
    processes' locks: a timer firing meanwhile is no longer scheduled, and left alone."""
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    return Task.objects.filter(
        process__in=processes, flow_task=flow_task, status=STATUS.SCHEDULED
    ).update(scheduled=moment)


def list_from(task, day) -> None:
    """The human `task` can be done from `day` on: 我的待办 lists it from then
    (`workflow.mytasks.open_tasks`), not while it cannot be done yet. Kept in Viewflow's
    `scheduled` (the day's first moment), which only timers read otherwise."""
    task.scheduled = first_moment(day)
    task.save(update_fields=["scheduled"])


def relist_open_tasks(processes, flow_task, day) -> int:
    """The open tasks of `flow_task` in `processes` (a query), new or claimed, can be
    done from `day` on (`list_from`): what it was computed from has changed (a class moved
    to other dates). One UPDATE."""
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    return Task.objects.filter(
        process__in=processes, flow_task=flow_task, status__in=[STATUS.NEW, STATUS.ASSIGNED]
    ).update(scheduled=first_moment(day))


def first_moment(day):
    """00:00 of `day`, local time."""
    import datetime as dt

    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def rescope_open_tasks(processes, flow_task, *, scope) -> int:
    """The open tasks of `flow_task` in `processes` (a query), new or claimed, are taken
    on `scope` from now on — their node computes it from their subject, which has moved
    (a class to another institution) — with the permission they ask: the queue
    (我的待办) follows. Unlike `retarget_open_tasks`, the node's own rule, not an
    escalation; whether the owner of a claimed one may still hold it is the caller's
    question (`workflow.nodes.may_hold`, `workflow.claims`)."""
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    return Task.objects.filter(
        process__in=processes, flow_task=flow_task, status__in=[STATUS.NEW, STATUS.ASSIGNED]
    ).update(
        owner_permission_content_type=ContentType.objects.get_for_model(scope),
        owner_permission_obj_pk=str(scope.pk),
    )


def holds_added_permission(user, task) -> bool:
    """Whether `user` may take `task` by the permission an escalation added to it."""
    data = task.data or {}
    permission = data.get(ADDED_PERMISSION)
    if not permission or not task.owner_permission_content_type_id or not user.is_authenticated:
        return False
    scope_pk = data.get(ADDED_SCOPE) or task.owner_permission_obj_pk
    scope = task.owner_permission_content_type.model_class()._default_manager.filter(pk=scope_pk)
    scope = scope.first()
    return scope is not None and user.has_perm(permission, scope)


def cancel_open_tasks(process, flow_task=None) -> int:
    """Cancel the process's open tasks (of `flow_task` only, if given): nothing deleted.
    Returns how many."""
    from django.utils import timezone
    from viewflow.workflow.status import STATUS

    tasks = process.task_set.exclude(status__in=[STATUS.DONE, STATUS.CANCELED])
    if flow_task is not None:
        tasks = tasks.filter(flow_task=flow_task)
    count = 0
    for task in tasks:
        task.status = STATUS.CANCELED
        task.finished = timezone.now()
        task.save()
        count += 1
    return count


def cancel_process(process) -> None:
    """Cancel every open task of the process and the process itself (nothing deleted)."""
    from django.utils import timezone
    from viewflow.workflow.status import PROCESS

    cancel_open_tasks(process)
    process.status = PROCESS.CANCELED
    process.finished = timezone.now()
    process.save()


def processes_for(flow_class, user):
    """Processes of `flow_class` whose artifact the user may see (`visible_artifacts`)."""
    from django.contrib.contenttypes.models import ContentType

    queryset = Process.objects.filter(flow_class=flow_class)
    if user.is_superuser:
        return queryset
    artifacts = flow_class.instance.visible_artifacts(user)
    return queryset.filter(
        artifact_content_type=ContentType.objects.get_for_model(artifacts.model),
        artifact_object_id__in=artifacts.values("pk"),
    )


def fresh_artifact(process):
    """The process's artifact as it is now in the database. Services lock and re-read
    rows, so the copy cached on the process can be a step behind."""
    if process.artifact_object_id is None:
        return None
    return process.artifact_content_type.get_object_for_this_type(pk=process.artifact_object_id)


def complete_task(task, user, perform):
    """Claim and complete a human task in code, as its view would: `perform()` runs the
    task's service, then the flow moves on. Used by the demo seed and benchmarks."""
    from django.db import transaction
    from viewflow.workflow.status import STATUS

    flow_class = task.flow_task.flow_class
    with flow_class.lock(task.process_id), transaction.atomic():
        task.refresh_from_db()
        activation = task.flow_task.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(user)
        activation.start(None)
        result = perform()
        activation.execute()
    return result


def open_task(process, node_name):
    from viewflow.workflow.status import STATUS

    return process.task_set.filter(
        flow_task=getattr(process.flow_class, node_name), status__in=[STATUS.NEW, STATUS.ASSIGNED]
    ).first()


class _Caller:
    """The bit of a request a start activation reads: who starts the process."""

    def __init__(self, user):
        self.user = user


def start_process_as(start_node, user, perform):
    """Start a process at a `flow.Start` node in code: `perform()` runs the start view's
    service and returns the artifact the process is about."""
    from django.db import transaction

    with transaction.atomic():
        activation = start_node.activation_class.create(start_node, None, None)
        activation.start(_Caller(user))
        artifact = perform()
        activation.process.artifact = artifact
        activation.execute()
    return artifact


def processes_of(obj, flow_class=None):
    queryset = Process.objects.filter(
        artifact_content_type=ContentType.objects.get_for_model(obj), artifact_object_id=obj.pk
    )
    if flow_class is not None:
        queryset = queryset.filter(flow_class=flow_class)
    return queryset
