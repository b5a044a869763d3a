"""A plan approved late: a line whose class has already started (or starts today) could
no longer be dispatched, so the plan is not published and the refusal names the line;
a line whose dispatch date alone has passed is published, and its roll call starts at
once, as the publication commits — not at the next daily run."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from dispatch.models import RollCall, TrainingClass
from planning import services
from planning.models import PlanStatus
from planning.publishing import plan_publish
from tests.factories import aware
from tests.planning.helpers import accept_all, dates, quota_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    start, _end = dates(60)
    return services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)


def submitted(world, plan):
    line = quota_line(world, plan)  # dispatched in 20 days, starts in 60
    services.plan_submit(actor=world.bob, plan=plan, deadline=timezone.now() + dt.timedelta(days=2))
    accept_all(plan)
    return line


@pytest.mark.parametrize("days_late", [0, 3])
def test_a_class_already_started_is_not_published(world, staff, plan, days_late):
    line = submitted(world, plan)
    with time_machine.travel(aware(line.start_date + dt.timedelta(days=days_late)), tick=False):
        with pytest.raises(ValidationError) as caught:
            services.plan_decide(actor=staff.oscar, plan=plan, approve=True)
    assert any(line.name in message for message in caught.value.messages)
    plan.refresh_from_db()
    assert (plan.status, plan.approved_by) == (PlanStatus.CONSULTATION, None)
    assert not TrainingClass.objects.exists()


def test_a_passed_dispatch_date_starts_the_roll_call_at_publication(
    world, staff, plan, django_capture_on_commit_callbacks
):
    line = submitted(world, plan)
    with time_machine.travel(aware(line.dispatch_date + dt.timedelta(days=1)), tick=False):
        services.plan_decide(actor=staff.oscar, plan=plan, approve=True)
        with django_capture_on_commit_callbacks(execute=True):
            plan_publish(actor=staff.oscar, plan=plan)
    line.refresh_from_db()
    assert line.training_class is not None and line.roll_call_started_at is not None
    assert RollCall.objects.filter(training_class=line.training_class).count() == 1


def test_a_plan_approved_in_time_waits_for_the_dispatch_date(
    world, staff, plan, django_capture_on_commit_callbacks
):
    line = submitted(world, plan)
    services.plan_decide(actor=staff.oscar, plan=plan, approve=True)
    with django_capture_on_commit_callbacks(execute=True):
        plan_publish(actor=staff.oscar, plan=plan)
    line.refresh_from_db()
    assert line.roll_call_started_at is None and not RollCall.objects.exists()
