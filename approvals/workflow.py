"""Viewflow plumbing shared by every flow of the project.

Tasks carry a permission and a scope object (a unit); a task is in a user's queue when
the user's jurisdiction reaches that scope. Which scopes a user reaches is the domain's
business, so it is looked up through `settings.XUNDIAO_TASK_REACH`, a function that
returns a Q over the task's `owner_permission` / `owner_permission_obj_pk` columns.
"""

from functools import update_wrapper

from django.conf import settings
from django.contrib import messages
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.urls import URLPattern
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from viewflow.workflow import lock
from viewflow.workflow.managers import TaskQuerySet
from viewflow.workflow.models import Process, Task


def _task_reach(user) -> Q:
    return import_string(settings.XUNDIAO_TASK_REACH)(user)


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


class ScopedTaskQuerySet(TaskQuerySet):
    def with_subjects(self, flow_classes):
        prefetch = subjects_prefetch(flow_classes, lookup="process__artifact")
        return self if prefetch is None else self.prefetch_related(prefetch)

    def filter_available(self, flow_classes, user):
        """Tasks of the flows the user may use — and only of processes they may see
        (Viewflow's dashboards list every open task otherwise)."""
        queryset = super().filter_available(flow_classes, user)
        if user.is_superuser:
            return queryset
        visible = Q(owner=user)
        for flow_class in flow_classes:
            if hasattr(flow_class.instance, "visible_artifacts"):
                visible |= Q(process__in=processes_for(flow_class, user))
        return queryset.filter(visible)

    def user_queue(self, user, flow_class=None):
        """Human tasks of `flow_class` the user may claim or already owns."""
        queryset = self.filter(flow_task_type="HUMAN")
        if flow_class is not None:
            queryset = queryset.filter(process__flow_class=flow_class)
        if user.is_superuser:
            return queryset
        return queryset.filter(Q(owner=user) | _task_reach(user))


class ScopedTask(Task):
    objects = ScopedTaskQuerySet.as_manager()

    class Meta:
        proxy = True

    @property
    def brief(self):
        return super().brief

    brief.fget.short_description = _("Summary")


class ScopedFlowMixin:
    """Mixin for every flow: scoped task queue, row locks for parallel branches, process pages
    visible only within the jurisdiction of the process's scope."""

    task_class = ScopedTask
    lock_impl = lock.select_for_update_lock

    #: permission that lets a user read a process of this flow, on its scope
    view_permission = "dispatch.read_scope"
    #: permission that lets a user reassign the process's tasks, on its scope
    manage_permission = "dispatch.issue_dispatch"

    def scope_of(self, process: Process):
        """The unit whose jurisdiction the process belongs to."""
        raise NotImplementedError

    def _scoped(self, user, permission, obj) -> bool:
        if not user.is_authenticated:
            return False
        if user.is_superuser:
            return True
        if obj is None:
            return True  # list pages filter their rows themselves
        scope = self.scope_of(obj)
        return scope is not None and user.has_perm(permission, scope)

    def has_view_permission(self, user, obj=None):
        return self._scoped(user, self.view_permission, obj)

    def has_manage_permission(self, user, obj=None):
        # Viewflow's manage actions (cancel, undo, revive a process or task) change flow
        # state without the domain services, so only administrators hold them. Business
        # cancellations and reassignments have their own audited pages.
        return user.is_authenticated and user.is_superuser

    def _get_urls(self):
        # Every human task's claim / unclaim / execute page answers "already handled"
        # for a task someone finished (or the flow cancelled) instead of Viewflow's 403.
        from viewflow.workflow.flow import View as ViewNode

        for node in self.nodes():
            if isinstance(node, ViewNode) and node._urls_cache is None:
                node._urls_cache = [guard_handled_task(node, entry) for entry in node._get_urls()]
        return super()._get_urls()


#: task pages that act on a task, and so make no sense once it is finished
TASK_ACTIONS = ("assign", "unassign", "execute")


def guard_handled_task(node, entry):
    """Wrap a task action's URL so that a finished task redirects with a message."""
    if not isinstance(entry, URLPattern) or entry.name not in TASK_ACTIONS:
        return entry
    view = entry.callback

    def guarded(request, *args, **kwargs):
        response = handled_task_redirect(request, node, kwargs.get("task_pk"))
        if response is not None:
            return response
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            # Finished by someone else while this request waited for the process lock?
            response = handled_task_redirect(request, node, kwargs.get("task_pk"))
            if response is None:
                raise
            return response

    update_wrapper(guarded, view)
    return URLPattern(entry.pattern, guarded, entry.default_args, entry.name)


def handled_task_redirect(request, node, task_pk):
    """For a finished (done or cancelled) task: a redirect to its page — or home, when
    the user may not see the process — with a message saying it has been handled. None
    when the task is still open, or the user never had anything to do with it (outsiders
    are refused as before)."""
    from viewflow.workflow.status import STATUS

    user = request.user
    if task_pk is None or not user.is_authenticated:
        return None
    task = (
        node.flow_class.task_class._default_manager.filter(pk=task_pk, flow_task=node)
        .select_related("process")
        .first()
    )
    if task is None or task.status not in (STATUS.DONE, STATUS.CANCELED):
        return None
    visible = node.flow_class.instance.has_view_permission(user, task.process)
    if not (visible or task.owner_id == user.pk or _might_have_taken(user, task)):
        return None
    if task.status == STATUS.DONE and task.owner_id == user.pk:
        messages.info(request, _("You have already handled this item."))
    else:
        messages.info(request, _("This item has already been handled by someone else."))
    url = node.reverse("detail", args=[task.process_id, task.pk]) if visible else "/"
    return HttpResponseRedirect(url)


def _might_have_taken(user, task) -> bool:
    if not task.owner_permission:
        return False
    return user.has_perm(task.owner_permission, task.owner_permission_obj)


def retarget_open_tasks(process, flow_task, *, permission: str, scope) -> int:
    """Hand a process's open task to whoever holds `permission` on `scope` (escalation).
    A task someone already claimed stays with them; a manager can unassign it."""
    from django.contrib.contenttypes.models import ContentType
    from viewflow.workflow.status import STATUS

    return process.task_set.filter(flow_task=flow_task, status=STATUS.NEW).update(
        owner_permission=permission,
        owner_permission_content_type=ContentType.objects.get_for_model(scope),
        owner_permission_obj_pk=str(scope.pk),
    )


def cancel_process(process) -> None:
    """Cancel every open task of the process and the process itself (nothing deleted)."""
    from django.utils import timezone
    from viewflow.workflow.status import PROCESS, STATUS

    for task in process.task_set.exclude(status__in=[STATUS.DONE, STATUS.CANCELED]):
        task.status = STATUS.CANCELED
        task.finished = timezone.now()
        task.save()
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
