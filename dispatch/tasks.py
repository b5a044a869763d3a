import logging

from celery import shared_task
from django.core.management import call_command
from django.db import transaction

from dispatch import documents

logger = logging.getLogger(__name__)


@shared_task(name="dispatch.escalate_makeups")
def escalate_makeups():
    """Escalate makeups past their due date (beat runs it daily, or cron runs
    `manage.py escalate_makeups`)."""
    call_command("escalate_makeups", verbosity=0)


@shared_task(name="dispatch.announce_dispatches")
def announce_dispatches(roll_call_id: int, dispatch_ids: list[int]):
    """Issue a roll call's dispatch notice and notify each dispatched cadre and unit, in
    one transaction (`documents.announce`). A repeated or redelivered task finds the
    dispatches announced and does nothing; a failed one is left to `announce_pending`."""
    document = documents.announce(roll_call_id, dispatch_ids)
    return document.pk if document is not None else None


@shared_task(name="dispatch.announce_pending")
def announce_pending():
    """Announce dispatches committed over a minute ago whose announcement never happened
    (beat runs it each minute, or cron runs `manage.py announce_dispatches`)."""
    return documents.announce_pending()


@shared_task(name="dispatch.compact_tally")
def compact_tally():
    """Merge the dispatch tallies' change rows (beat runs it every ten minutes, or cron
    runs `manage.py compact_dispatch_tally`): the circular's figures then sum
    one row per unit, class and status."""
    from dispatch import tally

    return tally.compact()


def queue_announcement(roll_call, dispatches):
    """After commit, issue the dispatch notice and tell each trainee and unit — in a
    Celery worker when one is configured, in-process otherwise. Whatever goes wrong
    (broker down, render error in eager mode) is logged and does not undo or fail the
    committed roll call: `announce_pending` announces it later."""
    roll_call_id, ids = roll_call.pk, [d.pk for d in dispatches]

    def enqueue():
        try:
            announce_dispatches.apply_async((roll_call_id, ids))
        except Exception:
            logger.exception(
                "Could not announce roll call %s now (%s dispatches); the sweep will.",
                roll_call_id,
                len(ids),
            )

    transaction.on_commit(enqueue)
