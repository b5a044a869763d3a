"""Views of the human tasks of the plan flows: each parses its form, calls one service
and completes the task (Viewflow has checked that the user owns it; the service checks
the permission again and that the step is still open)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.formatting import format_span
from org import selectors as org_selectors
from org.models import OrgDepartment
from planning import services
from planning.forms import PlanStartForm, PlanSubmitForm
from planning.selectors import consultation_lines, consultation_rows, plan_lines
from workflow.task_views import DecisionTaskView, TaskFormView


def plan_details(plan):
    lines = plan_lines(plan)
    return [
        (_("Organization department"), plan.org_department.unit.name),
        (_("Year"), plan.year),
        (_("Version"), plan.version),
        (_("Reason for the change"), plan.change_reason or "—"),
        (_("Classes"), len(lines)),
        (_("Seats"), sum(line.seats for line in lines)),
        *[
            (
                line.name,
                f"{line.institution.unit.name} · {format_span(line.start_date, line.end_date)}"
                f" · {line.seats}",
            )
            for line in lines[:100]
        ],
        (_("Returned because"), plan.return_reason or "—"),
    ]


class PlanStartView(TaskFormView):
    form_class = PlanStartForm
    start = True
    template_name = "workflow/start_form.html"

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["org_department"].queryset = OrgDepartment.objects.filter(
            unit__in=org_selectors.units_in_reach(self.request.user, "issue_dispatch")
        ).select_related("unit")
        return form

    def perform(self, form):
        return services.plan_create(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        """The new plan's page, where its classes are added (then sent to consultation)."""
        return reverse("planning:detail", args=[self.activation.process.artifact_object_id])


class PlanDraftView(TaskFormView):
    """The dispatcher adds classes on the plan's page, then sends it to consultation."""

    form_class = PlanSubmitForm
    template_name = "planning/plan_task.html"

    def details(self, plan):
        return plan_details(plan)

    def perform(self, form):
        return services.plan_submit(
            actor=self.request.user, plan=self.subject(), deadline=form.cleaned_data["deadline"]
        )


class PlanApproveView(DecisionTaskView):
    choices = [("approve", _("Approve and publish")), ("return", _("Return to the drafter"))]
    template_name = "planning/plan_task.html"

    def details(self, plan):
        return plan_details(plan) + [
            (
                f"{_('Consultation')}：{row.unit.name}",
                row.get_status_display() + (f" — {row.comment}" if row.comment else ""),
            )
            for row in consultation_rows(plan)
        ]

    def perform(self, form):
        return services.plan_decide(
            actor=self.request.user,
            plan=self.subject(),
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
        )


class ConsultationAnswerView(DecisionTaskView):
    choices = [("accept", _("Accept")), ("comment", _("Comment"))]
    needs_reason = ("comment",)

    def get_form(self, form_class=None):
        """会商 asks for an opinion, not an approval: the choice is labelled so."""
        form = super().get_form(form_class)
        form.fields["decision"].label = _("Consultation opinion")
        form.fields["reason"].label = _("Opinion")
        return form

    def details(self, consultation):
        """The plan's heading and only the classes the consultee is consulted on."""
        plan = consultation.plan
        return [
            (_("Due"), consultation.due),
            (_("Organization department"), plan.org_department.unit.name),
            (_("Year"), plan.year),
            (_("Version"), plan.version),
            (_("Reason for the change"), plan.change_reason or "—"),
            *[
                (
                    line.name,
                    f"{line.institution.unit.name} · "
                    f"{format_span(line.start_date, line.end_date)} · {_('Seats')} {seats}",
                )
                for line, seats in consultation_lines(consultation)
            ],
        ]

    def perform(self, form):
        return services.consultation_answer(
            actor=self.request.user,
            consultation=self.subject(),
            accept=form.cleaned_data["decision"] == "accept",
            comment=form.cleaned_data["reason"],
        )
