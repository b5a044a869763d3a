"""Who may do what on roll calls and classes — one predicate per rule, asked by the
services (which refuse), the views (403), the flows (a start node's availability) and the
template tags (which show a link exactly when following it does not end in 403)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

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
