from celery import shared_task
from django.core.management import call_command


@shared_task(name="circulars.start_circulars")
def start_circulars():
    """Start the circulars of the period that just ended (beat runs it daily)."""
    call_command("start_circulars", verbosity=0)
