"""Compliance standings counted outside the request that found them missing or stale."""

import datetime as dt
import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from ledger import standings

logger = logging.getLogger(__name__)


@shared_task(name="ledger.recount_compliance")
def recount_compliance(as_of: str | None = None) -> str:
    """Make the stored standings of `as_of` (ISO date; today by default, as the nightly
    beat entry asks, so that a day's first report is read from them) current
    (`standings.ensure`); a repeated task finds them fresh and does nothing."""
    return standings.ensure(dt.date.fromisoformat(as_of) if as_of else timezone.localdate())


def queue_recount(as_of: dt.date) -> None:
    """After commit, count the standings of `as_of` — in a Celery worker when one is
    configured, in-process otherwise. A failure is logged: the day stays on the live
    path and is queued again by its next read."""

    def enqueue():
        try:
            recount_compliance.apply_async((as_of.isoformat(),))
        except Exception:
            logger.exception("Could not count the compliance standings of %s now.", as_of)

    transaction.on_commit(enqueue)
