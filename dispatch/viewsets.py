"""Viewflow frontend: the Site mounted at /workflow/. Each flow has its own app (inbox,
queue, processes); every list and page shows only what the user's jurisdiction reaches."""

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from viewflow import viewprop
from viewflow.urls import Application, ReadonlyModelViewset, Site
from viewflow.workflow.flow import FlowAppViewset
from viewflow.workflow.flow.views import (
    DashboardProcessListView,
    DashboardTaskListView,
    FlowChartView,
)
from viewflow.workflow.models import Process

from approvals.flows import ApprovalFlow
from approvals.workflow import processes_for

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


def _with_subjects(queryset, flow_class, lookup="artifact"):
    """Fetch each row's subject (and what its name needs) in one query, not one per row."""
    subjects = getattr(flow_class.instance, "artifact_queryset", None)
    if subjects is None:
        return queryset
    return queryset.prefetch_related(GenericPrefetch(lookup, [subjects()]))


class ScopedProcessListView(DashboardProcessListView):
    """Only processes whose subject the user may see."""

    def get_queryset(self):
        visible = processes_for(self.flow_class, self.request.user)
        queryset = super().get_queryset().filter(pk__in=visible.values("pk"))
        return _with_subjects(
            queryset.order_by("-created", "-pk"), self.flow_class, lookup="artifact"
        )


class ScopedTaskListView(DashboardTaskListView):
    """Only tasks of processes whose subject the user may see."""

    @viewprop
    def queryset(self):
        visible = processes_for(self.flow_class, self.request.user)
        queryset = self.model._default_manager.filter(
            process__flow_class=self.flow_class, process__in=visible
        ).select_related("process")
        return queryset


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

    process_list_view_class = ScopedProcessListView
    task_list_view_class = ScopedTaskListView
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
