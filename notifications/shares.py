"""What one message of a grouped event tells each recipient: ONE message per recipient per
event, naming only what no earlier message of the same event and slot named to them.

Events that concern many objects arrive one by one — a timer per object, the
`send_reminders` sweep — so each message records what it names (`context["items"]`,
strings the caller chooses: an object and its round or step). A later call for the same
prefix and slot names only the items no earlier message named to that recipient, and
sends nothing when that is nothing. The first message's key is `<prefix>all`, a later
one's has its first new item instead of `all`: retries and concurrent callers that put
together the same message collide on the key (`notify` is idempotent per key and
recipient) and it goes out once. The caller appends the slot (`:<suffix>`) to the key."""

from typing import NamedTuple

from notifications.models import Notification


class Share(NamedTuple):
    """What one message tells one recipient: its key (without the slot) and the objects
    it names for the first time."""

    recipient: object
    key: str
    objects: list
    items: list


def _mentioned(prefix: str, suffix: str, user_ids) -> dict[int, set]:
    """{user id: the items already named to them} in the messages of this prefix and slot."""
    named: dict[int, set] = {}
    rows = Notification.objects.filter(
        recipient__in=list(user_ids), key__startswith=prefix, key__endswith=f":{suffix}"
    ).values_list("recipient_id", "context")
    for user_id, context in rows:
        named.setdefault(user_id, set()).update((context or {}).get("items", []))
    return named


def fresh_shares(prefix: str, suffix: str, served: dict) -> list[Share]:
    """From {user id: (user, [(object, item), …])}, each recipient's message: the objects
    no earlier message of `prefix` and `suffix` named to them (none: no message)."""
    mentioned = _mentioned(prefix, suffix, served.keys())
    shares = []
    for user, pairs in served.values():
        seen = mentioned.get(user.pk)
        fresh = [(obj, it) for obj, it in pairs if not seen or it not in seen]
        if not fresh:
            continue
        # A later message is keyed by the first item it names: an item named before in
        # another round or step is news under a key of its own.
        tag = "all" if not seen else min(it for _, it in fresh)
        shares.append(
            Share(user, f"{prefix}{tag}", [obj for obj, _ in fresh], sorted(it for _, it in fresh))
        )
    return shares
