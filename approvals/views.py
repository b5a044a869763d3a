import os

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import FormView
from viewflow.workflow.flow.views import DetailTaskView, mixins
from viewflow.workflow.models import Process

from approvals import policy, services
from approvals.forms import DecisionForm
from approvals.models import Decision, RequestStatus
from approvals.policy import HEAD_STAGE, ORG_STAGE
from workflow import after
from workflow.runtime import fresh_artifact

# Which approval step a task of the approval flow decides: (stage, index in the stage).
NODE_STEPS = {
    "head_review": (HEAD_STAGE, 0),
    "managing_review": (ORG_STAGE, 0),
    "co_managing_review": (ORG_STAGE, 1),
}


def step_for_task(activation):
    stage, index = NODE_STEPS[activation.flow_task.name]
    return services.current_steps(activation.process.artifact, stage)[index]


def attachment_url(process) -> str:
    """Where the request's attachment is downloaded ('' when there is none)."""
    request = process.artifact
    if request is None or not request.attachment:
        return ""
    return process.flow_class.instance.reverse("attachment", args=[process.pk])


def request_context(process) -> dict:
    """What every page of an approval shows: the request, its decisions so far (with
    their reasons), the steps waiting with their due moments, and the attachment's
    download link."""
    request = fresh_artifact(process)
    history = services.decision_history(request) if request else []
    closed, open_steps = [], []
    if request is not None:
        undecided = list(
            request.steps.filter(
                round=services.current_round(request), decision=Decision.PENDING
            ).order_by("stage", "id")
        )
        if request.status != RequestStatus.PENDING:
            # Steps nobody decided because the request was settled (or cancelled) first.
            closed = undecided
        else:
            # The steps waiting now, each with its own due moment.
            open_steps = [step for step in undecided if step.due_at is not None]
    return {
        "approval_request": request,
        "history": history,
        # The reason that brought the request back to this desk (sent back in an
        # earlier round), shown above the form.
        "sent_back": next(
            (step for step in reversed(history) if step.decision == Decision.SENT_BACK), None
        ),
        "closed_steps": closed,
        "open_steps": open_steps,
        "attachment_url": attachment_url(process),
        "attachment_name": os.path.basename(request.attachment.name)
        if request and request.attachment
        else "",
    }


class DecisionView(mixins.TaskSuccessUrlMixin, FormView):
    """An authority approves, rejects, or sends the request back, with a reason."""

    form_class = DecisionForm
    template_name = "approvals/decision_task.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activation = self.request.activation
        context.update(request_context(activation.process), step=step_for_task(activation))
        return context

    def get_form_kwargs(self):
        """The form tells why the request may not be approved now, if its subject's
        domain refuses it (`policy.approval_refusal`)."""
        kwargs = super().get_form_kwargs()
        request = fresh_artifact(self.request.activation.process)
        kwargs["refusal"] = policy.approval_refusal(request) if request is not None else None
        return kwargs

    def form_valid(self, form):
        activation = self.request.activation
        try:
            services.step_decide(
                actor=self.request.user,
                step=step_for_task(activation),
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        except PermissionDenied:
            raise
        activation.execute()
        outcome = dict(form.fields["decision"].choices)[form.cleaned_data["decision"]]
        after.done_message(self.request, activation, str(outcome))
        return HttpResponseRedirect(self.get_success_url())

    def get_success_url(self):
        """The list the approver came from, or home with 我的待办 (`workflow.after`)."""
        return after.next_url(self.request, self.request.activation.flow_class)


class DecisionDetailView(DetailTaskView):
    """The decision task's page for those who do not take it: the request, and — for
    someone the separation of duties excludes, or a dispatcher the escalation did not
    reach — why, and who decides instead (`policy.refusal_message`)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        activation = self.request.activation
        step = step_for_task(activation)
        context.update(request_context(activation.process), step=step)
        if step.decision == Decision.PENDING:
            context["recusal"] = policy.refusal_message(step, self.request.user)
        return context


def claim_permission(flow_task):
    """The claim page's check: who may not take the task because of the separation of
    duties (or of the escalation's department) is told why (the 403 page shows the
    reason) rather than refused silently."""

    def permission(user, task):
        if flow_task.can_assign(user, task):
            return True
        step = step_for_task(flow_task.activation_class(task))
        if step.decision == Decision.PENDING and (refusal := policy.refusal_message(step, user)):
            raise PermissionDenied(refusal)
        return False

    return permission


class AttachmentView(View):
    """The request's attachment, for whoever may read the approval (its jurisdiction, the
    applicant, the approvers); everybody else is refused."""

    flow_class = None

    def get(self, request, process_pk):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        process = get_object_or_404(Process, pk=process_pk, flow_class=self.flow_class)
        approval = fresh_artifact(process)
        if approval is None:
            raise Http404
        if not (
            self.flow_class.instance.has_view_permission(request.user, process)
            or services.takes_part(request.user, approval)
        ):
            raise PermissionDenied
        if not approval.attachment:
            raise Http404
        try:
            handle = approval.attachment.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(
            handle, as_attachment=True, filename=os.path.basename(approval.attachment.name)
        )
