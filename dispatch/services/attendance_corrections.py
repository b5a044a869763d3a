"""Correcting a recorded attendance (考勤更正): the institution's registrar changes what was
recorded for a dispatch — present, absent or withdrawn — saying why, for a while after the
class (`policy.attendance_correction_refusal`, the one rule of when). The cadre's ledger,
the makeup owed and the circular's flag follow, each write audited; the apps above
dispatch follow it through `attendance_corrected` (feedback: the trainee's evaluation)."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

from audit.services import change, record_event, snapshot
from core.validation import require_reason
from dispatch import notices
from dispatch.models import (
    AttendanceResult,
    Dispatch,
    DispatchStatus,
    Makeup,
    MakeupReason,
    MakeupStatus,
)
from dispatch.policy import attendance_correction_refusal, attendance_outcome
from dispatch.selectors import dispatches_ruling_out
from dispatch.services.dispatching import TENTH, class_hour_fields, makeup_due_date
from dispatch.services.rollcall import makeup_cancel
from ledger.models import HourRecord, HourStatus
from org.locks import lock_cadres
from org.policy import require_any

#: Sent by `attendance_correct` in its transaction, the dispatch saved with the
#: attendance it records now: `dispatch`, `actor`, `reason`, `before` (the attendance
#: recorded before, in words) and `key` (naming the correction, for messages). The apps
#: above dispatch, which dispatch never imports, follow a correction by it (feedback
#: withdraws or reopens the trainee's evaluation; circulars tell the dispatchers of an
#: issued circular that counted it); a receiver's error undoes the correction.
attendance_corrected = Signal()

#: the result each recorded status stands for, and back
RESULT_OF = {
    DispatchStatus.ATTENDED: AttendanceResult.PRESENT,
    DispatchStatus.ABSENT: AttendanceResult.ABSENT,
    DispatchStatus.WITHDRAWN: AttendanceResult.WITHDRAWN,
}
STATUS_OF = {result: status for status, result in RESULT_OF.items()}
#: why a makeup is owed after each result that owes one (`MakeupReason`)
MAKEUP_REASON = {
    AttendanceResult.ABSENT: MakeupReason.ABSENCE,
    AttendanceResult.WITHDRAWN: MakeupReason.WITHDRAWN,
}


@dataclass(frozen=True)
class CorrectionOutcome:
    """What a correction did: the dispatch as it stands now; the attendance before and
    after, in words (`attendance_words`); the makeup it made owed — new, or owed again —
    whose MakeupFlow the caller starts; the makeup it cancelled."""

    dispatch: Dispatch
    before: str
    after: str
    makeup_owed: Makeup | None = None
    makeup_cancelled: Makeup | None = None


def attendance_words(dispatch) -> str:
    """The attendance recorded for `dispatch`, in the task page's words: 出勤，计入38学时
    (请假2学时 first, if any); 缺训; 退学 (with its leave hours, if any)."""
    result = AttendanceResult(RESULT_OF[dispatch.status])
    leave = floatformat(dispatch.leave_hours, -1)
    if result == AttendanceResult.PRESENT:
        hours = floatformat(dispatch.hours_credited, -1)
        if dispatch.leave_hours:
            return _("Present, %(leave)s hours of leave, %(hours)s hours credited") % {
                "leave": leave,
                "hours": hours,
            }
        return _("Present, %(hours)s hours credited") % {"hours": hours}
    if result == AttendanceResult.WITHDRAWN and dispatch.leave_hours:
        return _("Withdrawn, %(leave)s hours of leave") % {"leave": leave}
    return str(result.label)


def _lock(dispatch) -> Dispatch:
    return (
        Dispatch.objects.select_for_update(of=("self",))
        .select_related("cadre__user", "training_class__institution__unit", "unit")
        .get(pk=dispatch.pk)
    )


def _leave_hours(training_class, leave_hours) -> Decimal:
    """Leave hours as `attendance_record` takes them: 0 to the class hours, one decimal."""
    leave_hours = Decimal(leave_hours or 0)
    if leave_hours < 0 or leave_hours > training_class.credit_hours:
        raise ValidationError(
            {"leave_hours": _("Leave hours must lie between 0 and the class hours.")}
        )
    if leave_hours != leave_hours.quantize(TENTH):
        raise ValidationError({"leave_hours": _("Hours are recorded to one decimal place.")})
    return leave_hours


def _require_free(dispatch) -> None:
    """Recorded present again, the cadre sat in the class: refused if, absent or withdrawn
    from it, they have since been booked into a class that overlaps it (as every booking
    path refuses, `dispatches_ruling_out`). The cadre's row is locked first, as by every
    booking path (`lock_cadres`)."""
    lock_cadres([dispatch.cadre_id])
    clash = (
        dispatches_ruling_out(dispatch.training_class)
        .filter(cadre_id=dispatch.cadre_id)
        .exclude(pk=dispatch.pk)
        .select_related("training_class")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            _("%(name)s is already dispatched to %(klass)s, which overlaps this class.")
            % {"name": dispatch.cadre.name, "klass": clash.training_class.name}
        )


@transaction.atomic
def attendance_correct(*, actor, dispatch, result, leave_hours, reason) -> CorrectionOutcome:
    """The institution corrects the attendance it recorded for a dispatch (考勤更正), with
    a reason: leave over 1/7 of the class hours still withdraws (`attendance_outcome`).
    Present: the class hours less leave credited (the dispatch's hour record made, or
    changed and recognized again) and the makeup owed cancelled. Absent or withdrawn: the
    hour record rejected and a makeup owed (the one cancelled before, owed again).
    Absent and withdrawn: the makeup's reason follows. The unit's liaisons and the trainee
    are told once (`notices.attendance_corrected`); the apps above hear it
    (`attendance_corrected`)."""
    dispatch = _lock(dispatch)
    training_class = dispatch.training_class
    require_any(actor, ("record_attendance",), training_class.institution.unit)
    reason = require_reason(reason, _("Please give a reason for the correction."))
    if result not in AttendanceResult.values:
        raise ValidationError({"result": _("Choose present, absent or withdrawn.")})
    leave = _leave_hours(training_class, leave_hours)
    outcome = attendance_outcome(training_class, result, leave)
    if outcome == AttendanceResult.ABSENT:
        leave = Decimal(0)  # an absentee is recorded without leave, as `attendance_record` does
    # Locked before the policy reads it: `makeup_schedule` holds it while it books one.
    makeup = Makeup.objects.select_for_update(of=("self",)).filter(source=dispatch).first()
    if makeup is not None:
        dispatch.makeup = makeup
    if message := attendance_correction_refusal(dispatch, outcome=outcome):
        raise ValidationError(message)
    was = RESULT_OF[dispatch.status]
    if outcome == was and leave == dispatch.leave_hours:
        raise ValidationError(
            _("The correction changes nothing: this is the attendance already recorded.")
        )
    if outcome == AttendanceResult.PRESENT and was != AttendanceResult.PRESENT:
        _require_free(dispatch)

    before_words, before = attendance_words(dispatch), snapshot(dispatch)
    present = outcome == AttendanceResult.PRESENT
    fields = {
        "status": STATUS_OF[outcome],
        "attendance": outcome,
        "leave_hours": leave,
        "hours_credited": training_class.credit_hours - leave if present else None,
        "flagged_for_circular": outcome == AttendanceResult.ABSENT,
    }
    for name, value in fields.items():
        setattr(dispatch, name, value)
    dispatch.save(update_fields=list(fields))
    event = record_event(
        actor=actor,
        verb="dispatch.attendance_correct",
        target=dispatch,
        before=before,
        after=snapshot(dispatch),
        note=reason,
    )
    attendance_corrected.send(
        sender=Dispatch,
        dispatch=dispatch,
        actor=actor,
        reason=reason,
        before=before_words,
        key=f"dispatch:{dispatch.pk}:corrected:{event.pk}",
    )

    owed = cancelled = None
    if present:
        _credit(actor, dispatch, reason)
        if makeup is not None and makeup.status == MakeupStatus.OWED:
            cancelled = _cancel_makeup(actor, makeup, reason)
    else:
        if was == AttendanceResult.PRESENT:
            _reject_credit(actor, dispatch, reason)
        owed = _owe_makeup(actor, dispatch, makeup, MAKEUP_REASON[outcome], reason)

    after_words = attendance_words(dispatch)
    notices.attendance_corrected(
        dispatch,
        key=f"dispatch:{dispatch.pk}:corrected:{event.pk}",
        before=before_words,
        after=after_words,
        reason=reason,
        owed=owed,
        cancelled=cancelled,
    )
    return CorrectionOutcome(dispatch, before_words, after_words, owed, cancelled)


def _hour_record(dispatch) -> HourRecord | None:
    return (
        HourRecord.objects.select_for_update().filter(source_key=f"dispatch:{dispatch.pk}").first()
    )


def _credit(actor, dispatch, reason) -> HourRecord:
    """The dispatch's hour record as `attendance_record` makes it (`class_credit`), made now
    or — rejected by an earlier correction, or credited with other leave — changed in
    place and recognized (its `source_key` is the dispatch's: one record per dispatch)."""
    made = class_hour_fields(dispatch, dispatch.hours_credited)
    record = _hour_record(dispatch)
    if record is None:
        record = HourRecord.objects.create(**made)
        record_event(
            actor=actor, verb="hours.credit", target=record, after=snapshot(record), note=reason
        )
        return record
    before = snapshot(record)
    fields = {
        **{key: made[key] for key in ("date", "hours", "days", "kind", "note")},
        "status": HourStatus.RECOGNIZED,
    }
    for name, value in fields.items():
        setattr(record, name, value)
    record.save(update_fields=list(fields))  # HourRecord.save moves the totals
    record_event(
        actor=actor,
        verb="hours.correct",
        target=record,
        before=before,
        after=snapshot(record),
        note=reason,
    )
    return record


def _reject_credit(actor, dispatch, reason) -> HourRecord | None:
    """The hours credited for the dispatch no longer count: its record rejected (the
    totals follow, `HourRecord.save`), its note saying why, kept in the ledger."""
    record = _hour_record(dispatch)
    if record is None or record.status == HourStatus.REJECTED:
        return record
    before = snapshot(record)
    prefix = _("Attendance corrected to %(result)s: %(reason)s") % {
        "result": AttendanceResult(dispatch.attendance).label,
        "reason": reason,
    }
    record.status = HourStatus.REJECTED
    record.note = f"{prefix} · {record.note}"[:255]
    record.save(update_fields=["status", "note"])
    record_event(
        actor=actor,
        verb="hours.reject",
        target=record,
        before=before,
        after=snapshot(record),
        note=reason,
    )
    return record


def _cancel_makeup(actor, makeup, reason) -> Makeup:
    """Recorded present after all: the makeup owed is not owed, and its MakeupFlow ends
    (as a roll call's cancellation ends one)."""
    return makeup_cancel(actor=actor, makeup=makeup, reason=reason)


def _owe_makeup(actor, dispatch, makeup, why: str, reason) -> Makeup | None:
    """Absent or withdrawn: a makeup is owed for the dispatch, due as `makeup_owe` makes it
    — a new one, or the one an earlier correction cancelled, owed again (one makeup per
    dispatch) — and returned for its MakeupFlow to start. Already owed (absent ↔
    withdrawn), its reason follows and nothing is returned."""
    if makeup is not None and makeup.status != MakeupStatus.CANCELLED:
        if makeup.reason != why:
            change(actor=actor, instance=makeup, verb="makeup.reason", note=reason, reason=why)
        return None
    due = makeup_due_date()
    if makeup is None:
        makeup = Makeup.objects.create(
            cadre=dispatch.cadre, source=dispatch, reason=why, due_date=due
        )
        record_event(
            actor=actor, verb="makeup.owe", target=makeup, after=snapshot(makeup), note=reason
        )
        return makeup
    return change(
        actor=actor,
        instance=makeup,
        verb="makeup.owe",
        note=reason,
        status=MakeupStatus.OWED,
        reason=why,
        due_date=due,
        escalated=False,
    )
