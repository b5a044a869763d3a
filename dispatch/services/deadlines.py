"""A roll call's response deadline, for all its units at once: the reminder before it and
the escalation after it, each unit's liaisons and the roll call's dispatchers told ONE
message each (`dispatch.grouped_notices`), every dispatch and allocation audited."""

from django.db import transaction

from audit.services import record_events
from dispatch import grouped_notices
from notifications.reminders import offsets as reminder_offsets
from notifications.reminders import reminder_due


@transaction.atomic
def roll_call_remind(*, roll_call, dispatches, allocations) -> None:
    """The response deadline nears: the liaisons of the units that have not answered —
    cadres to confirm, seats to nominate — each hear once, nothing when no reminder slot
    is due (see `notifications.reminders`)."""
    due = roll_call.response_deadline
    slot = reminder_due(due, since=roll_call.created_at)
    if slot is None and reminder_offsets():
        return
    dispatches, allocations = list(dispatches), list(allocations)
    record_events(actor=None, verb="dispatch.remind.confirm", targets=dispatches)
    record_events(actor=None, verb="quota.remind", targets=allocations)
    for step, objects in (("confirm", dispatches), ("nominate", allocations)):
        grouped_notices.remind(
            roll_call,
            step,
            [(obj, grouped_notices.item(obj, due)) for obj in objects],
            due=due,
            slot=slot,
        )


def roll_call_escalated(*, roll_call, dispatches, allocations) -> None:
    """The response deadline passed (each dispatch and allocation already escalated and
    audited): the roll call's dispatchers hear once of the unanswered confirmations and
    once of the silent units."""
    due = roll_call.response_deadline
    for step, objects in (("confirm", dispatches), ("nominate", allocations)):
        grouped_notices.escalate(
            roll_call, step, [(obj, grouped_notices.item(obj, due)) for obj in objects], due=due
        )
