"""Celery tasks: the daily start of the plans' roll calls (beat), and one plan's roll
calls due when it is published."""

from celery import shared_task


@shared_task(name="planning.start_plan_roll_calls")
def start_plan_roll_calls(plan_id: int | None = None) -> int:
    """Start the roll calls due today: every plan's (the daily run), or those of the plan
    `plan_id` (once it is published after some of its dispatch dates)."""
    from planning.schedule import start_due_roll_calls

    return start_due_roll_calls(plan_id=plan_id)
