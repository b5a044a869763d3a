"""Who may do what with feedback and follow-ups: the rules, in one place."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
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


def class_has_ended(training_class, today: dt.date | None = None) -> bool:
    """A class is evaluated once it has ended — from its last day on — so that no
    session is scored before it is held."""
    return training_class.end_date <= (today or timezone.localdate())


def class_has_ended_q(today: dt.date | None = None) -> Q:
    """`class_has_ended` as a filter on evaluations, for the lists (我的待办)."""
    return Q(training_class__end_date__lte=today or timezone.localdate())


def require_class_ended(training_class, today: dt.date | None = None) -> None:
    if not class_has_ended(training_class, today):
        raise ValidationError(_("A class can be evaluated once it has ended."))


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
