from celery import shared_task
from django.core.management import call_command


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
    from dispatch import documents

    document = documents.announce(roll_call_id, dispatch_ids)
    return document.pk if document is not None else None


@shared_task(name="dispatch.announce_pending")
def announce_pending():
    """Announce dispatches committed over a minute ago whose announcement never happened
    (beat runs it each minute, or cron runs `manage.py announce_dispatches`)."""
    from dispatch import documents

    return documents.announce_pending()
