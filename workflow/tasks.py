from celery import shared_task
from django.core.management import call_command


@shared_task(name="workflow.fire_timers")
def fire_workflow_timers():
    """Fire due deadline timers (reminders, escalations): Celery beat runs it each minute,
    or cron runs `manage.py workflow_timers` instead."""
    call_command("workflow_timers", verbosity=0)
