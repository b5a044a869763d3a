"""The survey flows' task pages. Each parses its form, calls one service and completes
the task; Viewflow has checked that the user holds the task, and the service checks the
unit again and that the step is still open."""

from django.utils.translation import gettext_lazy as _

from org import selectors as org_selectors
from org.models import OrgDepartment
from surveys import selectors, services
from surveys.forms import AnswerForm, SurveyOpenForm
from surveys.models import QuestionKind
from workflow.task_views import DecisionTaskView, TaskFormView


class SurveyStartView(TaskFormView):
    form_class = SurveyOpenForm
    start = True
    template_name = "workflow/start_form.html"

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["org_department"].queryset = OrgDepartment.objects.filter(
            unit__in=org_selectors.units_in_reach(self.request.user, "issue_dispatch")
        ).select_related("unit")
        return form

    def perform(self, form):
        data = form.cleaned_data
        return services.survey_open(
            actor=self.request.user,
            org_department=data["org_department"],
            year=data["year"],
            title=data["title"],
            deadline=data["deadline"],
            questions=form.questions(),
        )


def answer_details(answer) -> list:
    """The answer's unit, deadline and current figures, for the task pages."""
    rows = [
        (_("Survey"), answer.survey.title),
        (_("Unit"), answer.unit.name),
        (_("Answer by"), answer.survey.deadline),
        (_("Status"), answer.get_status_display()),
    ]
    if answer.return_reason:
        rows.append((_("Returned because"), answer.return_reason))
    topics, cadres, months = [], [], []
    for line in selectors.answer_lines(answer):
        kind = line.question.kind
        if kind == QuestionKind.TOPICS:
            topics.append(line.topic)
        elif kind == QuestionKind.CADRES:
            cadres.append(f"{line.get_category_display()} {line.cadres}")
        elif kind == QuestionKind.MONTHS:
            months.append(str(line.month))
    if answer.submitted_at:
        rows += [
            (QuestionKind.TOPICS.label, "、".join(topics) or "—"),
            (QuestionKind.CADRES.label, "；".join(cadres) or "—"),
            (QuestionKind.MONTHS.label, "、".join(months) or "—"),
        ]
    return rows


class AnswerView(TaskFormView):
    form_class = AnswerForm

    def details(self, answer):
        return answer_details(answer)

    def get_form_kwargs(self):
        answer = self.subject()
        return {
            **super().get_form_kwargs(),
            "survey": answer.survey,
            "initial_lines": selectors.answer_lines(answer) if answer.submitted_at else (),
        }

    def perform(self, form):
        return services.answer_submit(
            actor=self.request.user, answer=self.subject(), responses=form.responses()
        )


class AnswerHeadView(DecisionTaskView):
    choices = [("approve", _("Approve")), ("return", _("Return to the liaison"))]

    def details(self, answer):
        return answer_details(answer)

    def perform(self, form):
        return services.answer_decide(
            actor=self.request.user,
            answer=self.subject(),
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
        )
