"""The task model every flow uses: Viewflow's Task with a queue scoped by jurisdiction
(a task is in the queue of users whose grants reach its scope unit)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.managers import TaskQuerySet
from viewflow.workflow.models import Task

from org.selectors import task_reach
from workflow.runtime import processes_for, subjects_prefetch


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
        return queryset.filter(Q(owner=user) | task_reach(user))


class ScopedTask(Task):
    objects = ScopedTaskQuerySet.as_manager()

    class Meta:
        proxy = True

    @property
    def brief(self):
        return super().brief

    brief.fget.short_description = _("Summary")
