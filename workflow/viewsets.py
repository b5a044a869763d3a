"""Viewflow frontend: the Site mounted at /workflow/. Each flow has its own app (inbox,
queue, processes); every list and page shows only what the user's jurisdiction reaches."""

import itertools

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_filters import (
    ChoiceFilter,
    DateRangeFilter,
    FilterSet,
    MultipleChoiceFilter,
    NumberFilter,
)
from viewflow import viewprop
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
from viewflow.workflow.flow.views import filters as flow_filters
from viewflow.workflow.flow.views.actions import (
    BulkAssignTasksActionView,
    BulkUnassignTasksActionView,
)
from viewflow.workflow.models import Process
from viewflow.workflow.status import STATUS

from core import exports
from core.http import positive_int
from workflow import after, mytasks
from workflow import exports as workflow_exports
from workflow.exports import PROCESS_STATUS_CHOICES
from workflow.mixins import hide_out_of_reach
from workflow.runtime import processes_for, subjects_prefetch

# -- lists in words -----------------------------------------------------------------
# Viewflow's list columns and filters name tasks by their node's code name
# ("Head_Review") and processes by attribute names ("Process id"); these say the same
# in the project's catalogue, and a process that is still open reads 进行中, not the
# task status 待认领 that shares Viewflow's msgid "New" (`workflow.exports.PROCESS_STATUS_CHOICES`).


def _task_title_choices(queryset):
    """(flow_task, its title) for the node filter, from the tasks in the list."""
    from viewflow.workflow.fields import get_task_ref

    nodes = queryset.order_by("flow_task").values_list("flow_task", flat=True).distinct()
    return [(get_task_ref(node), str(node.task_title or node.name)) for node in nodes]


class DateFilter(DateRangeFilter):
    """django-filter's date ranges, labelled in the project's catalogue (its own
    Chinese catalogue lacks some of them)."""

    choices = [
        ("today", _("Today")),
        ("yesterday", _("Yesterday")),
        ("week", _("Past 7 days")),
        ("month", _("This month")),
        ("year", _("This year")),
    ]


class NullDateFilter(flow_filters.NullDateRangeFilter):
    choices = DateFilter.choices


class ProcessListFilter(FilterSet):
    status = ChoiceFilter(label=_("Status"), choices=PROCESS_STATUS_CHOICES)
    created = DateFilter(label=_("Started"))
    finished = NullDateFilter(label=_("Finished"))

    class Meta:
        model = Process
        fields = ["status", "created", "finished"]


class TaskListFilter(flow_filters.DashboardTaskListViewFilter):
    status = MultipleChoiceFilter(label=_("Status"), choices=STATUS.choices)
    created = DateFilter(label=_("Created"))
    finished = NullDateFilter(label=_("Finished"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["flow_task"].field.choices = _task_title_choices(self.queryset)
        self.filters["flow_task"].field.label = pgettext_lazy("list column", "Step")


class UserTaskListFilter(flow_filters.FlowUserTaskListFilter):
    # Viewflow's own filter offers every process of the queue in a <select>: 10,000 open
    # tasks made a 2.7 MB page. The process is typed as its number instead.
    process = NumberFilter(field_name="process", label=_("No."))
    created = DateFilter(label=_("Created"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["flow_task"].field.choices = _task_title_choices(self.queryset)
        self.filters["flow_task"].field.label = pgettext_lazy("list column", "Step")


class ArchiveListFilter(flow_filters.FlowArchiveListFilter):
    created = DateFilter(label=_("Created"))
    finished = DateFilter(label=_("Finished"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["flow_task"].field.choices = _task_title_choices(self.queryset)
        self.filters["flow_task"].field.label = pgettext_lazy("list column", "Step")


#: where Viewflow's StoreRequestPathMixin keeps the list last seen
PIN_KEY = "vf-pin-location"


class ExportMixin:
    """`?format=xlsx|csv` on a flow's list: exactly the rows the page's filters,
    ordering and jurisdiction select (the view's own queryset), unpaged, read in chunks
    and streamed by `core.exports`. `exportable` tells the list template to offer it."""

    exportable = True
    export_slug = "tasks"

    def export_columns(self):
        return workflow_exports.task_columns()

    def export_rows(self):
        return self.get_queryset().select_related("owner")

    def paginate_queryset(self, queryset, page_size):
        """A page number that is no page (abc, 0, -1, past the end) shows the nearest page,
        as every other list does (`Paginator.get_page`), not a 404."""
        paginator = self.get_paginator(
            queryset, page_size, orphans=self.get_paginate_orphans(), allow_empty_first_page=True
        )
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_ordering(self):
        """The list's order, ties broken by id: tasks created together share a moment,
        and PostgreSQL may list ties differently in the page's query and the download's
        (or in one page and the next)."""
        ordering = list(super().get_ordering())
        if ordering and not {"pk", "-pk", "id", "-id"}.intersection(
            o for o in ordering if isinstance(o, str)
        ):
            ordering.append("-pk")
        return ordering

    def get_filterset_kwargs(self, filterset_class):
        """The filters bound to the query without the list's own parameters (format,
        page, ordering). Viewflow's 完成时间 filter shows only open rows once the filter
        is bound, so `?format=xlsx` (or `?page=2`) alone would have listed fewer rows
        than the page without a query shows."""
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = kwargs.get("data")
        own = {"format", self.page_kwarg, self.ordering_kwarg}
        if data is not None and own.intersection(data):
            data = data.copy()
            for key in own:
                data.pop(key, None)
            kwargs["data"] = data or None
        return kwargs

    def dispatch(self, request, *args, **kwargs):
        if exports.requested_format(request) is None:
            return super().dispatch(request, *args, **kwargs)
        # Viewflow pins the list last seen, to come back to after a bulk claim: a
        # download is no page to come back to (the claim would end in a file).
        pinned = request.session.get(PIN_KEY)
        response = super().dispatch(request, *args, **kwargs)
        if pinned is None:
            request.session.pop(PIN_KEY, None)
        else:
            request.session[PIN_KEY] = pinned
        return response

    def get(self, request, *args, **kwargs):
        if exports.requested_format(request) is None:
            return super().get(request, *args, **kwargs)
        flow = self.flow_class.instance
        code = type(flow).__name__.removesuffix("Flow").lower()
        return exports.export_response(
            request,
            self.export_rows(),
            self.export_columns(),
            f"{flow.process_title}-{self.title}",
            f"{code}-{self.export_slug}",
        )


class ScopedProcessListView(ExportMixin, DashboardProcessListView):
    """Only processes whose subject the user may see."""

    export_slug = "processes"

    title = _("Process list")
    filterset_class = ProcessListFilter

    def process_id(self, process):
        return super().process_id(process)

    process_id.short_description = _("No.")

    def brief(self, process):
        return process.brief

    brief.short_description = pgettext_lazy("list column", "Subject")

    def active_tasks(self, process):
        return process.active_tasks_count

    active_tasks.short_description = _("Open tasks")

    def get_queryset(self):
        visible = processes_for(self.flow_class, self.request.user)
        queryset = super().get_queryset().filter(pk__in=visible.values("pk"))
        prefetch = subjects_prefetch([self.flow_class])
        if prefetch is not None:
            queryset = queryset.prefetch_related(prefetch)
        return queryset.order_by("-created", "-pk")

    def export_columns(self):
        return workflow_exports.PROCESSES

    def export_rows(self):
        return self.get_queryset()


class SubjectsMixin:
    """Task lists load every row's subject in one query, not one per row. (After the
    filters: they read distinct values off the same queryset.)"""

    def get_queryset(self):
        return super().get_queryset().with_subjects([self.flow_class])


class TaskTitleMixin:
    """The task column shows the node's title; the subject column is named in words."""

    def task_title(self, task):
        return task.title

    task_title.short_description = _("Task")

    def flow_task(self, task):
        return task.title

    flow_task.short_description = pgettext_lazy("list column", "Step")

    def brief(self, task):
        return task.brief

    brief.short_description = pgettext_lazy("list column", "Subject")

    def owner(self, task):
        if task.owner_id is None:
            return ""
        return task.owner.get_full_name() or task.owner.get_username()

    owner.short_description = _("Owner")


class ScopedTaskListView(ExportMixin, TaskTitleMixin, SubjectsMixin, DashboardTaskListView):
    """Only tasks of processes whose subject the user may see."""

    title = _("All tasks")
    filterset_class = TaskListFilter

    def export_columns(self):
        # As the page: the step (环节) and the process's subject.
        return workflow_exports.step_columns(lambda task: task.process.coerced.brief)

    def process_summary(self, task):
        return task.process.coerced.brief

    process_summary.short_description = pgettext_lazy("list column", "Subject")

    @viewprop
    def queryset(self):
        visible = processes_for(self.flow_class, self.request.user)
        return self.model._default_manager.filter(
            process__flow_class=self.flow_class, process__in=visible
        ).select_related("process")


class ScopedDashboardView(DashboardView):
    """The flow's kanban board; its cards load their subjects in one query per column."""

    title = _("Dashboard")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for column in context["columns"]:
            column["tasks"] = column["tasks"].with_subjects([self.flow_class])
        context["finished"] = context["finished"].with_subjects([self.flow_class])
        return context


class InboxView(ExportMixin, TaskTitleMixin, SubjectsMixin, FlowInboxListView):
    title = _("Assigned to me")
    export_slug = "inbox"
    filterset_class = UserTaskListFilter


class QueueView(ExportMixin, TaskTitleMixin, SubjectsMixin, FlowQueueListView):
    """The steps waiting to be claimed; a step the user is recused from (回避: they made
    the request, or it is about them) is marked as 我的待办 marks it — its claim page
    refuses and says who decides (asked once for the page's tasks)."""

    export_slug = "queue"
    filterset_class = UserTaskListFilter

    def get_page_data(self, page):
        tasks = list(page)
        self._recused = mytasks.recused_ids(tasks, self.request.user)
        return super().get_page_data(tasks)

    def task_title(self, task):
        if task.pk in getattr(self, "_recused", ()):
            return format_html("{}（{}）", task.title, workflow_exports.recused_mark())
        return task.title

    task_title.short_description = _("Task")

    def export_columns(self):
        # The download marks the steps the user is recused from as the page does.
        def title(task):
            mark = workflow_exports.recused_mark()
            return f"{task.title}（{mark}）" if task.recused else task.title

        return workflow_exports.task_columns(title=title)

    def export_rows(self):
        """The queue's rows read once, in chunks, each chunk's recusals asked at once."""
        rows = super().export_rows().iterator(chunk_size=exports.CHUNK_SIZE)
        while chunk := list(itertools.islice(rows, exports.CHUNK_SIZE)):
            recused = mytasks.recused_ids(chunk, self.request.user)
            for task in chunk:
                task.recused = task.pk in recused
                yield task


class ArchiveView(ExportMixin, TaskTitleMixin, SubjectsMixin, FlowArchiveListView):
    """The steps the user finished (已办): the step, when, and the process's subject —
    each linked only when the user may see the process (one query for the page), so no
    link of the list ends in a refusal."""

    export_slug = "archive"
    filterset_class = ArchiveListFilter
    # Viewflow's own columns put the subject twice (the task's brief and the process's).
    columns = ("task_id", "flow_task", "created", "finished", "process_summary")

    def export_columns(self):
        # As the page: the step (环节) and the process's subject.
        return workflow_exports.step_columns(lambda task: task.process.brief)

    def get_page_data(self, page):
        tasks = list(page)
        self._visible = set(
            processes_for(self.flow_class, self.request.user)
            .filter(pk__in={task.process_id for task in tasks})
            .values_list("pk", flat=True)
        )
        return super().get_page_data(tasks)

    def task_id(self, task):
        number = f"#{task.process_id}/{task.pk}"
        if task.process_id not in self._visible:
            return number
        return format_html(
            '<a href="{}">{}</a>',
            task.flow_task.reverse("index", args=[task.process_id, task.pk]),
            number,
        )

    task_id.short_description = _("#")

    def process_summary(self, task):
        brief = task.process.brief
        if task.process_id not in self._visible:
            return brief
        url = self.request.resolver_match.flow_viewset.reverse(
            "process_detail", args=[task.process_id]
        )
        return format_html('<a href="{}">{}</a>', url, brief)

    process_summary.short_description = pgettext_lazy("list column", "Subject")


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


class OnlyIdsMixin:
    """Viewflow's bulk claim / unclaim pages put the posted `pk` values straight into
    queries (the list's and the form's): one that is no id ("abc", "1.5", 2**63) was a
    server error. Such a post goes back to the list with a message, nothing done; so
    does the page opened without a selection (Viewflow says "No objects selected" there,
    in English, as a success)."""

    def get(self, request, *args, **kwargs):
        messages.info(request, _("Select the tasks in the list first."))
        return HttpResponseRedirect(self.get_success_url())

    def post(self, request, *args, **kwargs):
        if all(positive_int(pk) for pk in request.POST.getlist("pk")):
            return super().post(request, *args, **kwargs)
        messages.error(request, _("The selection holds something that is no task: choose again."))
        return HttpResponseRedirect(self.get_success_url())


class BulkAssignView(OnlyIdsMixin, BulkAssignTasksActionView):
    pass


class BulkUnassignView(OnlyIdsMixin, BulkUnassignTasksActionView):
    pass


class ScopedFlowAppViewset(FlowAppViewset):
    """Every list and page shows only what the user's jurisdiction reaches."""

    dashboard_view_class = ScopedDashboardView
    process_list_view_class = ScopedProcessListView
    task_list_view_class = ScopedTaskListView
    inbox_view_class = InboxView
    queue_view_class = QueueView
    archive_view_class = ArchiveView
    chart_view_class = ScopedChartView
    tasks_assign_view_class = BulkAssignView
    tasks_unassign_view_class = BulkUnassignView

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated and self._flow_class.instance.has_view_permission(user, obj)

    def _get_urls(self):
        # The process pages (detail, chart, cancel …) answer 404 for a process out of
        # the user's reach, as the task pages do (`workflow.mixins.hide_out_of_reach`).
        flow = self._flow_class.instance
        return [hide_out_of_reach(flow, entry) for entry in super()._get_urls()]

    def get_context_data(self, request):
        """The menu's counts: those of the inbox and queue lists they link to (Viewflow
        counts the queue of processes the user may *see*, so a registrar, who may act
        on a dispatch but not read it, saw 0 beside a list of 2)."""
        manager = self._flow_class.task_class._default_manager
        return {
            "user_inbox": manager.filter(
                process__flow_class=self._flow_class,
                owner=request.user,
                status=STATUS.ASSIGNED,
            ),
            "user_queue": manager.user_queue(request.user, flow_class=self._flow_class).filter(
                status=STATUS.NEW
            ),
        }

    def get_success_url(self, request):
        """After a task or a claim: the form of the user's next task when they chose 继续
        (认领并继续), else the list they came from, else home with 我的待办 — never the
        technical process page (`workflow.after`)."""
        if getattr(request, "activation", None) is None:
            return super().get_success_url(request)
        return after.next_url(request, self._flow_class)
