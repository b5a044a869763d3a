"""Reads for the inbox pages and for callers. Every inbox read is the user's own rows;
`unacknowledged` and `acknowledgements` are for callers that check access themselves."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import Event, IssuedDocument, Notification


def inbox_for(user, *, unread_only: bool = False, event: str | None = None) -> QuerySet:
    """The user's own notifications, newest first, with their document."""
    qs = Notification.objects.filter(recipient=user).select_related("document")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    if event:
        qs = qs.filter(event=Event(event))
    return qs.order_by("-created_at", "-id")


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def own_notification(user, pk) -> Notification:
    """One of the user's own notifications (DoesNotExist for anyone else's)."""
    return Notification.objects.select_related("document").get(pk=pk, recipient=user)


def enclosures(notification) -> list:
    """The issued documents `notification` carries besides its `document`, in its order
    (`Notification.enclosure_ids`); one query."""
    ids = notification.enclosure_ids
    if not ids:
        return []
    found = IssuedDocument.objects.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def acknowledgements(group: str) -> QuerySet:
    """Every notification of `group` that requires acknowledgement, with its recipient,
    acknowledged or not (acknowledged_at / acknowledged_ip tell)."""
    return (
        Notification.objects.filter(group=group, requires_ack=True)
        .select_related("recipient")
        .order_by("recipient__last_name", "recipient__first_name", "recipient__username", "id")
    )


def unacknowledged(group: str) -> QuerySet:
    """The notifications of `group` that require acknowledgement and have none yet."""
    return acknowledgements(group).filter(acknowledged_at__isnull=True)
