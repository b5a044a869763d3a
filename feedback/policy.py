"""Who may do what with feedback and follow-ups: the rules, in one place."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from org import selectors as org_selectors

#: the permission of the trainee's department head, who answers the follow-up
HEAD_PERMISSION = "approve_as_head"


def is_own_evaluation(user, evaluation) -> bool:
    """Only the trainee evaluates (a liaison never fills it in for a cadre without an
    account: such an evaluation waits until the cadre has one)."""
    return (
        user is not None
        and user.is_authenticated
        and evaluation.cadre.user_id is not None
        and evaluation.cadre.user_id == user.pk
    )


def require_own_evaluation(user, evaluation) -> None:
    if not is_own_evaluation(user, evaluation):
        raise PermissionDenied(_("Only a trainee who attended the class may evaluate it."))


def may_complete_follow_up(user, follow_up) -> bool:
    """The head of the trainee's unit (or above it, or a deputy while the head's
    delegation runs) — never the trainee themself."""
    if user is None or not user.is_authenticated:
        return False
    if follow_up.cadre.user_id == user.pk:
        return False
    return org_selectors.has_unit_permission(user, HEAD_PERMISSION, follow_up.unit)


def require_follow_up_head(user, follow_up) -> None:
    if not may_complete_follow_up(user, follow_up):
        raise PermissionDenied(_("Only the head of the trainee's unit may complete the follow-up."))


def sees_comments(user, training_class) -> bool:
    """Comments (unsigned) are for the organizing department's people; an institution
    sees only the scores' aggregates of its classes."""
    return user.is_superuser or org_selectors.has_unit_permission(
        user, "read_scope", training_class.organizer.unit
    )
