"""Publishing a plan creates its classes and their sessions: each class and each session
has its audit event (class.create, class_session.create), written by the head who
published it, as a session added on the class page has."""

import pytest

from audit.models import AuditEvent
from dispatch.models import ClassSession
from planning import services
from tests.planning.helpers import dates, publish, quota_line

pytestmark = pytest.mark.django_db


def test_each_session_created_at_publication_is_audited(world, staff):
    start, _end = dates(60)
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)
    first = quota_line(world, plan)
    second = quota_line(world, plan, days_ahead=70, name="第二期")

    publish(world, staff, plan)

    sessions = ClassSession.objects.filter(
        training_class__plan_lines__in=[first.pk, second.pk]
    ).distinct()
    assert sessions.count() == 8
    events = AuditEvent.objects.filter(verb="class_session.create")
    assert sorted(events.values_list("target_id", flat=True)) == sorted(
        str(pk) for pk in sessions.values_list("pk", flat=True)
    )
    assert {e.actor for e in events} == {staff.oscar}
    assert all(e.after and e.after.get("hours") for e in events)
    assert AuditEvent.objects.filter(verb="class.create").count() == 2
