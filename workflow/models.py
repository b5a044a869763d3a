"""The task model every flow uses: Viewflow's Task with a queue scoped by jurisdiction
(a task is in the queue of users whose grants reach its scope unit)."""

from functools import lru_cache

from django.db.models import CharField, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.template import Context, Template
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.managers import TaskQuerySet
from viewflow.workflow.models import Task

from org.selectors import task_reach
from workflow.runtime import ADDED_PERMISSION, ADDED_SCOPE, processes_for, subjects_prefetch

#: The names the queue gives the permission and scope an escalation added to a task.
_ADDED = {"owner_permission": "added_perm", "owner_permission_obj_pk": "added_scope_pk"}


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
        reach the task's scope with its permission, or the scope an escalation added to it
        with the permission it added (`workflow.runtime.ADDED_PERMISSION`)."""
        queryset = self.filter(flow_task_type="HUMAN")
        if flow_class is not None:
            queryset = queryset.filter(process__flow_class=flow_class)
        if user.is_superuser:
            return queryset
        # As plain text: a JSON key's own lookups would read the values compared as JSON.
        queryset = queryset.alias(
            added_perm=Cast(KeyTextTransform(ADDED_PERMISSION, "data"), CharField()),
            added_scope_pk=Cast(
                Coalesce(
                    KeyTextTransform(ADDED_SCOPE, "data"),
                    "owner_permission_obj_pk",
                    output_field=CharField(),
                ),
                CharField(),
            ),
        )
        return queryset.filter(Q(owner=user) | with_added_permission(task_reach(user)))


def with_added_permission(condition: Q) -> Q:
    """`condition` (`org.selectors.task_reach`: the task's permission is one the user
    holds on units among which its scope is), each of its tests of a task's permission
    and scope passed as well by the permission and scope an escalation added to the task
    (the aliases `user_queue` makes): one reach rule for both, and no further subquery."""
    if any(not isinstance(child, Q) and _tests_permission(child) for child in condition.children):
        return condition | _on_added(condition)
    widened = Q(_connector=condition.connector, _negated=condition.negated)
    widened.children = [
        with_added_permission(child) if isinstance(child, Q) else child
        for child in condition.children
    ]
    return widened


def _tests_permission(lookup) -> bool:
    return lookup[0].split("__", 1)[0] in _ADDED


def _on_added(condition: Q) -> Q:
    """`condition` asked of the added permission and scope instead of the task's own."""
    renamed = Q(_connector=condition.connector, _negated=condition.negated)
    for child in condition.children:
        if isinstance(child, Q):
            child = _on_added(child)
        elif _tests_permission(child):
            field, _sep, lookup = child[0].partition("__")
            child = (_ADDED[field] + (f"__{lookup}" if lookup else ""), child[1])
        renamed.children.append(child)
    return renamed


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
