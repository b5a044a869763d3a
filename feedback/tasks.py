from celery import shared_task
from django.core.management import call_command


@shared_task(name="feedback.start_follow_ups")
def start_follow_ups():
    """Open the follow-ups whose day has come, and ask the trainees of classes that
    ended for their evaluation (beat runs it daily)."""
    call_command("start_follow_ups", verbosity=0)
