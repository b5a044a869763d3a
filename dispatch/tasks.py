from celery import shared_task
from django.core.management import call_command


@shared_task(name="dispatch.fire_workflow_timers")
def fire_workflow_timers():
    """Fire due deadline timers (reminders, escalations): Celery beat runs it each minute,
    or cron runs `manage.py workflow_timers` instead."""
    call_command("workflow_timers", verbosity=0)


@shared_task(name="dispatch.start_circulars")
def start_circulars():
    """Start the circulars of the period that just ended (beat runs it daily)."""
    call_command("start_circulars", verbosity=0)


@shared_task(name="dispatch.announce_dispatches")
def announce_dispatches(roll_call_id: int, dispatch_ids: list[int]):
    """Issue a roll call's dispatch notice and notify each dispatched cadre and unit, in
    one transaction: the notice and its notifications commit together."""
    from django.db import transaction

    from . import documents, notices
    from .models import Dispatch, RollCall

    roll_call = RollCall.objects.select_related(
        "org_department__unit", "training_class__institution__unit"
    ).get(pk=roll_call_id)
    dispatches = list(
        Dispatch.objects.filter(pk__in=dispatch_ids).select_related(
            "cadre__user", "cadre__unit", "unit", "training_class"
        )
    )
    if not dispatches:
        return None
    with transaction.atomic():
        document = documents.issue_dispatch_notice(roll_call, dispatches)
        notices.dispatched(dispatches)
    return document.pk
