"""The follow-up task's page: parse the form, call the service, complete the task."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.formatting import format_date, format_span
from feedback import services
from feedback.forms import FollowUpForm
from workflow.task_views import TaskFormView


def follow_up_details(follow_up):
    klass = follow_up.training_class
    return [
        (_("Cadre"), follow_up.cadre.name),
        (_("Unit"), follow_up.unit.name),
        (_("Position"), follow_up.cadre.position),
        (_("Training class"), klass.name),
        (_("Dates"), format_span(klass.start_date, klass.end_date)),
        (
            _("Answer by"),
            format_date(timezone.localtime(follow_up.due_at).date()) if follow_up.due_at else "—",
        ),
    ]


class FollowUpView(TaskFormView):
    form_class = FollowUpForm

    def details(self, subject):
        return follow_up_details(subject)

    def perform(self, form):
        data = form.cleaned_data
        return services.follow_up_complete(
            actor=self.request.user,
            follow_up=self.subject(),
            applied=data["applied"],
            rating=data["rating"],
            comment=data["comment"],
        )
