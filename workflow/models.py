"""The task model every flow uses: Viewflow's Task with a queue scoped by jurisdiction
(a task is in the queue of users whose grants reach its scope unit)."""

from functools import lru_cache

from django.db.models import Q
from django.template import Context, Template
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.managers import TaskQuerySet
from viewflow.workflow.models import Task

from org.selectors import task_reach
from workflow.runtime import ADDED_PERMISSION, processes_for, subjects_prefetch


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
        """Human tasks of `flow_class` the user may claim or already owns: their grants
        reach the task's scope with its permission, or with the one an escalation added
        to it (`workflow.runtime.ADDED_PERMISSION`)."""
        queryset = self.filter(flow_task_type="HUMAN")
        if flow_class is not None:
            queryset = queryset.filter(process__flow_class=flow_class)
        if user.is_superuser:
            return queryset
        return queryset.filter(Q(owner=user) | with_added_permission(task_reach(user)))


def with_added_permission(condition: Q) -> Q:
    """`condition` (`org.selectors.task_reach`: the task's permission is one the user
    holds on units among which its scope is) with each test of the task's permission
    passed as well by the permission an escalation added to the task (held on the same
    scope): one reach rule for both, and no further subquery."""
    widened = Q(_connector=condition.connector, _negated=condition.negated)
    for child in condition.children:
        if isinstance(child, Q):
            child = with_added_permission(child)
        elif child[0] == "owner_permission" or child[0].startswith("owner_permission__"):
            lookup = child[0].removeprefix("owner_permission")
            child = Q(child) | Q((f"data__{ADDED_PERMISSION}{lookup}", child[1]))
        widened.children.append(child)
    return widened


class ScopedTask(Task):
    objects = ScopedTaskQuerySet.as_manager()

    class Meta:
        proxy = True

    @property
    def brief(self):
        """Viewflow's summary of the task, from the same template in the same order
        (result, summary, description, title), but each template compiled once per
        process rather than once per row of a task list."""
        flow_task = self.flow_task
        if not flow_task:
            return super().brief
        content = (
            (self.finished and flow_task.task_result_template)
            or flow_task.task_summary_template
            or flow_task.task_description
            or flow_task.task_title
            or "{{ flow_task }}/{{ task.get_status_display }}"
        )
        return _compiled(force_str(content)).render(
            Context(
                {
                    "process": self.process.coerced,
                    "task": self.coerced,
                    "flow_class": flow_task.flow_class,
                    "flow_task": flow_task,
                }
            )
        )

    brief.fget.short_description = _("Summary")


@lru_cache(maxsize=512)
def _compiled(content: str) -> Template:
    """A summary template, compiled once (the flows' templates are a fixed handful; a
    translated one is a different string per language)."""
    return Template(content)
