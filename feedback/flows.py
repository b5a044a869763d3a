"""The post-training follow-up (训后跟踪考核): opened by the daily schedule some months
after the class, answered by the head of the trainee's unit, reminded before its due
moment and escalated after it."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from feedback import policy, selectors, services
from feedback.models import FollowUp, FollowUpStatus
from feedback.task_views import FollowUpView
from org.roles import ESCALATION_PERMISSION
from workflow.mixins import ScopedFlowMixin
from workflow.nodes import SUBJECT, deadline
from workflow.runtime import fresh_artifact


def _remind_before():
    return dt.timedelta(hours=settings.XUNDIAO_REMINDER_BEFORE_HOURS)


def _reminder_at(activation):
    return fresh_artifact(activation.process).due_at - _remind_before()


def _due_at(activation):
    return fresh_artifact(activation.process).due_at


def _follow_up_unit(process):
    return process.artifact.unit


def _follow_up_permission(activation):
    # the unit's heads, or its dispatchers when the trainee is the unit's only head
    return policy.follow_up_permission(activation.process.artifact)


_follow_up_permission.choices = ("org.approve_as_head", ESCALATION_PERMISSION)


class FollowUpFlow(ScopedFlowMixin, flow.Flow):
    """Post-training follow-up

    Some months after the class → the head of the trainee's unit says whether the
    trainee applied what was learned, rates it and comments; reminded before the due
    moment, escalated to the dispatchers after it.
    """

    process_title = _("Post-training follow-up")
    process_description = _(
        "Some months after the class, the head of the trainee's unit says whether the "
        "trainee applied what was learned, rates it and comments."
    )
    process_summary_template = "{{ process.artifact }}"

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=_("Follow-up due"))
        .Next(this.complete)
    )

    complete = (
        flow.View(FollowUpView.as_view())
        .Annotation(title=_("Department head answers the follow-up"), summary_template=SUBJECT)
        .Permission(_follow_up_permission, obj=_follow_up_unit)
        .OnTimeout(_reminder_at, this.remind_complete, interrupting=False, title=_("Reminder due"))
        .Next(this.end)
    )

    end = flow.End().Annotation(title=_("Answered"))

    remind_complete, complete_due, escalate_complete = deadline(
        "complete", due_at=_due_at, then=this.deadline_handled, who=_("Remind the head")
    )

    deadline_handled = flow.End().Annotation(title=_("Deadline handled"))

    def start_process(self, activation, follow_up):
        activation.process.artifact = follow_up
        return activation.process

    def remind(self, activation, step):
        follow_up = fresh_artifact(activation.process)
        if follow_up.status == FollowUpStatus.OPEN and timezone.now() < follow_up.due_at:
            services.follow_up_remind(follow_up=follow_up)

    def escalate(self, activation, step):
        follow_up = fresh_artifact(activation.process)
        if follow_up.due_at <= timezone.now():
            services.follow_up_escalate(follow_up=follow_up)

    artifact_model = FollowUp
    artifact_related = ("cadre", "unit", "training_class")
    task_dues = {"complete": "due_at"}


def start_due_follow_ups(today=None) -> int:
    """Open every follow-up whose day has come, each with its process (the daily
    schedule runs it); the number opened."""
    today = today or timezone.localdate()
    opened = 0
    for follow_up in selectors.due_follow_ups(today).iterator():
        with transaction.atomic():
            follow_up = services.follow_up_open(follow_up=follow_up)
            if follow_up is not None:
                FollowUpFlow.start.run(follow_up=follow_up)
                opened += 1
    return opened
