"""The mixin every flow uses: scoped task queue, row locks, process pages visible only
within the jurisdiction of the process's scope, and "already handled" answers on
finished tasks."""

from functools import update_wrapper

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import URLPattern
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from org.selectors import units_in_reach
from workflow.locks import process_lock
from workflow.models import ScopedTask
from workflow.runtime import holds_added_permission


class ScopedFlowMixin:
    """Mixin for every flow: scoped task queue, row locks for parallel branches, process
    pages visible only within the jurisdiction of the process's scope.

    A flow declares what its process is about and where it belongs:

    * `artifact_model`: the model of the process's artifact (a Dispatch, a Filing …);
    * `scope_attr`: the dotted path from the artifact to the unit whose jurisdiction the
      process belongs to (``"unit"``, ``"org_department.unit"``);
    * `artifact_related`: what a list page loads with each artifact (`select_related`);
    * `task_dues`: where its steps' deadlines are, per node name (`workflow.dues`), read
      for 我的待办, which lists the most urgent first.

    From these the mixin answers `scope_of`, `visible_artifacts` and `artifact_queryset`;
    a flow overrides one only where its rule differs (a dispatch is also visible to the
    departments that manage the cadre).
    """

    task_class = ScopedTask
    # Viewflow's select_for_update_lock breaks a caller's transaction when nested (see
    # workflow.locks).
    lock_impl = process_lock

    artifact_model = None
    scope_attr: str = "unit"
    artifact_related: tuple[str, ...] = ()
    task_dues: dict = {}

    #: permission that lets a user read a process of this flow, on its scope
    view_permission = "org.read_scope"
    #: permission that lets a user reassign the process's tasks, on its scope
    manage_permission = "org.issue_dispatch"

    def scope_of(self, process: Process):
        """The unit whose jurisdiction the process belongs to."""
        if not process.artifact_object_id:
            return None
        scope = process.artifact
        for name in self.scope_attr.split("."):
            scope = getattr(scope, name)
        return scope

    def artifact_queryset(self):
        """The artifacts as a list page loads them (their summary and task permissions):
        prefetched by key for the rows (`workflow.runtime.subjects_prefetch`), so in no
        order."""
        return self.artifact_model._default_manager.select_related(
            *self.artifact_related
        ).order_by()

    def visible_artifacts(self, user):
        """Artifacts whose scope unit the user's jurisdiction reaches."""
        lookup = self.scope_attr.replace(".", "__") + "__in"
        return self.artifact_model._default_manager.filter(**{lookup: units_in_reach(user)})

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
        # state without the domain services and unaudited: a dispatch cancelled there
        # stays 已点名 with no step left. Nobody holds them, administrators included;
        # business cancellations and reassignments have their own audited pages.
        return False

    def _get_urls(self):
        # Every human task's claim / unclaim / execute page answers "already handled"
        # for a task someone finished (or the flow cancelled) instead of Viewflow's 403;
        # every page of a process out of the user's reach answers 404, as the project's
        # own pages do for objects out of reach (403 stays for someone who takes part).
        from viewflow.workflow.flow import View as ViewNode

        for node in self.nodes():
            if node._urls_cache is None:
                entries = node._get_urls()
                if isinstance(node, ViewNode):
                    entries = [guard_handled_task(node, entry) for entry in entries]
                node._urls_cache = [hide_out_of_reach(self, entry) for entry in entries]
        return [hide_out_of_reach(self, entry) for entry in super()._get_urls()]


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
    the user may not see the process — with a message saying it has been handled (or,
    cancelled, that the step has ended). None
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
    if task.status == STATUS.CANCELED:
        # Nobody did it: the step ended (another department settled the request, the
        # class began, the roll call was cancelled …).
        messages.info(
            request, _("This step has ended: it was settled otherwise, nothing more to do here.")
        )
    elif task.owner_id == user.pk:
        messages.info(request, _("You have already handled this item."))
    else:
        messages.info(request, _("This item has already been handled by someone else."))
    url = node.reverse("detail", args=[task.process_id, task.pk]) if visible else "/"
    return HttpResponseRedirect(url)


def _might_have_taken(user, task) -> bool:
    if not task.owner_permission:
        return False
    return user.has_perm(task.owner_permission, task.owner_permission_obj) or (
        holds_added_permission(user, task)
    )


def hide_out_of_reach(flow, entry):
    """Wrap a process or task page so that Viewflow's refusal (PermissionDenied) becomes
    404 for a process out of the user's reach — one the user may not see and takes no
    part in — and a login redirect for an anonymous visitor. A task page whose task is
    not of the process its URL names answers 404 before anything runs."""
    if not isinstance(entry, URLPattern) or "process_pk" not in str(entry.pattern):
        return entry
    view = entry.callback

    def hidden(request, *args, **kwargs):
        task_pk = kwargs.get("task_pk")
        mismatched = task_pk is not None and request.user.is_authenticated
        if mismatched and not _task_of_process(flow, task_pk, kwargs["process_pk"]):
            # Viewflow finds the task by its own key but locks the process the URL names:
            # a mismatched pair would act on a task outside its process's lock.
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if out_of_reach(flow, request.user, kwargs["process_pk"], kwargs.get("task_pk")):
                raise Http404 from None
            raise

    update_wrapper(hidden, view)
    return URLPattern(entry.pattern, hidden, entry.default_args, entry.name)


def _task_of_process(flow, task_pk, process_pk) -> bool:
    """Whether the task `task_pk` is one of the process `process_pk`'s."""
    return flow.task_class._default_manager.filter(pk=task_pk, process_id=process_pk).exists()


def out_of_reach(flow, user, process_pk, task_pk=None) -> bool:
    """The process (and task) is nothing of the user's: not visible to them, and no task
    of it is theirs or one they might take."""
    process = Process.objects.filter(pk=process_pk, flow_class=type(flow)).first()
    if process is None:
        return True
    if flow.has_view_permission(user, process):
        return False
    tasks = flow.task_class._default_manager.filter(process=process)
    if task_pk is not None:
        tasks = tasks.filter(pk=task_pk)
    return not any(task.owner_id == user.pk or _might_have_taken(user, task) for task in tasks)
