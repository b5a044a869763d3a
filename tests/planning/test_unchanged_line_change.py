"""Saving a line's change form with nothing changed changes nothing: no new line, no
audit event, and a carried line is not marked changed (which would consult the units on
it again, 会商) — also when the form shows the class's sessions as the institution
edited them since publication."""

import pytest
from django.utils.translation import gettext

from audit.models import AuditEvent
from dispatch.services.curriculum import class_session_save
from planning import services
from planning.models import PlanLine
from tests.planning.helpers import dates, form_data, publish, quota_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    start, _end = dates(60)
    return services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)


def post_unchanged(client, world, line):
    client.force_login(world.bob)
    before = (PlanLine.objects.count(), AuditEvent.objects.count())
    response = client.post(f"/plans/lines/{line.pk}/change/", form_data(line), follow=True)
    assert response.status_code == 200
    assert (PlanLine.objects.count(), AuditEvent.objects.count()) == before
    return [str(m) for m in response.context["messages"]]


def test_a_draft_line_saved_unchanged_stays_as_it_was(client, world, plan):
    line = quota_line(world, plan)
    messages = post_unchanged(client, world, line)
    assert gettext("Nothing was changed: the class stays as it was.") in messages
    line.refresh_from_db()
    assert line.removed_at is None and line.changed_at is None


def test_a_carried_line_saved_unchanged_is_not_consulted_again(client, world, staff, plan):
    line = quota_line(world, plan)
    publish(world, staff, plan)
    line.refresh_from_db()
    session = line.training_class.sessions.order_by("date", "id").last()
    session.teacher = "新老师"
    class_session_save(actor=world.rita, session=session)
    v2 = services.plan_new_version(actor=world.bob, plan=plan, reason="核对")
    carried = v2.lines.get()
    post_unchanged(client, world, carried)
    carried.refresh_from_db()
    assert carried.changed_at is None and carried.removed_at is None
    assert not services.pending_lines(v2).exists()
    assert services.consultee_units(v2) == []
