"""Celery beat task: the daily start of the plans' roll calls."""

from celery import shared_task


@shared_task(name="planning.start_plan_roll_calls")
def start_plan_roll_calls() -> int:
    from planning.schedule import start_due_roll_calls

    return start_due_roll_calls()
