"""Whether a notice's 签收 is still awaited.

A notice asks for acknowledgement about a domain object — its document's subject, e.g. a
dispatch — that this app does not know (it may not import `dispatch`). That object may
since have been closed another way (its roll call cancelled, attendance recorded): a 签收
would then record a receipt of an order that no longer stands. Each domain app registers,
in its `ready()`, a check that names the notifications whose subject no longer awaits
acknowledgement, and why (`register_acknowledgement_check`). `services.acknowledge`
refuses those, and the inbox offers no 签收 for them but says why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

#: `check(notifications, *, lock) -> {notification pk: reason}`
AcknowledgementCheck = Callable[..., dict[int, str]]

_checks: list[AcknowledgementCheck] = []


def register_acknowledgement_check(func: AcknowledgementCheck) -> AcknowledgementCheck:
    """Register `func(notifications, *, lock=False) -> {notification pk: reason}`.

    It is given notifications still awaiting 签收 (their `document` loaded) and answers,
    for those whose subject is its app's and no longer awaits acknowledgement, a
    translated reason; it leaves out every other. `lock`: the caller is about to
    acknowledge one of them in its transaction, so lock the subjects' rows (a change of
    the subject waits for it, or it reads the change). Registered once per app."""
    if func not in _checks:
        _checks.append(func)
    return func


def refusals(notifications: Iterable, *, lock: bool = False) -> dict[int, str]:
    """{notification pk: why its 签收 is no longer asked} for those of `notifications`
    that still await acknowledgement but whose subject does not (a fixed number of
    queries per registered check, however many notifications)."""
    awaiting = [n for n in notifications if n.requires_ack and n.acknowledged_at is None]
    if not awaiting:
        return {}
    result: dict[int, str] = {}
    for check in list(_checks):
        for pk, reason in check(awaiting, lock=lock).items():
            result.setdefault(pk, reason)
    return result


def refusal(notification, *, lock: bool = False) -> str | None:
    """Why `notification`'s 签收 is no longer asked, or None while it is (or needs none)."""
    return refusals([notification], lock=lock).get(notification.pk)
