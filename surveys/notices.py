"""Who hears about a survey answer: the unit's liaisons (to answer, or answer again),
its heads (to approve), and the dispatchers once the deadline has passed.

The flow's own reminder (the day before) and the `send_reminders` sweep (3 and 1 days
before) compute the same reminder slot and use the same key, so each recipient hears
once per slot whichever of them runs first."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.i18n import in_site_language
from notifications.models import Event
from notifications.reminders import offsets as reminder_offsets
from notifications.reminders import reminder_due
from notifications.services import notify
from org import selectors as org_selectors
from workflow import links


def _users(unit, perm):
    return list(org_selectors.users_reaching(unit, perm))


@in_site_language
def answer_subject(answer) -> str:
    return _("%(unit)s: answer the needs survey “%(title)s”") % {
        "unit": answer.unit.name,
        "title": answer.survey.title,
    }


@in_site_language
def approval_subject(answer) -> str:
    return _("%(unit)s: approve the answer to the needs survey “%(title)s”") % {
        "unit": answer.unit.name,
        "title": answer.survey.title,
    }


@in_site_language
def overdue_subject(answer) -> str:
    """What an escalation is about: the unit's answering, or its head's approval of the
    answer, that the deadline passed without."""
    names = {"unit": answer.unit.name, "title": answer.survey.title}
    if _awaits_head(answer):
        return _("Head's approval of the answer of %(unit)s to the needs survey “%(title)s”") % (
            names
        )
    return _("Answer of %(unit)s to the needs survey “%(title)s”") % names


def _awaits_head(answer) -> bool:
    from surveys.models import AnswerStatus

    return answer.status == AnswerStatus.AWAITING_APPROVAL


def _reminded(answer) -> tuple[str, list, dict, str]:
    """(key, recipients, context, link) of a reminder about the answer, the same for the
    flow's reminder and the sweep's: the liaisons if the unit has not answered, the
    heads if the answer waits for their approval. The key names the answer's step (its
    status); the reminder's slot is appended to it."""
    head = _awaits_head(answer)
    return (
        f"survey-answer:{answer.pk}:{answer.status}",
        _users(answer.unit, "approve_as_head" if head else "act_as_liaison"),
        {"subject": approval_subject(answer) if head else answer_subject(answer)},
        "/tasks/",
    )


def reminder(answer) -> None:
    """Before the deadline (the flow's timer): the reminder of the slot now due (see
    `notifications.reminders.reminder_due`), under the sweep's key for that slot, so the
    sweep's reminder of the same slot is not sent again (nor this one after it). Only
    slots still ahead when the survey was opened count; when none is due, nothing is
    sent."""
    due = answer.survey.deadline
    slot = reminder_due(due, since=answer.survey.created_at)
    if slot is None and reminder_offsets():
        return  # no slot due (past the deadline, or every slot preceded the survey)
    key, recipients, context, url = _reminded(answer)
    notify(
        event=Event.REMINDER,
        recipients=recipients,
        key=f"{key}:{slot.key_suffix if slot else 'due'}",
        context={
            **context,
            "due": timezone.localtime(due),
            "days_left": slot.offset_days if slot else 0,
        },
        url=url,
    )


def escalated(answer) -> None:
    """Past the deadline: the dispatchers of the survey's department, told of every
    answer not approved — which unit, and whether its answering or its head's approval
    is overdue (they may answer for the unit, not approve for its head) — with a link to
    the answer's process page (its tasks and history)."""
    department = answer.survey.org_department
    head = _awaits_head(answer)
    notify(
        event=Event.ESCALATION,
        recipients=_users(department.jurisdiction, "issue_dispatch"),
        key=f"survey-answer:{answer.pk}:escalated",
        context={
            "subject": overdue_subject(answer),
            "unit_name": answer.unit.name,
            "survey_title": answer.survey.title,
            "awaits_head": head,
            "due": timezone.localtime(answer.survey.deadline),
        },
        template="notifications/events/survey_escalated.txt",
        url=links.process_url(answer) or reverse("surveys:detail", args=[answer.survey_id]),
    )


def reminder_candidates(now):
    """Answers not approved whose survey's deadline falls in the reminder window, for
    `manage.py send_reminders` (the 3-day and 1-day reminders; the flow's own timer
    sends the day-before one under the same key, see `reminder`)."""
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
        key, recipients, context, url = _reminded(answer)
        yield ReminderCandidate(
            due=answer.survey.deadline,
            key=key,
            recipients=recipients,
            context=context,
            url=url,
            since=answer.survey.created_at,
        )
