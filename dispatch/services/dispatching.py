"""One cadre's dispatch, step by step. Each step checks the status it expects (so a task
someone else already completed changes nothing) and writes its audit event."""

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import change, record_event, snapshot
from core.deadlines import deadline_in
from core.validation import require_reason, validate_attachment
from dispatch import deadline_notices, notices
from dispatch.models import (
    AttendanceResult,
    ClassKind,
    Dispatch,
    DispatchKind,
    DispatchStatus,
    Makeup,
    MakeupReason,
    RequestKind,
)
from dispatch.policy import (
    acknowledging_capacity,
    answer_refusal,
    attendance_outcome,
    class_has_begun,
    require_attendance_open,
    require_request_after_notice,
)
from dispatch.services.rollcall import answer_due
from ledger.models import HourKind, HourRecord, HourSource
from org.policy import require_any

TENTH = Decimal("0.1")  # hours and days are recorded to one decimal

LIAISON = ("act_as_liaison", "issue_dispatch")


def _lock(dispatch) -> Dispatch:
    return (
        Dispatch.objects.select_for_update(of=("self",))
        .select_related("cadre__user", "training_class__institution__unit", "unit")
        .get(pk=dispatch.pk)
    )


def _expect(dispatch, *statuses):
    if dispatch.status not in statuses:
        raise ValidationError(_("This step has already been completed by someone else."))


@transaction.atomic
def dispatch_confirm(*, actor, dispatch) -> Dispatch:
    """The unit confirms the cadre will attend (报名确认)."""
    dispatch = _lock(dispatch)
    require_any(actor, LIAISON, dispatch.unit)
    _expect(dispatch, DispatchStatus.NAMED)
    _require_answer_open(dispatch)
    return change(
        actor=actor, instance=dispatch, verb="dispatch.confirm", status=DispatchStatus.CONFIRMED
    )


def _require_answer_open(dispatch) -> None:
    if message := answer_refusal(dispatch.training_class):
        raise ValidationError(message)


@transaction.atomic
def dispatch_request(*, actor, dispatch, kind: str, reason: str, attachment=None) -> Dispatch:
    """The unit asks for leave, deferral or exemption; approval follows."""
    dispatch = _lock(dispatch)
    require_any(actor, LIAISON, dispatch.unit)
    _expect(dispatch, DispatchStatus.NAMED)
    _require_answer_open(dispatch)
    fields = _request_fields(actor=actor, kind=kind, reason=reason, attachment=attachment)
    return change(actor=actor, instance=dispatch, verb=f"dispatch.request.{kind}", **fields)


@transaction.atomic
def dispatch_request_after_notice(
    *, actor, dispatch, kind: str, reason: str, attachment=None
) -> Dispatch:
    """Instead of acknowledging the notice (签收), the trainee — or the unit's liaison for
    a cadre without an account — asks for leave, deferral or exemption (illness, an urgent
    duty found once the notice came); the same approval follows, the notice standing
    until it is decided (`dispatch_request_decided`)."""
    dispatch = _lock(dispatch)
    require_request_after_notice(actor, dispatch)
    _expect(dispatch, DispatchStatus.NOTIFIED)
    _require_answer_open(dispatch)
    fields = _request_fields(actor=actor, kind=kind, reason=reason, attachment=attachment)
    return change(
        actor=actor,
        instance=dispatch,
        verb=f"dispatch.request.{kind}",
        note=f"after_notice:{dispatch.notice_reference}",
        **fields,
    )


def _request_fields(*, actor, kind: str, reason: str, attachment) -> dict:
    """A request's fields on the dispatch, checked alike wherever it is asked: its kind,
    a reason (at most `REASON_MAX_LENGTH` characters) and an optional attachment of the
    kinds `validate_attachment` accepts."""
    if kind not in RequestKind.values:
        raise ValidationError({"kind": _("Choose leave, deferral or exemption.")})
    require_reason(reason, _("Please give a reason for the request."))
    try:
        validate_attachment(attachment or None)
    except ValidationError as exc:
        raise ValidationError({"attachment": exc.messages}) from exc
    fields = {
        "status": DispatchStatus.REQUESTED,
        "request_kind": kind,
        "request_reason": reason.strip(),
        "requested_by": actor,
    }
    if attachment:
        fields["request_attachment"] = attachment
    return fields


def makeup_due_date():
    """When a makeup owed today is due: `XUNDIAO_MAKEUP_DUE_MONTHS` months on (every door
    that owes one: a deferral, an absence, a withdrawal, a correction)."""
    return timezone.localdate() + relativedelta(months=settings.XUNDIAO_MAKEUP_DUE_MONTHS)


def class_hour_fields(dispatch, hours) -> dict:
    """The fields of the hour record a dispatch attended earns (`class_credit`): one
    record per dispatch, keyed by it, dated the class's last day — as recorded and as
    corrected alike."""
    training_class = dispatch.training_class
    kind, days = class_credit(training_class, hours)
    return {
        "cadre": dispatch.cadre,
        "date": training_class.end_date,
        "hours": hours,
        "days": days,
        "kind": kind,
        "source": HourSource.CLASS,
        "source_key": f"dispatch:{dispatch.pk}",
        "note": training_class.name[:255],
    }


def makeup_owe(*, actor, dispatch, reason: str, told=()) -> Makeup:
    """Owe a makeup for `dispatch` and tell the unit's liaisons and the trainee — all but
    those in `told`, whose message about the same event already says it."""
    makeup = Makeup.objects.create(
        cadre=dispatch.cadre, source=dispatch, reason=reason, due_date=makeup_due_date()
    )
    record_event(actor=actor, verb="makeup.owe", target=makeup, after=snapshot(makeup))
    notices.makeup_owed(makeup, told=told)
    return makeup


@transaction.atomic
def dispatch_request_decided(*, dispatch, approved: bool) -> Dispatch:
    """Apply the approval's outcome: an approved leave or deferral closes as deferred and
    owes makeup; an approved exemption closes as exempt. Asked after the notice, an
    approval leaves the notice no longer in force: no acknowledgement is due any more
    (its due moment cleared; the event names the notice). Refused, the dispatch is named
    again, and confirmation resumes — with a new due moment (and not yet escalated) if
    the old one has passed meanwhile; asked after the notice, the notice stands and is
    to be acknowledged, by a new due moment. Once the class has begun, nobody can answer
    any more (`policy.answer_refusal`): no new due moment, and DispatchFlow hands the
    dispatch to the registrar, who records whether the cadre came."""
    dispatch = _lock(dispatch)
    _expect(dispatch, DispatchStatus.REQUESTED)
    now = timezone.now()
    after_notice = bool(dispatch.notice_reference)
    if not approved:
        if after_notice:
            reopened = {"status": DispatchStatus.NOTIFIED}
            if not class_has_begun(dispatch.training_class):
                reopened.update(acknowledge_due=acknowledge_due_for(dispatch), escalated=False)
        else:
            reopened = {"status": DispatchStatus.NAMED}
            if dispatch.confirm_due <= now and not class_has_begun(dispatch.training_class):
                reopened.update(confirm_due=answer_due(dispatch.training_class), escalated=False)
        return change(actor=None, instance=dispatch, verb="dispatch.request_refused", **reopened)
    # The notice issued before the request is no longer in force.
    voided = {"acknowledge_due": None} if after_notice else {}
    note = f"notice_void:{dispatch.notice_reference}" if after_notice else ""
    if dispatch.request_kind == RequestKind.EXEMPTION:
        return change(
            actor=None,
            instance=dispatch,
            verb="dispatch.exempt",
            note=note,
            status=DispatchStatus.EXEMPT,
            closed_at=now,
            **voided,
        )
    change(
        actor=None,
        instance=dispatch,
        verb="dispatch.defer",
        note=note,
        status=DispatchStatus.DEFERRED,
        closed_at=now,
        **voided,
    )
    if dispatch.kind != DispatchKind.MAKEUP:  # a makeup's own flow handles it
        # Whoever asked, and the trainee, hear of the makeup in the decision's message
        # (`receivers.on_decision_made`); the unit's other liaisons in their own.
        told = [u for u in (dispatch.requested_by, dispatch.cadre.user) if u is not None]
        makeup_owe(actor=None, dispatch=dispatch, reason=dispatch.request_kind, told=told)
    return dispatch


def acknowledge_due_for(dispatch) -> dt.datetime:
    """Three days to acknowledge (18:00), and at the latest 18:00 the day before the
    report date."""
    return deadline_in(3, eve_of=dispatch.training_class.report_date)


@transaction.atomic
def dispatch_notify(*, dispatch) -> Dispatch:
    """Issue the trainee's notice (入学通知, or 补训通知 for a makeup) as a numbered
    official document, in this transaction, and wait for the acknowledgement."""
    from dispatch import documents

    dispatch = _lock(dispatch)
    _expect(dispatch, DispatchStatus.CONFIRMED)
    if dispatch.kind == DispatchKind.MAKEUP:
        document = documents.issue_makeup_notice(dispatch)
    else:
        document = documents.issue_admission_notice(dispatch)
    notices.notice_issued(dispatch, document)
    return change(
        actor=None,
        instance=dispatch,
        verb="dispatch.notice",
        status=DispatchStatus.NOTIFIED,
        notice_reference=document.document_number,
        acknowledge_due=acknowledge_due_for(dispatch),
    )


@transaction.atomic
def dispatch_acknowledge(*, actor, dispatch, ip: str | None = None) -> Dispatch:
    """The trainee acknowledges receipt — or, on the cadre's behalf, the unit's liaison
    (a cadre without an account) or a dispatcher of the organization department (an
    escalated acknowledgement). The dispatch's own `acknowledged_at`/`acknowledged_ip`
    are the record, and the audit event names the actor and the capacity
    (`as:<policy.acknowledging_capacity>`); the notice's inbox entries still open are
    closed with the same time and IP."""
    dispatch = _lock(dispatch)
    capacity = acknowledging_capacity(actor, dispatch)
    if capacity is None:
        require_any(actor, LIAISON, dispatch.unit)  # refuses, as for the other steps
    _expect(dispatch, DispatchStatus.NOTIFIED)
    change(
        actor=actor,
        instance=dispatch,
        verb="dispatch.acknowledge",
        note=f"as:{capacity}",
        status=DispatchStatus.ACKNOWLEDGED,
        acknowledged_at=timezone.now(),
        acknowledged_ip=ip,
    )
    # Whichever way it came (task page, or one recipient's 签收 in the inbox), no inbox
    # entry for this notice still asks for acknowledgement.
    notices.acknowledged(dispatch, actor=actor)
    return dispatch


def class_credit(training_class, hours: Decimal) -> tuple[str, Decimal | None]:
    """The kind of training and the days that `hours` of `training_class` credit.

    An online class (网络专题班) is online self-study: its hours count as online hours,
    with no days — like the online platforms' imports, whose hours a rule converts at its
    own hours per day — so they neither meet nor advance a concentrated-training
    indicator (hours or days) nor the leadership cycle's concentrated days. Any other
    class is concentrated training, its days in the same proportion as its hours: leave
    shortens both (the indicators may count either, `compliance`), to one decimal like
    every figure of the ledger."""
    if training_class.kind == ClassKind.ONLINE:
        return HourKind.ONLINE, None
    days = (Decimal(training_class.days) * hours / training_class.credit_hours).quantize(TENTH)
    return HourKind.CONCENTRATED, days


@transaction.atomic
def attendance_record(*, actor, dispatch, result: str, leave_hours=Decimal("0")) -> Dispatch:
    """The institution records the outcome. Leave over 1/7 of the class hours makes the
    cadre withdrawn; present cadres are credited the class hours less their leave, once
    the class has ended (`policy.attendance_refusal`): concentrated hours and days, or
    online hours for an online class (`class_credit`)."""
    dispatch = _lock(dispatch)
    training_class = dispatch.training_class
    require_any(actor, ("record_attendance",), training_class.institution.unit)
    # Acknowledged, or reached when the class began still unanswered by the unit (named)
    # or unacknowledged (notified): DispatchFlow's class-start timers.
    _expect(dispatch, DispatchStatus.ACKNOWLEDGED, DispatchStatus.NOTIFIED, DispatchStatus.NAMED)
    require_attendance_open(training_class)
    leave_hours = Decimal(leave_hours or 0)
    if leave_hours < 0 or leave_hours > training_class.credit_hours:
        raise ValidationError(
            {"leave_hours": _("Leave hours must lie between 0 and the class hours.")}
        )
    if leave_hours != leave_hours.quantize(TENTH):
        raise ValidationError({"leave_hours": _("Hours are recorded to one decimal place.")})
    if result not in AttendanceResult.values:
        raise ValidationError({"result": _("Choose present, absent or withdrawn.")})
    result = attendance_outcome(training_class, result, leave_hours)
    require_attendance_open(training_class, result)
    now = timezone.now()
    if result == AttendanceResult.PRESENT:
        hours = training_class.credit_hours - leave_hours
        change(
            actor=actor,
            instance=dispatch,
            verb="dispatch.attend",
            status=DispatchStatus.ATTENDED,
            attendance=result,
            leave_hours=leave_hours,
            hours_credited=hours,
            closed_at=now,
        )
        record = HourRecord.objects.create(**class_hour_fields(dispatch, hours))
        record_event(actor=actor, verb="hours.credit", target=record, after=snapshot(record))
        return dispatch
    if result == AttendanceResult.WITHDRAWN:
        change(
            actor=actor,
            instance=dispatch,
            verb="dispatch.withdraw",
            status=DispatchStatus.WITHDRAWN,
            attendance=result,
            leave_hours=leave_hours,
            closed_at=now,
        )
        if dispatch.kind != DispatchKind.MAKEUP:
            makeup_owe(actor=actor, dispatch=dispatch, reason=MakeupReason.WITHDRAWN)
        return dispatch
    change(
        actor=actor,
        instance=dispatch,
        verb="dispatch.absent",
        status=DispatchStatus.ABSENT,
        attendance=result,
        flagged_for_circular=True,
        closed_at=now,
    )
    if dispatch.kind != DispatchKind.MAKEUP:
        makeup_owe(actor=actor, dispatch=dispatch, reason=MakeupReason.ABSENCE)
    return dispatch


@transaction.atomic
def dispatch_remind(*, dispatch, step: str) -> None:
    """Remind the unit (confirmation) or the trainee (acknowledgement) before the due
    moment; the audit trail records that it went out."""
    dispatch = Dispatch.objects.select_related("cadre__user", "unit", "training_class").get(
        pk=dispatch.pk
    )
    due = dispatch.confirm_due if step == "confirm" else dispatch.acknowledge_due
    record_event(actor=None, verb=f"dispatch.remind.{step}", target=dispatch)
    deadline_notices.reminder(dispatch, step, due)


@transaction.atomic
def dispatch_escalate(*, dispatch, step: str, announce: bool = True) -> Dispatch:
    """A due date passed: the dispatcher takes over the step (told here unless the caller
    tells them of many at once: `announce=False`)."""
    dispatch = _lock(dispatch)
    change(actor=None, instance=dispatch, verb=f"dispatch.escalate.{step}", escalated=True)
    if announce:
        deadline_notices.escalated(dispatch, step)
    return dispatch
