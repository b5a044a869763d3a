"""A change of a published line drafted in a newer version at the very moment its roll call
starts: the two take the same locks in the same order (the draft, its line, the
published line), so neither deadlocks and the outcome is one of two — the change first,
then the roll call starts as published and withdraws it; or the roll call first, and the
change is refused. Either way one roll call, as published, and a draft still publishable."""

import pytest

from dispatch.models import QuotaAllocation, RollCall
from planning import schedule, services
from tests.planning.helpers import dates, good_sessions, publish, quota_line
from tests.racing import postgresql_only, together

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]


def test_a_change_racing_the_roll_call_start_leaves_one_consistent_outcome(world, staff):
    start, end = dates(60)
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)
    line = quota_line(world, plan)
    publish(world, staff, plan)
    line.refresh_from_db()
    v2 = services.plan_new_version(actor=world.bob, plan=plan, reason="增加名额")
    carried = v2.lines.get()

    def change():
        return services.line_change(
            actor=world.bob,
            line=carried,
            name=line.name,
            institution=line.institution,
            start_date=start,
            end_date=end,
            dispatch_date=line.dispatch_date,
            hours=40,
            days=5,
            seats=5,
            mode="quota",
            allocations=[(world.a, 4), (world.b, 1)],
            sessions=good_sessions(start),
        )

    outcomes = together(change, lambda: schedule.start_line_roll_calls(line))

    (change_kind, changed), (start_kind, started) = outcomes
    assert start_kind == "ok" and len(started) == 1, outcomes
    assert change_kind in ("ok", "error"), outcomes
    if change_kind == "error":  # the roll call came first: the change is refused
        assert "已启动调训" in " ".join(getattr(changed, "messages", [str(changed)]))
    assert RollCall.objects.count() == 1
    allotted = QuotaAllocation.objects.values_list("unit", "seats")
    assert dict(allotted) == {world.a.pk: 3, world.b.pk: 1}
    [left] = v2.lines.active()
    assert left.changed_at is None and left.carried_from_id == line.pk
    assert services.publish_refusals(v2) == []
