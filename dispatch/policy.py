"""Who may do what on roll calls, classes and filings — one predicate per rule, asked by the
services (which refuse), the views (403), the flows (a start node's availability) and the
template tags (which show a link exactly when following it does not end in 403)."""

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.policy import HEAD_PERMISSION, may_decide_own, own_recusal_message
from audit.models import AuditEvent
from core.formatting import format_date
from dispatch.models import (
    AttendanceResult,
    DispatchKind,
    DispatchStatus,
    Filing,
    MakeupStatus,
    QuotaAllocation,
)
from org.policy import DISPATCHER_PERMISSION, is_dispatcher, may
from org.selectors import units_in_reach


def may_issue_roll_call(user) -> bool:
    """A dispatcher somewhere issues roll calls (RollCallFlow's start) and creates
    classes; the class and the cadres or units named are checked against their own units
    by `services.rollcall.roll_call_issue` and `services.classes.training_class_save`."""
    return is_dispatcher(user)


def may_manage_roll_call(user, roll_call) -> bool:
    """The dispatchers of the issuing organization department's unit follow a roll call's
    acknowledgements and cancel it; the system (None) may."""
    return may(user, DISPATCHER_PERMISSION, roll_call.org_department.unit)


def require_manage_roll_call(user, roll_call) -> None:
    if not may_manage_roll_call(user, roll_call):
        raise PermissionDenied(_("This unit is outside your jurisdiction."))


def may_edit_class(user, training_class) -> bool:
    """The dispatchers of the class organizer's unit change the class
    (`services.classes.training_class_save` requires the same)."""
    return may(user, DISPATCHER_PERMISSION, training_class.organizer.unit)


CLASS_CANCELLED = gettext_lazy("This class has been cancelled: it can no longer be changed.")


def cancelled_refusal(training_class) -> str | None:
    """Why a class can no longer be changed, or None: it has been called off
    (`services.class_cancel`). Asked by every door that changes a class — the class page,
    the class import, the curriculum."""
    return str(CLASS_CANCELLED) if training_class.cancelled_at is not None else None


def may_suggest_candidates(user, training_class) -> bool:
    """The dispatchers of the class organizer's unit see the candidates suggested for it."""
    return may(user, DISPATCHER_PERMISSION, training_class.organizer.unit)


def class_has_begun(training_class, today=None) -> bool:
    """From its first day a class is under way: the unit's answer and the trainee's
    acknowledgement are moot, and the registrar records whether the cadre came."""
    return training_class.start_date <= (today or timezone.localdate())


def classes_begun(today=None, *, prefix: str = "training_class__") -> Q:
    """`class_has_begun` in SQL, on the rows reaching the class through `prefix` (a
    dispatch's by default): a confirmation or acknowledgement of such a row is no longer
    due (nor overdue, nor reminded); the registrar's attendance is."""
    return Q(**{f"{prefix}start_date__lte": today or timezone.localdate()})


def answer_refusal(training_class) -> str | None:
    """Why the unit can no longer confirm a cadre or ask leave, deferral or exemption for
    them: the class has begun (leave during the class is recorded with the attendance)."""
    if class_has_begun(training_class):
        return _(
            "%(klass)s began on %(date)s: the cadre can no longer be confirmed or excused; "
            "the institution records whether they came, and leave taken during the class "
            "with the attendance."
        ) % {"klass": training_class.name, "date": format_date(training_class.start_date)}
    return None


def attendance_outcome(training_class, result: str, leave_hours) -> str:
    """What a record of `result` with `leave_hours` of leave amounts to: leave over 1/7 of
    the class hours withdraws a cadre recorded present."""
    if result == AttendanceResult.PRESENT and leave_hours * 7 > training_class.credit_hours:
        return AttendanceResult.WITHDRAWN
    return result


def attendance_refusal(training_class, outcome: str | None = None, *, today=None) -> str | None:
    """Why attendance (of `outcome`, when given) cannot be recorded for the class today,
    or None. The roster opens on the class's first day: a no-show is absent and a cadre
    who leaves is withdrawn from then on. A cadre is recorded present, and credited the
    class hours, only once the class has ended: until its last day a cadre may still
    withdraw, and the hour record is dated that day."""
    today = today or timezone.localdate()
    if not class_has_begun(training_class, today):
        return _("Attendance can be recorded once the class has started.")
    if outcome == AttendanceResult.PRESENT and training_class.end_date > today:
        return _(
            "A cadre is recorded present, and credited the class hours, once the class has "
            "ended (%(date)s); until then record only absences and withdrawals."
        ) % {"date": format_date(training_class.end_date)}
    return None


def require_attendance_open(training_class, outcome: str | None = None) -> None:
    if message := attendance_refusal(training_class, outcome):
        raise ValidationError(message)


#: the dispatch statuses of a recorded attendance (present, absent, withdrawn)
RECORDED_ATTENDANCE = (DispatchStatus.ATTENDED, DispatchStatus.ABSENT, DispatchStatus.WITHDRAWN)


def attendance_correction_deadline(training_class) -> dt.date:
    """The last day a recorded attendance of the class may be corrected:
    `XUNDIAO_ATTENDANCE_CORRECTION_DAYS` days after the class ended."""
    days = settings.XUNDIAO_ATTENDANCE_CORRECTION_DAYS
    return training_class.end_date + dt.timedelta(days=days)


def attendance_correction_refusal(
    dispatch, today=None, *, outcome: str | None = None
) -> str | None:
    """Why the attendance recorded for `dispatch` cannot be corrected (to `outcome`, when
    given: what `attendance_outcome` makes of the correction), or None (考勤更正).

    Only a recorded attendance (present, absent, withdrawn) of a regular dispatch: a
    makeup dispatch's outcome has settled its makeup (attended, or owed again), which a
    correction would leave wrong. Only until `attendance_correction_deadline`. A cadre is
    recorded present only once the class has ended (`attendance_refusal`). Corrected to
    present, an absentee owes no makeup: the makeup owed for the dispatch is cancelled,
    which only a makeup still owed may be — not one scheduled into a class, attended or
    exempted. Without `outcome` (the roster's link), whether any correction is open."""
    today = today or timezone.localdate()
    if dispatch.status not in RECORDED_ATTENDANCE:
        return _(
            "Only an attendance already recorded (present, absent or withdrawn) can be corrected."
        )
    if dispatch.kind == DispatchKind.MAKEUP:
        return _(
            "This is a makeup dispatch: its outcome has settled the makeup training it made "
            "up for, so its attendance cannot be corrected."
        )
    training_class = dispatch.training_class
    deadline = attendance_correction_deadline(training_class)
    if today > deadline:
        return _(
            "The attendance of %(klass)s could be corrected until %(date)s, %(days)s days "
            "after the class ended."
        ) % {
            "klass": training_class.name,
            "date": format_date(deadline),
            "days": settings.XUNDIAO_ATTENDANCE_CORRECTION_DAYS,
        }
    if outcome is None:
        return None
    if message := attendance_refusal(training_class, outcome, today=today):
        return message
    if outcome == AttendanceResult.PRESENT and dispatch.status != DispatchStatus.ATTENDED:
        makeup = getattr(dispatch, "makeup", None)
        if makeup is not None and makeup.status not in (MakeupStatus.OWED, MakeupStatus.CANCELLED):
            return _(
                "The makeup training owed for this dispatch is already %(status)s: the cadre "
                "can no longer be recorded present, which would cancel it."
            ) % {"status": makeup.get_status_display()}
    return None


#: in which capacity a notice is acknowledged (签收): by the trainee themself; by the
#: unit's liaison for a cadre without an account; by a dispatcher of the organization
#: department who took over an escalated acknowledgement
ACK_TRAINEE, ACK_LIAISON, ACK_DISPATCHER = "trainee", "liaison", "dispatcher"


def acknowledging_capacity(user, dispatch) -> str | None:
    """The capacity in which `user` acknowledges the dispatch's notice, or None when
    they may not (not the trainee, nor a liaison of the unit or a dispatcher reaching
    it). A liaison of the unit acts as the liaison even if also a dispatcher."""
    if user is not None and dispatch.cadre.user_id == user.pk:
        return ACK_TRAINEE
    if may(user, "act_as_liaison", dispatch.unit):
        return ACK_LIAISON
    if may(user, DISPATCHER_PERMISSION, dispatch.unit):
        return ACK_DISPATCHER
    return None


def may_request_after_notice(user, dispatch) -> bool:
    """Whether `user` may ask for leave, deferral or exemption at the 签收 step, instead
    of acknowledging the notice (a conflict found once it came): the trainee themself,
    or the unit's liaison, who acknowledges for a cadre without an account — not a
    dispatcher who took over an escalated acknowledgement (the unit asks, not the
    department that decides)."""
    return acknowledging_capacity(user, dispatch) in (ACK_TRAINEE, ACK_LIAISON)


def may_request_after_notice_among(user, dispatches) -> set[int]:
    """`may_request_after_notice` for many dispatches at once (a page of 我的待办): the ids
    of those `user` may ask for — their own, and those of units they are the liaison of.
    At most one query, whatever the number (the dispatches' cadres loaded)."""
    dispatches = list(dispatches)
    own = {d.pk for d in dispatches if user is not None and d.cadre.user_id == user.pk}
    others = [d for d in dispatches if d.pk not in own]
    if not others:
        return own
    if user is None:  # the system, as `org.policy.may` says
        return own | {d.pk for d in others}
    liaison_units = set(
        units_in_reach(user, "act_as_liaison")
        .filter(pk__in={d.unit_id for d in others})
        .values_list("pk", flat=True)
    )
    return own | {d.pk for d in others if d.unit_id in liaison_units}


def require_request_after_notice(user, dispatch) -> None:
    if not may_request_after_notice(user, dispatch):
        raise PermissionDenied(
            _(
                "Only the trainee or the unit's liaison may ask for leave, deferral or "
                "exemption instead of acknowledging the notice."
            )
        )


# -- separation of duties (回避) on filings --------------------------------------------


def _filing_submitters(filings) -> dict[int, set[int]]:
    """Who submitted each filing ({filing id: user ids}), in one query: who filed it, and
    who corrected and submitted it again after it was returned (the audit trail's
    `filing.correct` events)."""
    submitters = {filing.pk: {filing.filed_by_id} - {None} for filing in filings}
    correctors = AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Filing),
        target_id__in=[str(pk) for pk in submitters],
        verb="filing.correct",
        actor__isnull=False,
    ).values_list("target_id", "actor")
    for target_id, actor in correctors:
        submitters[int(target_id)].add(actor)
    return submitters


def _filing_participant_users(filings) -> dict[int, set[int]]:
    """The user accounts of each filing's participants ({filing id: user ids}), in one
    query; a participant without an account names nobody."""
    users = {filing.pk: set() for filing in filings}
    rows = Filing.participants.through.objects.filter(
        filing_id__in=list(users), cadre__user__isnull=False
    ).values_list("filing_id", "cadre__user_id")
    for filing_id, user_id in rows:
        users[filing_id].add(user_id)
    return users


def makers_of_filings(filings) -> dict[int, set[int]]:
    """Who may not review each filing ({filing id: user ids}), in two queries: who filed
    or resubmitted it, and the participants it credits (their accounts). For 我的待办's
    mark (`workflow.nodes.RecusingView`)."""
    filings = list(filings)
    makers = _filing_submitters(filings)
    for filing_id, users in _filing_participant_users(filings).items():
        makers[filing_id] |= users
    return makers


def filing_recusal(user, filing) -> str | None:
    """Why `user` may not review `filing` (回避: nobody decides a request they made, nor
    one about themselves), or None: they filed it or corrected and resubmitted it, or it
    credits hours to them (a participant whose account they are). Delegations hand over a
    department head's decisions only (`org.policy.DELEGATED_PERMISSION`), never a
    dispatcher's, so no deputy reviews a filing for someone else. The system (None) is
    never recused."""
    if user is None:
        return None
    if user.pk in _filing_submitters([filing])[filing.pk]:
        return _(
            "You filed or resubmitted this filing: under the recusal rule another "
            "dispatcher reviews it."
        )
    if user.pk in _filing_participant_users([filing])[filing.pk]:
        return _(
            "You are one of the participants of this filing: under the recusal rule "
            "another dispatcher reviews it."
        )
    return None


def require_not_own_filing(user, filing) -> None:
    """`filing_recusal`, or refused with its reason (the review service and the flow's
    review step, `workflow.nodes.RecusingView`)."""
    if message := filing_recusal(user, filing):
        raise PermissionDenied(message)


# -- separation of duties (回避) on nominations ----------------------------------------


def nominee_users(allocations) -> dict[int, set[int]]:
    """The nominees' own accounts ({allocation id: user ids}), in one query: who may not
    accept each nomination as dispatcher. For 我的待办's mark (`RecusingView`)."""
    users = {a.pk: set() for a in allocations}
    rows = QuotaAllocation.nominees.through.objects.filter(
        quotaallocation_id__in=list(users), cadre__user__isnull=False
    ).values_list("quotaallocation_id", "cadre__user_id")
    for allocation_id, user_id in rows:
        users[allocation_id].add(user_id)
    return users


def nomination_makers(allocations) -> dict[int, set[int]]:
    """Who may not approve each nomination as department head ({allocation id: user
    ids}), in one query: who nominated it, and the nominees' own accounts. For 我的待办's
    mark (`workflow.nodes.RecusingView`)."""
    allocations = list(allocations)
    makers = nominee_users(allocations)
    for allocation in allocations:
        if allocation.nominated_by_id is not None:
            makers[allocation.pk].add(allocation.nominated_by_id)
    return makers


def require_not_own_nomination(user, allocation) -> None:
    """A department head does not approve a nomination he made as the unit's liaison, nor
    one naming himself (回避), nor does a deputy acting only for such a head: another
    head reaching the unit (a head above, or a deputy acting for another) approves it,
    and if none does, it waits. Asked by `services.rollcall.nomination_head_decide` and
    the flow's head step (`workflow.nodes.RecusingView`)."""
    makers = nomination_makers([allocation])[allocation.pk]
    if not may_decide_own(user, makers, permission=HEAD_PERMISSION, scope=allocation.unit):
        raise PermissionDenied(own_recusal_message())


def require_not_nominee(user, allocation) -> None:
    """A dispatcher does not accept a nomination naming himself (回避); another dispatcher
    reaching the unit does. Asked by `services.rollcall.nomination_review` and the flow's
    review step. (A dispatcher who nominated for a unit past its deadline may review it:
    the unit's head approved it in between.)"""
    if user is None or not user.pk:
        return
    if user.pk in nominee_users([allocation])[allocation.pk]:
        raise PermissionDenied(
            _(
                "You are one of the nominees: under the recusal rule another dispatcher "
                "accepts or returns this nomination."
            )
        )
