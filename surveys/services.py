"""Every write of the surveys app: opening a survey, a unit's answer, the head's
decision, the reminder and the escalation. Each is atomic, checks the actor's
permission on the unit concerned and writes its audit event."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import change, record_event, record_events
from core.twins import refused_as_twin
from core.validation import implausible_day_refusal, require_reason
from notifications.reminders import offsets as reminder_offsets
from notifications.reminders import reminder_due
from org.models import CadreCategory, OrgDepartment
from org.policy import require_any
from surveys import notices, policy
from surveys.models import (
    TO_ANSWER,
    AnswerLine,
    AnswerStatus,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyStatus,
)
from surveys.policy import require_answer_decider
from surveys.selectors import recipient_units

MAX_TOPICS = 50
MAX_OWN_TOPICS = 10
TOPIC_MAX_LENGTH = 100
MAX_CADRES = 100_000


def _clean_topics(topics, field: str, maximum: int) -> list[str]:
    """Topics stripped, in order, without repeats; refused when too long or too many."""
    cleaned: list[str] = []
    for topic in topics:
        topic = " ".join(str(topic).split())
        if not topic or topic in cleaned:
            continue
        if len(topic) > TOPIC_MAX_LENGTH:
            raise ValidationError(
                {field: _("A topic may have at most %(n)s characters.") % {"n": TOPIC_MAX_LENGTH}}
            )
        cleaned.append(topic)
    if len(cleaned) > maximum:
        raise ValidationError({field: _("At most %(n)s topics, please.") % {"n": maximum}})
    return cleaned


def _clean_questions(questions) -> list[dict]:
    kinds = [q["kind"] for q in questions]
    if not questions:
        raise ValidationError(_("A survey needs at least one question."))
    if any(k not in QuestionKind.values for k in kinds) or len(set(kinds)) != len(kinds):
        raise ValidationError(_("Each kind of question may be asked once."))
    cleaned = []
    for q in questions:
        text = " ".join(str(q.get("text") or "").split()) or str(QuestionKind(q["kind"]).label)
        options = []
        if q["kind"] == QuestionKind.TOPICS:
            options = _clean_topics(q.get("options") or [], "topics", MAX_TOPICS)
            if not options:
                raise ValidationError({"topics": _("Offer at least one topic.")})
        cleaned.append({"kind": q["kind"], "text": text[:200], "options": options})
    return cleaned


@transaction.atomic
def survey_open(
    *, actor, org_department: OrgDepartment, year: int, title: str, deadline, questions
) -> Survey:
    """The dispatcher opens a needs survey for a year: its questions, and one answer
    waiting for each unit with a liaison (`selectors.recipient_units`). Once a year per
    department (`policy.survey_twin_refusal`)."""
    require_any(actor, ("issue_dispatch",), org_department.unit)
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": _("Please give the survey a title.")})
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": _("Please give a year between 2000 and 2100.")})
    if refusal := policy.survey_twin_refusal(org_department, year):
        raise ValidationError({"year": refusal})
    if deadline <= timezone.now():
        raise ValidationError({"deadline": _("The deadline must lie in the future.")})
    if refusal := implausible_day_refusal(timezone.localdate(deadline), years_ahead=1):
        raise ValidationError({"deadline": refusal})
    cleaned = _clean_questions(questions)
    units = list(recipient_units(org_department))
    if not units:
        raise ValidationError(
            _("No unit of this jurisdiction has a liaison: there is nobody to answer.")
        )
    with refused_as_twin(lambda: policy.survey_twin_refusal(org_department, year), field="year"):
        survey = Survey.objects.create(
            org_department=org_department,
            year=year,
            title=title[:200],
            deadline=deadline,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
    SurveyQuestion.objects.bulk_create(
        SurveyQuestion(survey=survey, position=i, **q) for i, q in enumerate(cleaned, start=1)
    )
    SurveyAnswer.objects.bulk_create(SurveyAnswer(survey=survey, unit=unit) for unit in units)
    record_event(
        actor=actor,
        verb="survey.open",
        target=survey,
        after={"year": survey.year, "units": len(units), "deadline": deadline.isoformat()},
    )
    return survey


def _lock(answer) -> SurveyAnswer:
    return (
        SurveyAnswer.objects.select_for_update(of=("self",))
        .select_related("survey__org_department__jurisdiction", "unit")
        .get(pk=answer.pk)
    )


def _lines(answer: SurveyAnswer, responses: dict) -> list[AnswerLine]:
    """The answer's lines from the responses to its survey's questions, refused with a
    message beside the field when a figure is out of bounds, and refused when nothing at
    all is answered (a unit with no needs says so with a headcount of 0)."""
    lines = []
    for question in answer.survey.questions.all():
        if question.kind == QuestionKind.TOPICS:
            wanted = _clean_topics(responses.get("topics") or [], "topics", MAX_TOPICS)
            unknown = [t for t in wanted if t not in question.options]
            if unknown:
                raise ValidationError({"topics": _("Choose among the topics offered.")})
            own = _clean_topics(responses.get("own_topics") or [], "own_topics", MAX_OWN_TOPICS)
            own = [t for t in own if t not in wanted and t not in question.options]
            lines += [AnswerLine(answer=answer, question=question, topic=t) for t in wanted]
            lines += [
                AnswerLine(answer=answer, question=question, topic=t, added_by_unit=True)
                for t in own
            ]
        elif question.kind == QuestionKind.CADRES:
            for category, cadres in (responses.get("cadres") or {}).items():
                if category not in CadreCategory.values:
                    raise ValidationError({"cadres": _("Unknown cadre category.")})
                if cadres is None or cadres == "":
                    continue
                if not isinstance(cadres, int) or not 0 <= cadres <= MAX_CADRES:
                    raise ValidationError(
                        {
                            f"cadres_{category}": _(
                                "Give a whole number of cadres between 0 and %(n)s."
                            )
                            % {"n": MAX_CADRES}
                        }
                    )
                if cadres:
                    lines.append(
                        AnswerLine(
                            answer=answer, question=question, category=category, cadres=cadres
                        )
                    )
        elif question.kind == QuestionKind.MONTHS:
            months = sorted({int(m) for m in responses.get("months") or []})
            if any(not 1 <= m <= 12 for m in months):
                raise ValidationError({"months": _("Months run from 1 to 12.")})
            lines += [AnswerLine(answer=answer, question=question, month=m) for m in months]
    if not lines and 0 not in (responses.get("cadres") or {}).values():
        raise ValidationError(
            _(
                "The answer is empty: choose a topic, or give the number of cadres needing "
                "training in a category (0 where the unit has none)."
            )
        )
    return lines


@transaction.atomic
def answer_submit(*, actor, answer: SurveyAnswer, responses: dict) -> SurveyAnswer:
    """The unit's liaison answers the survey (once; again only after the head returned
    it); past the deadline the dispatchers may answer for the unit."""
    answer = _lock(answer)
    escalated = ("act_as_liaison", "issue_dispatch") if answer.escalated else ("act_as_liaison",)
    require_any(actor, escalated, answer.unit)
    if answer.status not in TO_ANSWER:
        raise ValidationError(
            _("%(unit)s has already answered this survey; a unit answers only once.")
            % {"unit": answer.unit.name}
        )
    lines = _lines(answer, responses)
    answer.lines.filter(superseded=False).update(superseded=True)
    AnswerLine.objects.bulk_create(lines)
    return change(
        actor=actor,
        instance=answer,
        verb="survey.answer",
        status=AnswerStatus.AWAITING_APPROVAL,
        submitted_by=actor,
        submitted_at=timezone.now(),
        return_reason="",
        # The returned round's decision is history (its audit event keeps it), not
        # this submission's: the answer awaits a decision again.
        decided_by=None,
        decided_at=None,
    )


@transaction.atomic
def answer_decide(*, actor, answer: SurveyAnswer, approve: bool, reason: str = "") -> SurveyAnswer:
    """The unit's department head approves the answer, or returns it with a reason;
    whoever submitted it may not, even as the head (回避)."""
    answer = _lock(answer)
    require_answer_decider(actor, answer)
    if answer.status != AnswerStatus.AWAITING_APPROVAL:
        raise ValidationError(_("This step has already been completed by someone else."))
    if approve:
        return change(
            actor=actor,
            instance=answer,
            verb="survey.approve",
            status=AnswerStatus.APPROVED,
            decided_by=actor,
            decided_at=timezone.now(),
        )
    reason = require_reason(reason, _("Please give the reason for returning."))
    return change(
        actor=actor,
        instance=answer,
        verb="survey.return",
        note=reason,
        status=AnswerStatus.RETURNED,
        decided_by=actor,
        decided_at=timezone.now(),
        return_reason=reason,
    )


def _open_answers(survey: Survey) -> list[SurveyAnswer]:
    """The survey's answers not approved yet, locked (their unit's path order)."""
    return list(
        SurveyAnswer.objects.select_for_update(of=("self",))
        .filter(survey=survey)
        .exclude(status=AnswerStatus.APPROVED)
        .select_related("survey__org_department__jurisdiction", "unit")
        .order_by("unit__path")
    )


@transaction.atomic
def answers_remind(*, survey: Survey) -> list[SurveyAnswer]:
    """The deadline nears: whoever may take an answer not approved yet hears ONCE, of all
    the answers they may take (a liaison to answer, a head to approve) — when a reminder
    is due now (`reminder_due`: none once every slot preceded the survey, or past the
    deadline) and no message of the slot named them yet (the sweep's, a retry's). Each
    answer named is audited; returns them."""
    if reminder_offsets() and reminder_due(survey.deadline, since=survey.created_at) is None:
        return []
    reminded = notices.reminders(survey, _open_answers(survey))
    record_events(actor=None, verb="survey.remind", targets=reminded)
    return reminded


@transaction.atomic
def answers_escalate(*, survey: Survey) -> list[SurveyAnswer]:
    """The deadline passed: every answer not approved and not escalated yet is flagged
    escalated (the dispatchers take over the answering, see SurveyFlow.escalate), and
    each dispatcher is told of them ONCE. Returns the answers escalated now."""
    escalated = []
    for answer in _open_answers(survey):
        if not answer.escalated:
            escalated.append(
                change(actor=None, instance=answer, verb="survey.escalate", escalated=True)
            )
    if escalated:
        notices.escalations(survey, escalated)
    return escalated


@transaction.atomic
def survey_close(*, survey: Survey) -> Survey:
    """The deadline passed: the survey is marked closed (late answers are still taken)."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status == SurveyStatus.CLOSED:
        return survey
    return change(actor=None, instance=survey, verb="survey.close", status=SurveyStatus.CLOSED)


def remind_before() -> dt.timedelta:
    from django.conf import settings

    return dt.timedelta(hours=settings.XUNDIAO_REMINDER_BEFORE_HOURS)
