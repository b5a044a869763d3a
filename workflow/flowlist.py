"""流程: the flows a person takes part in, with what they may do in each — start one, open
their tasks, read the processes their jurisdiction reaches. Never an empty list of a flow
that is not theirs (Viewflow's /workflow/ opened the first catalogue, and its side menu
listed every flow to everybody)."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from viewflow.workflow.status import STATUS

from org.selectors import grant_roots
from workflow import registry
from workflow.models import ScopedTask
from workflow.runtime import processes_for


@dataclass
class FlowRow:
    title: str
    description: str
    start_urls: list
    open_tasks: int
    handled: int
    visible: bool
    process_list_url: str
    archive_url: str


def start_links(flow_class, user) -> list[tuple[str, str]]:
    """(title, url) of the flow's start pages this user may open (`can_execute`)."""
    from viewflow.workflow import flow

    links = []
    for node in flow_class.instance.nodes():
        if isinstance(node, flow.Start) and node.can_execute(user):
            links.append(
                (str(node.task_title or flow_class.process_title), node.reverse("execute"))
            )
    return links


def acts_in(flow_class, user) -> bool:
    """The user holds, on some unit, the permission of one of the flow's human tasks
    (`.Permission("org.…", obj=…)` of its nodes) or the flow's `manage_permission` (who
    reassigns its tasks) — from the grants remembered for the request."""
    if user.is_superuser:
        return True
    held = {codename for codename, units in grant_roots(user).items() if units}
    manage = getattr(flow_class.instance, "manage_permission", None)
    if isinstance(manage, str) and manage.split(".", 1)[-1] in held:
        return True
    for node in flow_class.instance.nodes():
        permission = getattr(node, "_owner_permission", None)
        # a permission chosen per task is a callable naming the ones it may choose
        choices = (
            (permission,) if isinstance(permission, str) else getattr(permission, "choices", ())
        )
        if any(choice.split(".", 1)[-1] in held for choice in choices):
            return True
    return False


def rows_for(user) -> list[FlowRow]:
    """The flows of the user: those they may start, hold or may take a task of, handled a
    task of, or act in with processes in their reach. Two queries for the tasks, one per
    flow for the processes in reach."""
    flows = registry.flow_classes()
    open_counts = dict(
        ScopedTask.objects.user_queue(user)
        .filter(process__flow_class__in=flows)
        .filter(Q(status=STATUS.ASSIGNED, owner=user) | Q(status=STATUS.NEW))
        .order_by()
        .values_list("process__flow_class")
        .annotate(n=Count("pk"))
    )
    handled_counts = dict(
        ScopedTask.objects.filter(owner=user, status=STATUS.DONE, process__flow_class__in=flows)
        .order_by()
        .values_list("process__flow_class")
        .annotate(n=Count("pk"))
    )
    result = []
    for flow_class in flows:
        starts = start_links(flow_class, user)
        opened = open_counts.get(flow_class, 0)
        handled = handled_counts.get(flow_class, 0)
        # Processes in reach count only for a flow the user acts in: a department head
        # reads a unit's filings and roll calls but has no part in them.
        visible = acts_in(flow_class, user) and processes_for(flow_class, user).exists()
        if not (starts or opened or handled or visible):
            continue
        instance = flow_class.instance
        result.append(
            FlowRow(
                title=str(flow_class.process_title),
                description=str(flow_class.process_description or ""),
                start_urls=starts,
                open_tasks=opened,
                handled=handled,
                visible=visible,
                process_list_url=instance.reverse("process_list") if visible else "",
                archive_url=instance.reverse("archive") if handled else "",
            )
        )
    return result


@login_required
def flow_list(request):
    """/flows/: the user's flows (a bounded list: one row per registered flow at most)."""
    return render(request, "workflow/flow_list.html", {"flows": rows_for(request.user)})
