"""The message of a cancelled roll call (调训取消), to those it touched: the trainees and,
once each, the liaisons of their units. Built on the shared pieces of `dispatch.notices`
(recipients, unit shares, links)."""

from dispatch.notices import (
    class_context,
    liaison_shares,
    record_url,
    unit_shares,
)
from notifications.models import Event


def liaison_url(unit_ids, shares) -> str:
    """Where a liaison's message leads — a page a liaison may open (not the roll call's,
    which is its department's): the cadre's training record when it names one cadre, else
    the dispatches of the units they reach, filtered to the cancelled ones."""
    from django.urls import reverse

    from dispatch.models import DispatchStatus

    named = [d for unit_id in unit_ids for d in shares[unit_id][1]]
    if len(named) == 1:
        return record_url(named[0].cadre_id)
    return f"{reverse('dispatch_list')}?status={DispatchStatus.CANCELLED.value}"


def roll_call_cancelled(roll_call, dispatches, reason: str):
    """The roll call is cancelled: each cadre it touched (`dispatches`: those cancelled,
    and those excused from it whose makeup is owed no more) hears it themself if they
    have an account, and each liaison gets ONE message naming the cadres of every unit
    they serve. Bulk: a fixed number of queries and writes, as `dispatched`."""
    from dispatch.models import Dispatch
    from notifications.services import Entry, notify_each

    # One row per cadre (a makeup's own dispatch and the one it was owed for name the
    # same cadre), read with what the messages need.
    dispatches = list(
        {
            d.cadre_id: d
            for d in Dispatch.objects.filter(pk__in=[d.pk for d in dispatches])
            .select_related("cadre__user", "unit")
            .order_by("pk")
        }.values()
    )
    if not dispatches:
        return
    klass = roll_call.training_class
    common = {
        **class_context(klass),
        "org_department": roll_call.org_department.unit.name,
        "reason": reason.strip(),
    }
    notify_each(
        event=Event.CANCELLED,
        entries=[
            Entry(
                d.cadre.user,
                f"rollcall:{roll_call.pk}:cancelled",
                {**common, "cadre_name": d.cadre.name},
                record_url(d.cadre_id),
            )
            for d in dispatches
            if d.cadre.user_id and d.cadre.user.is_active
        ],
        group=f"rollcall:{roll_call.pk}",
    )
    shares = unit_shares(dispatches)
    lists, served = liaison_shares(shares)
    notify_each(
        event=Event.CANCELLED,
        entries=[
            Entry(
                user,
                f"rollcall:{roll_call.pk}:cancelled",
                {**common, "units": [lists[unit_id] for unit_id in unit_ids]},
                liaison_url(unit_ids, shares),
            )
            for user, unit_ids in served.values()
        ],
        template="notifications/events/cancelled_units.txt",
        group=f"rollcall:{roll_call.pk}",
    )
