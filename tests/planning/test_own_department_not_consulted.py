"""The organizing department does not consult itself: a line naming cadres of its own
unit (the organization department's own staff) or allotting it seats consults the other
units, never the department's own — its dispatcher, who drafted the plan, gets no 会商
task on it."""

import datetime as dt

import pytest
from django.utils import timezone

from planning import services
from tests.factories import cadre
from tests.flowtools import open_task, process_of
from tests.planning.helpers import dates, good_sessions, plan_in_flow
from workflow.runtime import complete_task

pytestmark = pytest.mark.django_db


def test_the_departments_own_unit_is_not_consulted(client, world):
    start, end = dates(60)
    plan = plan_in_flow(world, start.year)
    own = cadre("组工干部", world.city_od_unit, world.city_od)
    common = {
        "institution": world.school,
        "start_date": start,
        "end_date": end,
        "dispatch_date": timezone.localdate() + dt.timedelta(days=20),
        "hours": 40,
        "days": 5,
        "sessions": good_sessions(start),
    }
    services.line_add(
        actor=world.bob,
        plan=plan,
        name="组工干部专题班",
        seats=2,
        mode="named",
        cadres=[own, world.cadre_a],
        **common,
    )
    services.line_add(
        actor=world.bob,
        plan=plan,
        name="进修班",
        seats=3,
        mode="quota",
        allocations=[(world.city_od_unit, 1), (world.b, 2)],
        **common,
    )
    assert services.consultee_units(plan) == sorted(
        [world.school_unit, world.a, world.b], key=lambda u: u.path
    )

    deadline = timezone.now() + dt.timedelta(days=3)
    complete_task(
        open_task(process_of(plan, "PlanFlow"), "draft"),
        world.bob,
        lambda: services.plan_submit(actor=world.bob, plan=plan, deadline=deadline),
    )
    units = set(plan.consultations.values_list("unit", flat=True))
    assert units == {world.school_unit.pk, world.a.pk, world.b.pk}
    client.force_login(world.bob)
    assert "/workflow/consultation/" not in client.get("/tasks/").content.decode()
