"""A change of a published line drafted in a newer version does not hold its roll call
back: on its dispatch date the published line starts as published; the change, which can
no longer be applied to a dispatched class, is withdrawn from the draft (the line stands
there as published again, audited, the dispatchers and head told), and the draft can
still be published. Published before the dispatch date, the change is what starts."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from dispatch.models import QuotaAllocation, RollCall
from notifications.models import Event, Notification
from planning import schedule, services
from planning.models import PlanLine, PlanStatus
from tests.planning.helpers import dates, good_sessions, publish, quota_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def drafted(world, staff):
    """(the published line, the draft version, its change: a week later, 5 seats)."""
    start, _end = dates(60)
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)
    line = quota_line(world, plan)
    publish(world, staff, plan)
    line.refresh_from_db()
    v2 = services.plan_new_version(actor=world.bob, plan=plan, reason="推迟一周并增加名额")
    carried = v2.lines.get()
    week = dt.timedelta(days=7)
    start, end = line.start_date + week, line.end_date + week
    changed = services.line_change(
        actor=world.bob,
        line=carried,
        name=line.name,
        institution=line.institution,
        start_date=start,
        end_date=end,
        dispatch_date=line.dispatch_date + week,
        hours=40,
        days=5,
        seats=5,
        mode="quota",
        allocations=[(world.a, 4), (world.b, 1)],
        sessions=good_sessions(start),
    )
    return line, v2, changed


def allotted(line):
    return dict(
        QuotaAllocation.objects.filter(roll_call__training_class=line.training_class).values_list(
            "unit", "seats"
        )
    )


def test_the_published_line_starts_and_the_draft_change_is_withdrawn(world, staff, drafted):
    line, v2, changed = drafted

    assert schedule.start_due_roll_calls(line.dispatch_date) == 1

    assert allotted(line) == {world.a.pk: 3, world.b.pk: 1}  # as published
    line.refresh_from_db()
    assert line.roll_call_started_at is not None
    changed.refresh_from_db()
    assert changed.removed_at is not None
    back = changed.replaced_by
    assert back.plan == v2 and back.carried_from == line and back.changed_at is None
    assert back.roll_call_started_at == line.roll_call_started_at
    assert (back.seats, back.start_date) == (line.seats, line.start_date)
    assert dict(back.allocations.values_list("unit", "seats")) == {world.a.pk: 3, world.b.pk: 1}
    assert back.sessions.count() == line.sessions.count()
    assert list(v2.lines.active()) == [back]
    withdrawn = AuditEvent.objects.get(verb="plan.line_change_withdraw")
    assert withdrawn.target_id == str(changed.pk) and withdrawn.actor is None
    carried = AuditEvent.objects.filter(verb="plan.line_carry", target_id=str(back.pk)).get()
    assert carried.after["carried_from_id"] == line.pk and carried.actor is None
    told = Notification.objects.filter(event=Event.ESCALATION, url=f"/plans/{v2.pk}/")
    assert set(told.values_list("recipient__username", flat=True)) == {"bob", "oscar"}

    # The draft is no longer stuck: it publishes, and the class stays as dispatched.
    assert services.publish_refusals(v2) == []
    publish(world, staff, v2)
    assert v2.status == PlanStatus.PUBLISHED
    line.training_class.refresh_from_db()
    assert line.training_class.quota == 4
    assert schedule.start_due_roll_calls(changed.dispatch_date) == 0
    assert RollCall.objects.count() == 1


def test_a_draft_published_first_starts_its_change_on_its_date(world, staff, drafted):
    line, v2, changed = drafted
    publish(world, staff, v2)

    assert schedule.start_due_roll_calls(line.dispatch_date) == 0
    assert schedule.start_due_roll_calls(changed.dispatch_date) == 1
    assert allotted(line) == {world.a.pk: 4, world.b.pk: 1}
    assert not PlanLine.objects.filter(pk=changed.pk, removed_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(verb="plan.line_change_withdraw").exists()
