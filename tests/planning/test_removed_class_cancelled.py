"""A class taken out of a published plan by a new version: the line is removed with its
reason while the class's roll call has not started, and publishing the version calls
the class off (kept, marked cancelled, audited, its institution told) — its roll call
then never starts. A roll call started meanwhile refuses the publication whole."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from audit.models import AuditEvent
from dispatch.models import RollCall
from notifications.models import Notification
from planning import schedule, services
from planning.models import PlanStatus
from planning.publishing import plan_publish
from tests.planning.helpers import accept_all, dates, publish, quota_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(world, staff):
    plan = services.plan_create(
        actor=world.bob, org_department=world.city_od, year=dates(60)[0].year
    )
    line = quota_line(world, plan)
    quota_line(  # the version keeps a class
        world,
        plan,
        days_ahead=90,
        name="第二期",
        dispatch_date=timezone.localdate() + dt.timedelta(days=50),
    )
    publish(world, staff, plan)
    line.refresh_from_db()
    return plan, line


def test_a_removed_line_calls_its_class_off_at_publication(world, staff, published):
    plan, line = published
    klass = line.training_class
    v2 = services.plan_new_version(actor=world.bob, plan=plan, reason="经费调整")
    services.line_remove(
        actor=world.bob, line=v2.lines.get(name=line.name), reason="并入春季进修班"
    )
    klass.refresh_from_db()
    assert klass.cancelled_at is None  # not before the version is published

    publish(world, staff, v2)
    klass.refresh_from_db()
    assert v2.status == PlanStatus.PUBLISHED
    assert klass.cancelled_at is not None and klass.cancellation_reason == "并入春季进修班"
    event = AuditEvent.objects.get(verb="class.cancel", target_id=str(klass.pk))
    assert event.actor == staff.oscar and event.note == "并入春季进修班"
    told = Notification.objects.filter(key=f"class:{klass.pk}:cancelled")
    assert [n.recipient for n in told] == [world.rita]
    assert "并入春季进修班" in told.get().body
    # Its dispatch date comes: no roll call starts.
    assert schedule.start_due_roll_calls(line.dispatch_date) == 0
    assert not RollCall.objects.exists()


def test_a_roll_call_started_before_publication_refuses_it_whole(world, staff, published):
    plan, line = published
    v2 = services.plan_new_version(actor=world.bob, plan=plan, reason="调整")
    services.line_remove(actor=world.bob, line=v2.lines.get(name=line.name), reason="取消")
    services.plan_submit(actor=world.bob, plan=v2, deadline=timezone.now() + dt.timedelta(days=2))
    accept_all(v2)
    services.plan_decide(actor=staff.oscar, plan=v2, approve=True)
    # The published line's dispatch date comes before the approved version is
    # published: its roll call starts (what is published is in force).
    assert schedule.start_due_roll_calls(line.dispatch_date) == 1
    events = AuditEvent.objects.count()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        plan_publish(actor=staff.oscar, plan=v2)
    assert "请先撤销其点名调训" in " ".join(caught.value.messages)
    v2.refresh_from_db()
    line.training_class.refresh_from_db()
    assert v2.status == PlanStatus.CONSULTATION and line.training_class.cancelled_at is None
    assert AuditEvent.objects.count() == events


def test_a_class_begun_is_not_removed(world, staff, published):
    plan, line = published
    v2 = services.plan_new_version(actor=world.bob, plan=plan, reason="调整")
    carried = v2.lines.get(name=line.name)
    klass = carried.training_class
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    type(klass).objects.filter(pk=klass.pk).update(start_date=yesterday, report_date=yesterday)
    carried.refresh_from_db()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        services.line_remove(actor=world.bob, line=carried, reason="取消")
    assert "已开班或已结束" in " ".join(caught.value.messages)
