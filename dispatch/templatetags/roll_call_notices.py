"""The roll call's 调训通知 on its page: the notices issued for it that the viewer may open
(one per batch: a named roll call's, or each unit's accepted nominees in a quota one)."""

from django import template

from notifications.models import DocumentKind
from notifications.reach import documents_visible_to

register = template.Library()


@register.simple_tag(takes_context=True)
def roll_call_notices(context, roll_call, limit=20):
    """The dispatch notices about `roll_call` the viewer may open, oldest first (at most
    `limit`); one query."""
    from django.contrib.contenttypes.models import ContentType

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return []
    return list(
        documents_visible_to(user)
        .filter(
            kind=DocumentKind.DISPATCH_NOTICE,
            subject_type=ContentType.objects.get_for_model(roll_call),
            subject_id=roll_call.pk,
        )
        .order_by("issued_at", "pk")[:limit]
    )
