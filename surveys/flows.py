"""Needs surveys: the dispatcher opens a survey (SurveyFlow), which starts one
SurveyAnswerFlow per unit with a liaison — the liaison answers, the department head
approves or returns it — and watches the deadline once for all of them: a reminder
before it, escalation to the dispatchers after it."""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.status import PROCESS

from org.policy import is_dispatcher
from org.roles import ESCALATION_PERMISSION
from surveys import policy, services
from surveys.models import TO_ANSWER, AnswerStatus, Survey, SurveyAnswer
from surveys.task_views import AnswerHeadView, AnswerView, SurveyStartView
from workflow.mixins import ScopedFlowMixin
from workflow.nodes import SUBJECT, EscalatingView, RecusingView, deadline
from workflow.runtime import fresh_artifact, processes_of, retarget_open_tasks


def _reminder_at(activation):
    return activation.process.artifact.deadline - services.remind_before()


def _deadline_at(activation):
    return activation.process.artifact.deadline


class SurveyFlow(ScopedFlowMixin, flow.Flow):
    """Needs survey

    The dispatcher opens a survey for a year with its questions; each unit with a
    liaison answers it and its head approves; reminded before the deadline, escalated
    to the dispatchers after it.
    """

    process_title = _("Needs survey")
    process_description = _(
        "The dispatcher opens a survey for a year with its questions; each unit with a "
        "liaison answers it and its department head approves the answer."
    )
    process_summary_template = "{{ process.artifact.title }}"

    start = (
        flow.Start(SurveyStartView.as_view())
        .Annotation(title=_("Dispatcher opens a needs survey"))
        .Available(is_dispatcher)
        .Next(this.send_to_units)
    )

    send_to_units = (
        flow.Function(this.start_answers)
        .Annotation(title=_("Start an answer per unit"))
        .Next(this.await_reminder)
    )

    await_reminder = (
        flow.Timer(_reminder_at)
        .Annotation(title=_("Until the reminder before the deadline"))
        .Next(this.remind_unanswered)
    )

    remind_unanswered, unanswered_due, escalate_unanswered = deadline(
        "unanswered", due_at=_deadline_at, then=this.end, who=_("Remind the units")
    )

    end = flow.End().Annotation(title=_("Deadline passed"))

    def start_answers(self, activation):
        for answer in fresh_artifact(activation.process).answers.select_related("unit"):
            SurveyAnswerFlow.start.run(answer=answer)

    def remind(self, activation, step="unanswered"):
        """Remind every unit whose answer is not approved yet (liaisons or heads), each
        recipient once."""
        services.answers_remind(survey=fresh_artifact(activation.process))

    def escalate(self, activation, step="unanswered"):
        """The deadline passed: the dispatchers are told of every answer not approved and
        may answer for the units that have not answered (their liaisons still may)."""
        survey = services.survey_close(survey=fresh_artifact(activation.process))
        jurisdiction = survey.org_department.jurisdiction
        for answer in services.answers_escalate(survey=survey):
            if answer.status not in TO_ANSWER:
                continue
            for process in processes_of(answer, SurveyAnswerFlow).filter(status=PROCESS.NEW):
                retarget_open_tasks(
                    process,
                    SurveyAnswerFlow.answer,
                    permission=ESCALATION_PERMISSION,
                    scope=jurisdiction,
                    keep=True,
                )

    artifact_model = Survey
    scope_attr = "org_department.unit"
    artifact_related = ("org_department__unit", "org_department__jurisdiction")


def _answer_unit(process):
    return process.artifact.unit


class SurveyAnswerFlow(ScopedFlowMixin, flow.Flow):
    """Answer to a needs survey

    The unit's liaison answers the survey; the department head approves the answer or
    returns it to the liaison, who answers again.
    """

    process_title = _("Survey answer")
    process_description = _(
        "The unit's liaison answers the needs survey; the department head approves the "
        "answer or returns it to the liaison, who answers again."
    )
    process_summary_template = "{{ process.artifact }}"

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=_("Survey sent to the unit"))
        .Next(this.answer)
    )

    answer = (
        EscalatingView(AnswerView.as_view())
        .Annotation(title=_("Liaison answers the survey"), summary_template=SUBJECT)
        .Permission("org.act_as_liaison", obj=_answer_unit)
        .Next(this.head_approval)
    )

    head_approval = (
        RecusingView(
            AnswerHeadView.as_view(),
            # No batch of makers: a deputy acting only for the submitter is recused too
            # (per task; a head has one answer to review per survey and unit).
            refuse=policy.require_not_own_answer,
        )
        .Annotation(title=_("Department head approves the answer"), summary_template=SUBJECT)
        .Permission("org.approve_as_head", obj=_answer_unit)
        .Next(this.approved)
    )

    approved = (
        flow.If(this.is_returned)
        .Annotation(title=_("Returned to the liaison?"))
        .Then(this.answer)
        .Else(this.end)
    )

    end = flow.End().Annotation(title=_("Answer approved"))

    def start_process(self, activation, answer):
        activation.process.artifact = answer
        return activation.process

    def is_returned(self, activation):
        return fresh_artifact(activation.process).status == AnswerStatus.RETURNED

    artifact_model = SurveyAnswer
    artifact_related = ("unit", "survey")
    task_dues = dict.fromkeys(("answer", "head_approval"), "survey__deadline")
