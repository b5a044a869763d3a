"""Views of the human tasks in dispatch flows. Each parses its form, calls one service,
and completes the task; Viewflow has already checked that the user owns the task, and
the service checks the jurisdiction again and that the step is still open."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.views.generic import FormView
from viewflow.workflow.flow.views import mixins

from workflow import after
from workflow.forms import ReasonDecisionForm


class TaskFormView(mixins.TaskSuccessUrlMixin, FormView):
    template_name = "workflow/task_form.html"
    start = False

    @property
    def activation(self):
        return self.request.activation

    def subject(self):
        return None if self.start else self.activation.process.artifact

    def details(self, subject):
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subject = self.subject()
        context.update(subject=subject, details=self.details(subject) if subject else [])
        return context

    def perform(self, form):
        raise NotImplementedError

    def outcome(self, form) -> str:
        """What the person chose, named in the success message ('' for a plain form)."""
        return ""

    def get_success_url(self):
        """The list the person came from, or home with 我的待办 (`workflow.after`)."""
        return after.next_url(self.request, self.activation.flow_class)

    def form_valid(self, form):
        try:
            # Viewflow's step: the service's writes and activation.execute() (the task
            # done, the next tasks created) commit together or not at all.
            with transaction.atomic():
                result = self.perform(form)
                if self.start:
                    self.activation.process.artifact = result
                self.activation.execute()
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
            return self.form_invalid(form)
        after.done_message(self.request, self.activation, self.outcome(form))
        return HttpResponseRedirect(self.get_success_url())


class DecisionTaskView(TaskFormView):
    form_class = ReasonDecisionForm
    choices: list = []
    #: the choices that need a reason (the services refuse them without one)
    needs_reason: tuple = ("return",)

    def outcome(self, form) -> str:
        return str(dict(form.fields["decision"].choices).get(form.cleaned_data["decision"], ""))

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "choices": self.choices,
            "needs_reason": self.needs_reason,
        }
