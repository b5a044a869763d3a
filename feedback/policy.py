"""Who may do what with feedback and follow-ups: the rules, in one place."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.policy import Authority, route_chain
from org import selectors as org_selectors

#: the permission of the trainee's department head, who answers the follow-up
HEAD_PERMISSION = "approve_as_head"

#: why a withdrawn evaluation (`EvaluationStatus.WITHDRAWN`) is not filled in
EVALUATION_WITHDRAWN = gettext_lazy(
    "This evaluation was withdrawn: your attendance at the class was corrected."
)


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


def follow_up_permission(follow_up) -> str:
    """Who answers a follow-up, as a permission on its unit ("org.<codename>"): the heads
    of the trainee's unit — or, when the trainee is the only one who holds that authority
    (a unit's own head), the dispatchers of the nearest organization department
    (`approvals.policy.route_chain`, the rule every approval step follows). The follow-up
    task is offered by it, and `may_complete_follow_up` asks it."""
    [authority] = route_chain(
        [Authority(1, "", f"org.{HEAD_PERMISSION}", follow_up.unit)],
        requested_by=None,
        cadre=follow_up.cadre,
    )
    return authority.permission


def may_complete_follow_up(user, follow_up) -> bool:
    """Whoever `follow_up_permission` names for the unit (a head of the unit or above it,
    a deputy while the head's delegation runs; the dispatchers when the trainee is the
    unit's only head) — never the trainee themself."""
    if user is None or not user.is_authenticated:
        return False
    if follow_up.cadre.user_id == user.pk:
        return False
    codename = follow_up_permission(follow_up).split(".", 1)[1]
    return org_selectors.has_unit_permission(user, codename, follow_up.unit)


def require_follow_up_head(user, follow_up) -> None:
    if not may_complete_follow_up(user, follow_up):
        raise PermissionDenied(_("Only the head of the trainee's unit may complete the follow-up."))


def sees_comments(user, training_class) -> bool:
    """Comments (unsigned) are for the organizing department's people; an institution
    sees only the scores' aggregates of its classes."""
    return user.is_superuser or org_selectors.has_unit_permission(
        user, "read_scope", training_class.organizer.unit
    )
