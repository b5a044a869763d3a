"""SMS channel: a pluggable backend, chosen by `NOTIFICATIONS_SMS_BACKEND` (dotted path).

There is no real provider here. A backend is a class with `send(phone, text)` that returns
normally when the message was accepted and raises (any exception) when it was not; the
outbox records the error and retries with backoff.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("notifications.sms")


class BaseSmsBackend:
    def send(self, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class LoggingSmsBackend(BaseSmsBackend):
    """The default: writes each message to the `notifications.sms` logger."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class MemorySmsBackend(BaseSmsBackend):
    """For tests: keeps every message in `MemorySmsBackend.outbox` as (phone, text)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        MemorySmsBackend.outbox.append((phone, text))


def get_sms_backend() -> BaseSmsBackend:
    path = getattr(settings, "NOTIFICATIONS_SMS_BACKEND", "notifications.sms.LoggingSmsBackend")
    return import_string(path)()
