"""Who hears about a survey's answers, ONE message per recipient per event: before the
deadline each unit's liaisons (to answer) and heads (to approve) — a liaison or head of
six late units hears once, naming the six; past it the dispatchers, once, naming every
unit whose answering or approval is overdue.

The flow's own reminder (the day before) and the `send_reminders` sweep (3 and 1 days
before) put together the same messages (`notifications.shares`: a message names only
the answers, in their step, no earlier message of the slot named to its recipient), so
each recipient hears once per slot whichever of them runs first."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.i18n import in_site_language
from notifications.models import Event
from notifications.reminders import offsets as reminder_offsets
from notifications.reminders import reminder_due
from notifications.services import Entry, notify_each
from notifications.shares import fresh_shares
from org import selectors as org_selectors
from workflow import links

#: a message names at most this many units, then says how many more there are
MAX_LINES = 50


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


def _item(answer) -> str:
    """An answer in its step: answered since the last reminder, its head is news."""
    return f"{answer.pk}:{answer.status}"


def _served(answers, permission_of) -> dict:
    """{user id: (user, [(answer, item), …])}: who may take each answer's step, with the
    answers they may take; one reach query per unit and permission."""
    reaching: dict = {}
    served: dict = {}
    for answer in answers:
        key = (answer.unit_id, permission_of(answer))
        if key not in reaching:
            reaching[key] = list(org_selectors.users_reaching(answer.unit, key[1]))
        for user in reaching[key]:
            served.setdefault(user.pk, (user, []))[1].append((answer, _item(answer)))
    return served


def _step_permission(answer) -> str:
    return "approve_as_head" if _awaits_head(answer) else "act_as_liaison"


@in_site_language
def _lines(answers, *, overdue: bool) -> list[str]:
    """A line per unit, saying which step it owes, at most MAX_LINES of them."""
    lines = []
    for answer in sorted(answers, key=lambda a: (a.unit.path, a.unit.name))[:MAX_LINES]:
        names = {"unit": answer.unit.name}
        if _awaits_head(answer):
            lines.append(_("%(unit)s: the head's approval of its answer") % names)
        elif overdue:
            lines.append(_("%(unit)s: not answered") % names)
        else:
            lines.append(_("%(unit)s: to answer") % names)
    if len(answers) > MAX_LINES:
        more = len(answers) - MAX_LINES
        lines.append(
            ngettext("and %(count)d more unit", "and %(count)d more units", more) % {"count": more}
        )
    return lines


@in_site_language
def _many_subject(survey, answers, *, overdue: bool) -> str:
    names = {"count": len(answers), "title": survey.title}
    if overdue:
        return (
            ngettext(
                "Answer of %(count)d unit to the needs survey “%(title)s”",
                "Answers of %(count)d units to the needs survey “%(title)s”",
                len(answers),
            )
            % names
        )
    return (
        ngettext(
            "The needs survey “%(title)s”: %(count)d unit to answer or approve",
            "The needs survey “%(title)s”: %(count)d units to answer or approve",
            len(answers),
        )
        % names
    )


def reminder_shares(survey, answers, suffix: str):
    """The reminder messages of the slot `suffix` about `answers` (not approved)."""
    return fresh_shares(f"survey:{survey.pk}:remind:", suffix, _served(answers, _step_permission))


def reminder_context(survey, share) -> dict:
    if len(share.objects) == 1:
        [answer] = share.objects
        subject = approval_subject(answer) if _awaits_head(answer) else answer_subject(answer)
        return {"subject": subject, "items": share.items}
    return {
        "subject": _many_subject(survey, share.objects, overdue=False),
        "lines": _lines(share.objects, overdue=False),
        "items": share.items,
    }


def reminders(survey, answers) -> list:
    """Before the deadline (the flow's timer): the reminder of the slot now due (see
    `notifications.reminders.reminder_due`), each recipient once for the answers they
    may take, under the sweep's keys for that slot. Only slots still ahead when the
    survey was opened count; when none is due, nothing is sent. Returns the answers
    named in some message."""
    due = survey.deadline
    slot = reminder_due(due, since=survey.created_at)
    if slot is None and reminder_offsets():
        return []  # no slot due (past the deadline, or every slot preceded the survey)
    suffix = slot.key_suffix if slot else "due"
    shares = reminder_shares(survey, answers, suffix)
    notify_each(
        event=Event.REMINDER,
        entries=[
            Entry(
                share.recipient,
                f"{share.key}:{suffix}",
                {
                    **reminder_context(survey, share),
                    "due": timezone.localtime(due),
                    "days_left": slot.offset_days if slot else 0,
                },
                "/tasks/",
            )
            for share in shares
        ],
    )
    named = {answer.pk for share in shares for answer in share.objects}
    return [answer for answer in answers if answer.pk in named]


def escalations(survey, answers) -> None:
    """Past the deadline: each dispatcher of the survey's department once, told of the
    answers not approved — which units, and whether the answering or the head's
    approval is overdue (they may answer for a unit, not approve for its head). Of one
    answer, linked to its process page (its tasks and history); of several, to the
    survey's page."""
    department = survey.org_department
    dispatchers = list(org_selectors.users_reaching(department.jurisdiction, "issue_dispatch"))
    pairs = [(answer, _item(answer)) for answer in answers]
    served = {user.pk: (user, pairs) for user in dispatchers}
    entries = []
    for share in fresh_shares(f"survey:{survey.pk}:escalate:", "escalated", served):
        context = {"due": timezone.localtime(survey.deadline), "items": share.items}
        url = reverse("surveys:detail", args=[survey.pk])
        if len(share.objects) == 1:
            [answer] = share.objects
            context.update(
                subject=overdue_subject(answer),
                unit_name=answer.unit.name,
                survey_title=survey.title,
                awaits_head=_awaits_head(answer),
            )
            url = links.process_url(answer) or url
        else:
            context.update(
                subject=_many_subject(survey, share.objects, overdue=True),
                survey_title=survey.title,
                lines=_lines(share.objects, overdue=True),
            )
        entries.append(Entry(share.recipient, f"{share.key}:escalated", context, url))
    notify_each(
        event=Event.ESCALATION,
        entries=entries,
        template="notifications/events/survey_escalated.txt",
    )


def reminder_candidates(now):
    """Per survey with its deadline in the reminder window, each recipient's reminder of
    the answers not approved, for `manage.py send_reminders` (the 3-day and 1-day
    reminders; the flow's own timer sends the day-before one, see `reminders`)."""
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
        .order_by("survey_id", "unit__path")
    )
    by_survey: dict = {}
    for answer in answers:
        by_survey.setdefault(answer.survey_id, (answer.survey, []))[1].append(answer)
    for survey, open_answers in by_survey.values():
        slot = reminder_due(survey.deadline, now, since=survey.created_at)
        if slot is None:
            continue
        for share in reminder_shares(survey, open_answers, slot.key_suffix):
            yield ReminderCandidate(
                due=survey.deadline,
                key=share.key,
                recipients=[share.recipient],
                context=reminder_context(survey, share),
                url="/tasks/",
                since=survey.created_at,
            )
