"""Who may do what on roll calls and classes — one predicate per rule, asked by the
services (which refuse), the views (403), the flows (a start node's availability) and the
template tags (which show a link exactly when following it does not end in 403)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import format_date
from dispatch.models import AttendanceResult
from org.policy import DISPATCHER_PERMISSION, is_dispatcher, may


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
