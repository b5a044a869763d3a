"""Who hears about a survey answer: the unit's liaisons (to answer, or answer again),
its heads (to approve), and the dispatchers once the deadline has passed."""

from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Event
from notifications.services import notify
from org import selectors as org_selectors


def _users(unit, perm):
    return list(org_selectors.users_reaching(unit, perm))


def answer_subject(answer) -> str:
    return _("%(unit)s: answer the needs survey “%(title)s”") % {
        "unit": answer.unit.name,
        "title": answer.survey.title,
    }


def approval_subject(answer) -> str:
    return _("%(unit)s: approve the answer to the needs survey “%(title)s”") % {
        "unit": answer.unit.name,
        "title": answer.survey.title,
    }


def _awaits_head(answer) -> bool:
    from surveys.models import AnswerStatus

    return answer.status == AnswerStatus.AWAITING_APPROVAL


def reminder(answer) -> None:
    """Before the deadline: the liaisons if the unit has not answered, the heads if the
    answer waits for their approval."""
    head = _awaits_head(answer)
    notify(
        event=Event.REMINDER,
        recipients=_users(answer.unit, "approve_as_head" if head else "act_as_liaison"),
        key=f"survey-answer:{answer.pk}:{answer.status}:reminder",
        context={
            "subject": approval_subject(answer) if head else answer_subject(answer),
            "due": timezone.localtime(answer.survey.deadline),
            "days_left": 0,
        },
        url="/tasks/",
    )


def escalated(answer) -> None:
    """Past the deadline: the dispatchers of the survey's department."""
    department = answer.survey.org_department
    notify(
        event=Event.ESCALATION,
        recipients=_users(department.jurisdiction, "issue_dispatch"),
        key=f"survey-answer:{answer.pk}:escalated",
        context={
            "subject": answer_subject(answer),
            "due": timezone.localtime(answer.survey.deadline),
        },
        url=f"/surveys/{answer.survey_id}/",
    )


def reminder_candidates(now):
    """Answers not approved whose survey's deadline falls in the reminder window, for
    `manage.py send_reminders` (the 3-day and 1-day reminders; the flow's own timer
    reminds once more the day before)."""
    import datetime as dt

    from notifications.reminders import ReminderCandidate, offsets
    from surveys.models import AnswerStatus, SurveyAnswer, SurveyStatus

    horizon = now + dt.timedelta(days=max(offsets(), default=0))
    answers = (
        SurveyAnswer.objects.filter(
            survey__status=SurveyStatus.OPEN,
            survey__deadline__gt=now,
            survey__deadline__lte=horizon,
        )
        .exclude(status=AnswerStatus.APPROVED)
        .select_related("survey", "unit")
    )
    for answer in answers:
        head = _awaits_head(answer)
        yield ReminderCandidate(
            due=answer.survey.deadline,
            key=f"survey-answer:{answer.pk}:{answer.status}",
            recipients=_users(answer.unit, "approve_as_head" if head else "act_as_liaison"),
            context={"subject": approval_subject(answer) if head else answer_subject(answer)},
            url="/tasks/",
            since=answer.survey.created_at,
        )
