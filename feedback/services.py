"""Every write of the feedback app: evaluations opened at attendance and submitted by
the trainee, withdrawn and reopened with a corrected attendance, follow-ups scheduled,
opened, reminded, escalated and completed. Each is atomic, checks who acts, and writes
its audit event."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import PROCESS

from audit.services import change, record_event, snapshot
from core.deadlines import deadline_in
from core.validation import REASON_MAX_LENGTH
from dispatch.models import Dispatch, DispatchStatus
from feedback import follow_up_notices, policy
from feedback.models import (
    DEFAULT_FOLLOW_UP_MONTHS,
    FOLLOW_UP_ANSWER_DAYS,
    SCORE_MAX,
    SCORE_MIN,
    Applied,
    Evaluation,
    EvaluationStatus,
    FollowUp,
    FollowUpSetting,
    FollowUpStatus,
    SessionScore,
)
from notifications.models import Event
from notifications.services import Entry, notify_each
from workflow.runtime import cancel_process, processes_of


def follow_up_months(org_department) -> int:
    setting = FollowUpSetting.objects.filter(org_department=org_department).first()
    return setting.months if setting else DEFAULT_FOLLOW_UP_MONTHS


@transaction.atomic
def follow_up_setting_save(*, actor, org_department, months: int) -> FollowUpSetting:
    """The organization department sets how long after a class its follow-ups come."""
    if actor is not None and not actor.is_superuser:
        from org.policy import require_unit_permission

        require_unit_permission(actor, "issue_dispatch", org_department.unit)
    if not isinstance(months, int) or not 1 <= months <= 24:
        raise ValidationError({"months": _("The months must lie between 1 and 24.")})
    setting, created = FollowUpSetting.objects.select_for_update().get_or_create(
        org_department=org_department, defaults={"months": months}
    )
    if created:
        record_event(
            actor=actor, verb="feedback.setting.create", target=setting, after=snapshot(setting)
        )
        return setting
    return change(actor=actor, instance=setting, verb="feedback.setting.update", months=months)


@transaction.atomic
def feedback_open(*, dispatch: Dispatch) -> Evaluation | None:
    """Attendance recorded as present: the trainee gets an evaluation to fill in (one
    message in their inbox, if they have an account) and a follow-up is scheduled for
    some months after the class. Called again for the same dispatch, nothing new."""
    dispatch = Dispatch.objects.select_related(
        "cadre__user", "training_class__organizer", "unit"
    ).get(pk=dispatch.pk)
    if dispatch.status != DispatchStatus.ATTENDED:
        return None
    training_class = dispatch.training_class
    evaluation = Evaluation.objects.filter(
        cadre=dispatch.cadre, training_class=training_class
    ).first()
    if evaluation is not None:
        return evaluation  # a makeup or a second dispatch of the same class: one only
    evaluation = Evaluation.objects.create(
        training_class=training_class, cadre=dispatch.cadre, dispatch=dispatch
    )
    months = follow_up_months(training_class.organizer)
    follow_up = FollowUp.objects.create(
        training_class=training_class,
        cadre=dispatch.cadre,
        unit=dispatch.unit,
        dispatch=dispatch,
        due_on=training_class.end_date + relativedelta(months=months),
    )
    record_event(actor=None, verb="feedback.open", target=evaluation, after=snapshot(evaluation))
    record_event(actor=None, verb="follow_up.schedule", target=follow_up, after=snapshot(follow_up))
    if policy.class_has_ended(training_class):
        evaluation.cadre, evaluation.training_class = dispatch.cadre, training_class
        _invite([evaluation])
    return evaluation


#: a follow-up not answered yet, withdrawn with its evaluation
_FOLLOW_UP_PENDING = (FollowUpStatus.SCHEDULED, FollowUpStatus.OPEN)


@transaction.atomic
def feedback_withdraw(*, actor, dispatch: Dispatch, reason: str = "") -> Evaluation | None:
    """The trainee's attendance was corrected to absent or withdrawn (考勤更正, by `actor`
    for `reason`): they did not attend, so the evaluation the dispatch opened — open, or
    already answered — is withdrawn: no longer theirs to fill in (我的待办), nor counted
    in the report. Its follow-up not yet answered is withdrawn too (an opened one's task
    ended). Each audited; a correction back to present reopens them
    (`feedback_reopen`)."""
    evaluation = Evaluation.objects.select_for_update().filter(dispatch=dispatch).first()
    if evaluation is not None and evaluation.status != EvaluationStatus.WITHDRAWN:
        change(
            actor=actor,
            instance=evaluation,
            verb="feedback.withdraw",
            note=reason,
            status=EvaluationStatus.WITHDRAWN,
        )
    follow_up = FollowUp.objects.select_for_update().filter(dispatch=dispatch).first()
    if follow_up is not None and follow_up.status in _FOLLOW_UP_PENDING:
        change(
            actor=actor,
            instance=follow_up,
            verb="follow_up.withdraw",
            note=reason,
            status=FollowUpStatus.WITHDRAWN,
        )
        for process in processes_of(follow_up).filter(status=PROCESS.NEW):
            cancel_process(process)
    return evaluation


@transaction.atomic
def feedback_reopen(*, actor, dispatch: Dispatch, reason: str = "") -> Evaluation | None:
    """The trainee's attendance was corrected back to present: the evaluation a correction
    withdrew is theirs again — open (the invitation sent if the class has ended and it
    was not yet), or answered as it was — and its follow-up scheduled again (the daily
    pass opens it when its day has come); a dispatch that never opened one opens it now
    (`feedback_open`). Each audited."""
    evaluation = Evaluation.objects.select_for_update().filter(dispatch=dispatch).first()
    if evaluation is None:
        return feedback_open(dispatch=dispatch)
    if evaluation.status == EvaluationStatus.WITHDRAWN:
        change(
            actor=actor,
            instance=evaluation,
            verb="feedback.reopen",
            note=reason,
            status=EvaluationStatus.SUBMITTED if evaluation.submitted_at else EvaluationStatus.OPEN,
        )
        evaluation = Evaluation.objects.select_related("cadre__user", "training_class").get(
            pk=evaluation.pk
        )
        if evaluation.status == EvaluationStatus.OPEN and policy.class_has_ended(
            evaluation.training_class
        ):
            _invite([evaluation])  # sent once: its key is the trainee's and the class's
    follow_up = FollowUp.objects.select_for_update().filter(dispatch=dispatch).first()
    if follow_up is not None and follow_up.status == FollowUpStatus.WITHDRAWN:
        change(
            actor=actor,
            instance=follow_up,
            verb="follow_up.reschedule",
            note=reason,
            status=FollowUpStatus.SCHEDULED,
            due_at=None,
            escalated=False,
        )
    return evaluation


def _invite(evaluations) -> None:
    """Each trainee's one message asking for their evaluation (the key makes it one), in
    a fixed number of queries however many (`notify_each`)."""
    notify_each(
        event=Event.REMINDER,
        template="feedback/events/evaluation_open.txt",
        entries=[
            Entry(
                e.cadre.user,
                f"feedback:evaluation:{e.cadre_id}:{e.training_class_id}",
                {"class_name": e.training_class.name},
                reverse("feedback:evaluation", args=[e.pk]),
            )
            for e in evaluations
            if e.cadre.user is not None
        ],
    )


#: evaluations asked for in one batch of the daily pass
INVITE_BATCH = 500

#: how many days back the daily pass looks for classes that ended (a missed day or two)
INVITE_LOOKBACK_DAYS = 7


def evaluations_invite(today=None) -> int:
    """The daily pass: the trainees of classes that ended (today, or in the last few days
    if a run was missed) are asked for their evaluation — once, when it can be given
    (`policy.class_has_ended`), not when attendance was recorded. The number asked."""
    today = today or timezone.localdate()
    due = Evaluation.objects.filter(
        status=EvaluationStatus.OPEN,
        training_class__end_date__range=(today - dt.timedelta(days=INVITE_LOOKBACK_DAYS), today),
        cadre__user__isnull=False,
    ).select_related("cadre__user", "training_class")
    count = 0
    for start in range(0, due.count(), INVITE_BATCH):
        batch = list(due.order_by("pk")[start : start + INVITE_BATCH])
        _invite(batch)
        count += len(batch)
    return count


def _score(value, field: str) -> int:
    if value is None or str(value).strip() == "":
        # Missing, not invalid: the trainee skipped it (the form says the same).
        raise ValidationError({field: _("Please give a score.")})
    try:
        score = int(value)
    except (TypeError, ValueError):
        score = None
    if score is None or not SCORE_MIN <= score <= SCORE_MAX or str(value).strip() != str(score):
        raise ValidationError({field: _("A score must be a whole number from 1 to 5.")})
    return score


def _comment(value, field: str) -> str:
    text = (value or "").strip()
    if len(text) > REASON_MAX_LENGTH:
        raise ValidationError(
            {field: _("A comment may have at most %(n)d characters.") % {"n": REASON_MAX_LENGTH}}
        )
    return text


@transaction.atomic
def evaluation_submit(
    *, actor, evaluation: Evaluation, score, comment: str = "", sessions: dict | None = None
) -> Evaluation:
    """The trainee scores the class and each of its sessions (1–5, with comments), once,
    once the class has ended. `sessions` maps each session id of the class to (score,
    comment); every session must be scored."""
    evaluation = (
        Evaluation.objects.select_for_update(of=("self",))
        .select_related("cadre", "training_class")
        .get(pk=evaluation.pk)
    )
    policy.require_own_evaluation(actor, evaluation)
    if evaluation.status == EvaluationStatus.WITHDRAWN:
        raise ValidationError(policy.EVALUATION_WITHDRAWN)
    if evaluation.status != EvaluationStatus.OPEN:
        raise ValidationError(_("You have already evaluated this class."))
    policy.require_class_ended(evaluation.training_class)
    errors = {}
    values = {}
    try:
        values["score"] = _score(score, "score")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        values["comment"] = _comment(comment, "comment")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    sessions = {int(k): v for k, v in (sessions or {}).items()}
    class_sessions = list(evaluation.training_class.sessions.order_by("date", "pk"))
    if set(sessions) - {s.pk for s in class_sessions}:
        errors.setdefault("__all__", []).append(_("A session scored is not one of this class."))
    scores = []
    for session in class_sessions:
        field = f"session_{session.pk}"
        session_score, session_comment = sessions.get(session.pk, (None, ""))
        try:
            scores.append(
                SessionScore(
                    evaluation=evaluation,
                    session=session,
                    score=_score(session_score, field),
                    comment=_comment(session_comment, f"{field}_comment"),
                )
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            SessionScore.objects.bulk_create(scores)
    except IntegrityError as exc:
        raise ValidationError(_("You have already evaluated this class.")) from exc
    return change(
        actor=actor,
        instance=evaluation,
        verb="feedback.submit",
        status=EvaluationStatus.SUBMITTED,
        submitted_at=timezone.now(),
        **values,
    )


# -- follow-ups ----------------------------------------------------------------------------


def _lock_follow_up(follow_up) -> FollowUp:
    return (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("cadre", "unit", "training_class")
        .get(pk=follow_up.pk)
    )


def follow_up_answer_due(now=None) -> dt.datetime:
    return deadline_in(FOLLOW_UP_ANSWER_DAYS, now=now)


@transaction.atomic
def follow_up_open(*, follow_up: FollowUp) -> FollowUp | None:
    """Its day has come: the head of the trainee's unit is asked (the schedule does it).
    None when it is no longer scheduled (opened meanwhile)."""
    follow_up = _lock_follow_up(follow_up)
    if follow_up.status != FollowUpStatus.SCHEDULED:
        return None
    # The unit the trainee serves now: a head who has since lost them has nothing to say.
    return change(
        actor=None,
        instance=follow_up,
        verb="follow_up.open",
        status=FollowUpStatus.OPEN,
        due_at=follow_up_answer_due(),
        unit=follow_up.cadre.unit,
    )


@transaction.atomic
def follow_up_complete(*, actor, follow_up: FollowUp, applied: str, rating, comment="") -> FollowUp:
    """The head of the trainee's unit says whether the trainee applied what was learned,
    rates it 1–5 and comments."""
    follow_up = _lock_follow_up(follow_up)
    policy.require_follow_up_head(actor, follow_up)
    if follow_up.status != FollowUpStatus.OPEN:
        raise ValidationError(_("This step has already been completed by someone else."))
    errors = {}
    if applied not in Applied.values:
        errors["applied"] = [_("Choose applied, partly applied or not applied.")]
    try:
        rating = _score(rating, "rating")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        comment = _comment(comment, "comment")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return change(
        actor=actor,
        instance=follow_up,
        verb="follow_up.complete",
        status=FollowUpStatus.DONE,
        applied=applied,
        rating=rating,
        comment=comment,
        completed_by=actor,
        completed_at=timezone.now(),
    )


#: at most this many follow-ups are reminded, or escalated, in one batch
BATCH = 500


def _batch(claimable, follow_up, others) -> list[FollowUp]:
    """`follow_up` first, if `claimable` holds it, then up to BATCH - 1 of `others`:
    claimed under row locks that skip those another batch holds."""
    claimable = claimable.select_related("cadre", "unit", "training_class").select_for_update(
        skip_locked=True, of=("self",)
    )
    lead = list(claimable.filter(pk=follow_up.pk))
    if not lead:
        return []
    rest = claimable.filter(others).exclude(pk=follow_up.pk).order_by("due_at", "pk")
    return lead + list(rest[: BATCH - 1])


@transaction.atomic
def follow_up_remind(*, follow_up: FollowUp) -> list[FollowUp]:
    """Before the answer is due: remind the unit's head(s) — of this follow-up and of
    every other open one whose reminder is due by now and was not sent, in ONE message
    each (a head with ten trainees back from one class hears once). Each follow-up is
    reminded once (`reminded_at`). Returns the follow-ups this batch reminded."""
    now = timezone.now()
    soon = now + dt.timedelta(hours=settings.XUNDIAO_REMINDER_BEFORE_HOURS)
    claimable = FollowUp.objects.filter(
        status=FollowUpStatus.OPEN, reminded_at__isnull=True, due_at__gt=now
    )
    batch = _batch(claimable, follow_up, Q(due_at__lte=soon))
    for reminded in batch:
        change(actor=None, instance=reminded, verb="follow_up.remind", reminded_at=now)
    if batch:
        follow_up_notices.reminders(batch, key=f"follow_up:reminders:{follow_up.pk}")
    return batch


@transaction.atomic
def follow_up_escalate(*, follow_up: FollowUp) -> list[FollowUp]:
    """Past its due moment and still open: flagged, with every other open follow-up past
    its due moment and not escalated, and the dispatchers over each unit told to chase
    the head (only the head may answer, so the task stays theirs) — one message each
    for all of theirs. Returns the follow-ups this batch escalated."""
    now = timezone.now()
    claimable = FollowUp.objects.filter(
        status=FollowUpStatus.OPEN, escalated=False, due_at__lte=now
    )
    batch = _batch(claimable, follow_up, Q())
    for escalated in batch:
        change(actor=None, instance=escalated, verb="follow_up.escalate", escalated=True)
    if batch:
        follow_up_notices.escalations(batch, key=f"follow_up:escalations:{follow_up.pk}")
    return batch
