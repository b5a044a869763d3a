"""Who may decide a circular: the head of its organization department — never whoever
started it or drafted its text, even when they hold the head's role too (回避,
`approvals.policy.may_decide_own`)."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from approvals.policy import require_not_own
from audit.models import AuditEvent
from circulars.models import Circular
from org.roles import ORG_PERMISSION


def circular_makers(circular) -> set[int]:
    """Who made the circular: who started it, and who drafted its text in any round (the
    audit trail's `circular.draft` events)."""
    return makers_of_circulars([circular])[circular.pk]


def makers_of_circulars(circulars) -> dict[int, set[int]]:
    """`circular_makers` of several circulars, in one query ({circular id: user ids})."""
    makers = {c.pk: {c.created_by_id} - {None} for c in circulars}
    drafters = AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Circular),
        target_id__in=[str(pk) for pk in makers],
        verb="circular.draft",
        actor__isnull=False,
    ).values_list("target_id", "actor")
    for target_id, actor in drafters:
        makers[int(target_id)].add(actor)
    return makers


def require_not_own_circular(actor, circular) -> None:
    """`may_decide_own` for the circular's makers, or refused with the recusal message."""
    require_not_own(actor, circular_makers(circular))


def require_circular_decider(actor, circular) -> None:
    """The head of the circular's department decides it, but not who made it; the system
    (None) issues a circular nobody decides."""
    if actor is None:
        return
    if not actor.has_perm(ORG_PERMISSION, circular.org_department.jurisdiction):
        raise PermissionDenied(_("You may not decide this request."))
    require_not_own_circular(actor, circular)
