from celery import shared_task
from django.core.management import call_command


@shared_task(name="circulars.start_circulars")
def start_circulars():
    """Start the circulars of the period that just ended (beat runs it daily)."""
    call_command("start_circulars", verbosity=0)


@shared_task(name="circulars.issue_circular")
def issue_circular(circular_id: int, actor_id: int | None = None) -> int | None:
    """Render and issue an approved circular (queued when the head approves it)."""
    from circulars.documents import issue_approved

    return issue_approved(circular_id, actor_id)


@shared_task(name="circulars.issue_waiting")
def issue_waiting():
    """Issue the approved circulars whose rendering was lost or failed, once they have
    waited `XUNDIAO_CIRCULAR_ISSUE_AFTER_MINUTES` (beat runs it each minute, or cron runs
    `manage.py issue_waiting_circulars`)."""
    call_command("issue_waiting_circulars", verbosity=0)
