from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.views.generic import FormView
from viewflow.workflow.flow.views import mixins

from . import services
from .forms import DecisionForm
from .policy import HEAD_STAGE, ORG_STAGE

# Which approval step a task of the approval flow decides: (stage, index in the stage).
NODE_STEPS = {
    "head_review": (HEAD_STAGE, 0),
    "managing_review": (ORG_STAGE, 0),
    "co_managing_review": (ORG_STAGE, 1),
}


def step_for_task(activation):
    stage, index = NODE_STEPS[activation.flow_task.name]
    return services.current_steps(activation.process.artifact, stage)[index]


class DecisionView(mixins.TaskSuccessUrlMixin, mixins.TaskViewTemplateNames, FormView):
    """An authority approves, rejects, or sends the request back, with a reason."""

    form_class = DecisionForm
    template_filename = "task.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request_obj = self.request.activation.process.artifact
        context.update(
            approval_request=request_obj,
            step=step_for_task(self.request.activation),
            history=request_obj.steps.exclude(decision="pending").select_related("decided_by"),
        )
        return context

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
        return HttpResponseRedirect(self.get_success_url())
