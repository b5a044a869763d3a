"""Views of the human tasks in dispatch flows. Each parses its form, calls one service,
and completes the task; Viewflow has already checked that the user owns the task, and
the service checks the jurisdiction again and that the step is still open."""

from ledger import services as ledger_services
from ledger.forms import RecognitionForm
from workflow.task_views import TaskFormView


class RecognitionStartView(TaskFormView):
    form_class = RecognitionForm
    start = True
    template_name = "workflow/start_form.html"

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.offer(user=self.request.user)
        return form

    def perform(self, form):
        return ledger_services.recognition_submit(actor=self.request.user, **form.cleaned_data)
