"""Viewflow frontend: the Site mounted at /workflow/. Each flow has its own app (inbox,
queue, processes); every list and page shows only what the user's jurisdiction reaches."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from viewflow import viewprop
from viewflow.urls import Application, ReadonlyModelViewset, Site
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow.views import (
    DashboardProcessListView,
    DashboardTaskListView,
    DashboardView,
    FlowArchiveListView,
    FlowChartView,
    FlowInboxListView,
    FlowQueueListView,
)
from viewflow.workflow.models import Process

from approvals.flows import ApprovalFlow
from approvals.workflow import processes_for, subjects_prefetch

from . import selectors
from .flows import (
    CircularFlow,
    DispatchFlow,
    FilingFlow,
    MakeupFlow,
    NominationFlow,
    RecognitionFlow,
    RollCallFlow,
)
from .models import TrainingClass


def _reaches_anything(user) -> bool:
    return user.is_authenticated and (user.is_superuser or selectors.units_in_reach(user).exists())


class TrainingClassViewset(ReadonlyModelViewset):
    model = TrainingClass
    title = _("Training classes")
    icon = "school"
    list_columns = ("name", "institution", "start_date", "end_date", "quota")

    def get_queryset(self, request):
        return selectors.class_list(request.user)

    def has_view_permission(self, user, obj=None):
        if obj is not None:
            return selectors.classes_in_reach(user).filter(pk=obj.pk).exists()
        return _reaches_anything(user)


class DispatchApplication(Application):
    title = _("Training classes")
    app_name = "catalog"
    icon = "school"
    viewsets = [TrainingClassViewset()]

    def has_view_permission(self, user, obj=None):
        return _reaches_anything(user)


class ScopedProcessListView(DashboardProcessListView):
    """Only processes whose subject the user may see."""

    def get_queryset(self):
        visible = processes_for(self.flow_class, self.request.user)
        queryset = super().get_queryset().filter(pk__in=visible.values("pk"))
        prefetch = subjects_prefetch([self.flow_class])
        if prefetch is not None:
            queryset = queryset.prefetch_related(prefetch)
        return queryset.order_by("-created", "-pk")


class SubjectsMixin:
    """Task lists load every row's subject in one query, not one per row. (After the
    filters: they read distinct values off the same queryset.)"""

    def get_queryset(self):
        return super().get_queryset().with_subjects([self.flow_class])


class ScopedTaskListView(SubjectsMixin, DashboardTaskListView):
    """Only tasks of processes whose subject the user may see."""

    @viewprop
    def queryset(self):
        visible = processes_for(self.flow_class, self.request.user)
        return self.model._default_manager.filter(
            process__flow_class=self.flow_class, process__in=visible
        ).select_related("process")


class ScopedDashboardView(DashboardView):
    """The flow's kanban board; its cards load their subjects in one query per column."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for column in context["columns"]:
            column["tasks"] = column["tasks"].with_subjects([self.flow_class])
        context["finished"] = context["finished"].with_subjects([self.flow_class])
        return context


class InboxView(SubjectsMixin, FlowInboxListView):
    pass


class QueueView(SubjectsMixin, FlowQueueListView):
    pass


class ArchiveView(SubjectsMixin, FlowArchiveListView):
    pass


class ScopedChartView(FlowChartView):
    """The flow's chart is public to users of the flow; a process's progress is not."""

    def dispatch(self, request, *args, **kwargs):
        process_pk = kwargs.get("process_pk")
        if process_pk is not None:
            process = Process.objects.filter(pk=process_pk, flow_class=self.flow_class).first()
            if process is None or not self.flow_class.instance.has_view_permission(
                request.user, process
            ):
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ScopedFlowAppViewset(FlowAppViewset):
    """Every list and page shows only what the user's jurisdiction reaches."""

    dashboard_view_class = ScopedDashboardView
    process_list_view_class = ScopedProcessListView
    task_list_view_class = ScopedTaskListView
    inbox_view_class = InboxView
    queue_view_class = QueueView
    archive_view_class = ArchiveView
    chart_view_class = ScopedChartView

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated and self._flow_class.instance.has_view_permission(user, obj)

    def get_success_url(self, request):
        """After a task, go where Viewflow would — unless that is a process page the user
        may not see (a trainee after 签收): then home."""
        url = super().get_success_url(request)
        activation = getattr(request, "activation", None)
        if (
            activation is not None
            and activation.process.pk
            and not self._flow_class.instance.has_view_permission(request.user, activation.process)
        ):
            return "/"
        return url


site = Site(
    title=_("Xundiao"),
    viewsets=[
        DispatchApplication(),
        ScopedFlowAppViewset(RollCallFlow, icon="campaign"),
        ScopedFlowAppViewset(NominationFlow, icon="how_to_reg"),
        ScopedFlowAppViewset(DispatchFlow, icon="assignment_ind"),
        ScopedFlowAppViewset(ApprovalFlow, icon="gavel"),
        ScopedFlowAppViewset(FilingFlow, icon="inventory"),
        ScopedFlowAppViewset(MakeupFlow, icon="replay"),
        ScopedFlowAppViewset(RecognitionFlow, icon="verified"),
        ScopedFlowAppViewset(CircularFlow, icon="campaign"),
    ],
)
