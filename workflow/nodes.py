"""Pieces every flow's chart is built from."""

from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.flow import utils as flow_utils

from workflow.runtime import fresh_artifact, holds_added_permission

#: the summary of a task or process: its subject (a dispatch, a request, a circular …)
SUBJECT = "{{ process.artifact }}"


def _call(method_name: str, step: str):
    """A node body that calls the flow's `method_name(activation, step)`."""

    def body(activation):
        return getattr(activation.flow_task.flow_class.instance, method_name)(activation, step)

    body.__name__ = f"{method_name}_{step}"
    return body


def deadline(step: str, *, due_at, then, who=None):
    """The deadline of the human task `step`, as three nodes to unpack into the flow under
    the names ``remind_<step>, <step>_due, escalate_<step>`` (Viewflow copies nodes when
    it builds the flow, so they link by name): remind (the flow's
    `remind(activation, step)`), wait until `due_at(activation)`, then escalate (the
    flow's `escalate(activation, step)`, which checks the step is still open) and go to
    `then`. A misnamed node fails when the flow class is built.

    The task starts the chain with a non-interrupting boundary, so the chart still reads
    top-down: ``.OnTimeout(reminder_at, this.remind_<step>, interrupting=False)``; a flow
    whose reminder waits on a timer of its own points that timer at the first node."""
    escalate = (
        flow.Function(_call("escalate", step))
        .Annotation(title=_("Escalate to the dispatchers"))
        .Next(then)
    )
    wait = (
        flow.Timer(due_at)
        .Annotation(title=_("Wait until due"))
        .Next(getattr(this, f"escalate_{step}"))
    )
    remind = (
        flow.Function(_call("remind", step))
        .Annotation(title=who or _("Remind"))
        .Next(getattr(this, f"{step}_due"))
    )
    return remind, wait, escalate


def holds_task_permission(node, user, task) -> bool:
    """Whether `user` holds `task`'s permission as Viewflow's `View.can_assign` asks it —
    on the object `node` scopes it by for the task's process (`.Permission(..., obj=...)`),
    or without one — or the permission an escalation added to it
    (`runtime.holds_added_permission`). Who owns the task is not asked."""
    if user is None or not user.is_authenticated:
        return False
    if not task.owner_permission:
        return True
    obj = getattr(node, "_owner_permission_obj", None)
    if callable(obj):
        obj = obj(task.process)
    return (
        user.has_perm(task.owner_permission, obj=obj)
        or user.has_perm(task.owner_permission)
        or holds_added_permission(user, task)
    )


def may_hold(user, task) -> bool:
    """May `user`, who owns `task`, still do it (`workflow.claims`: a deputy whose
    delegation ended)? The task's node answers by its own `may_hold(user, task)` when it
    has a rule of its own (an approval step's policy, a recusing step's 回避), else by
    `holds_task_permission`."""
    node = task.flow_task
    own = getattr(node, "may_hold", None)
    if own is not None:
        return own(user, task)
    return holds_task_permission(node, user, task)


class EscalatingView(flow.View):
    """A human step with a deadline whose escalation adds takers and removes none
    (`retarget_open_tasks(..., keep=True)`): past the due moment, the dispatchers may take
    it, and those who could take it still may (a unit's liaison answering late)."""

    def can_assign(self, user, task):
        if super().can_assign(user, task):
            return True
        return task.owner_id is None and user is not None and holds_added_permission(user, task)


class RecusingView(flow.View):
    """A decision step that the maker of its subject may not take, even holding the
    step's permission (回避): `refuse(user, artifact)` raises PermissionDenied with the
    reason when `user` made it (each app's policy: the drafters of a circular or plan,
    the submitter of an answer), and `makers(artifacts)` names the makers of many at once
    (for 我的待办). The step is not offered to them, cannot be executed by them, and its
    claim page answers 403 with the reason."""

    def __init__(self, view, *, refuse, makers=None, **kwargs):
        super().__init__(view, **kwargs)
        self._refuse = refuse
        self._makers = makers

    def recused_among(self, user, tasks) -> set[int]:
        """The ids of `tasks` (open tasks of this step, their processes' artifacts read)
        whose subject `user` made, for 我的待办's mark: from `makers(artifacts)` ({artifact
        id: maker ids}, a fixed number of queries for a page of tasks) when the step has
        it, else asking `refuse` task by task. A deputy of a maker is not marked here; the
        claim page refuses them all the same."""
        if self._makers is None:
            return {task.pk for task in tasks if not self.may_decide(user, task)}
        artifacts = {task.process.artifact_object_id: task.process.artifact for task in tasks}
        makers = self._makers([a for a in artifacts.values() if a is not None])
        return {
            task.pk for task in tasks if user.pk in makers.get(task.process.artifact_object_id, ())
        }

    def may_decide(self, user, task) -> bool:
        """Whether `user` is not recused from `task` (whatever their permission)."""
        try:
            self._refuse(user, fresh_artifact(task.process))
        except PermissionDenied:
            return False
        return True

    def can_assign(self, user, task):
        return super().can_assign(user, task) and self.may_decide(user, task)

    def may_hold(self, user, task) -> bool:
        """The step's permission, and not recused (`workflow.nodes.may_hold`)."""
        return holds_task_permission(self, user, task) and self.may_decide(user, task)

    def can_execute(self, user, task):
        return super().can_execute(user, task) and self.may_decide(user, task)

    def may_claim(self, user, task):
        if super().can_assign(user, task):
            self._refuse(user, fresh_artifact(task.process))  # the 403 says why
        return self.can_assign(user, task)

    @property
    def assign_path(self):
        return path(
            f"<int:process_pk>/{self.name}/<int:task_pk>/assign/",
            flow_utils.wrap_task_view(self, self.assign_view, permission=self.may_claim),
            name="assign",
        )
