"""Celery tasks of the project's plumbing: expired login sessions cleared nightly (beat's
`expired-sessions`, or cron's `manage.py clearsessions`)."""

from celery import shared_task
from django.core.management import call_command


@shared_task(name="core.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Delete the sessions whose expiry has passed (Django's `clearsessions`): a session
    idle for `XUNDIAO_SESSION_IDLE_HOURS` cannot be used again, and its row would otherwise
    stay in the table for good. Sessions are not records of the domain; nothing audited
    lives in them."""
    call_command("clearsessions")
