"""Pages. Each view loads what it shows through a jurisdiction-filtered selector (so an
outsider gets 404), and writes only through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from workflow.forms import ReassignForm
from workflow.mixins import out_of_reach


@login_required
def task_reassign(request, pk: int):
    """A dispatcher hands a stuck task to another person who may do it."""
    from viewflow.workflow.models import Task

    from workflow import services as task_services

    task = Task.objects.filter(pk=pk, flow_task_type="HUMAN").select_related("process").first()
    if task is None:
        raise Http404
    if not task_services.may_reassign(request.user, task):
        # 404 for a task the user has nothing to do with; 403 for one they see but whose
        # reassigning is a dispatcher's.
        flow = task.process.flow_class.instance
        if out_of_reach(flow, request.user, task.process_id, task.pk):
            raise Http404
        raise PermissionDenied(_("Only a dispatcher over the task's unit may reassign it."))
    candidates = task_services.reassign_candidates(task).order_by("username")
    form = ReassignForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            task_services.task_reassign(
                actor=request.user, task=task, to_user=form.cleaned_data["user"]
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The task was reassigned."))
            return redirect("overdue_list")
    return render(request, "workflow/task_reassign.html", {"task": task, "form": form})
