from celery import shared_task
from django.core.management import call_command


@shared_task(name="approvals.release_ended_delegations")
def release_ended_delegations():
    """Give back to the queue the tasks claimed by deputies whose delegation has ended
    and who may no longer do them (`workflow.claims`; beat runs it just after midnight,
    or cron runs `manage.py release_ended_delegations`)."""
    call_command("release_ended_delegations", verbosity=0)
