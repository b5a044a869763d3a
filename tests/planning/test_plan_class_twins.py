"""A published plan creates each of its classes once, and never the twin of a class
already there (the same name, institution and dates, `dispatch.twins`): such a line is
refused at the head's approval and at publication with the message naming the class —
even one made by another dispatcher between the two — and nothing is published."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dispatch import twins
from dispatch.models import TrainingClass
from planning import publishing, services
from planning.models import PlanStatus
from planning.publishing import plan_publish
from tests.factories import training_class
from tests.planning.helpers import accept_all, dates, publish, quota_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    start, _end = dates(60)
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)
    quota_line(world, plan)  # 进修班 at the school, in 60 days, for 5 days
    return plan


def submitted(world, plan):
    services.plan_submit(actor=world.bob, plan=plan, deadline=timezone.now() + dt.timedelta(days=2))
    accept_all(plan)
    return plan


def the_twin(world):
    """Another dispatcher's class with the line's name, institution and dates."""
    start, _end = dates(60)
    return training_class(world.city_od, world.school, start, name="进修班")


def test_a_plan_publishes_its_classes_once(world, staff, plan):
    publish(world, staff, plan)
    assert TrainingClass.objects.filter(name="进修班").count() == 1
    with pytest.raises(ValidationError):
        plan_publish(actor=staff.oscar, plan=plan)
    assert TrainingClass.objects.filter(name="进修班").count() == 1


def test_a_line_twinning_a_class_is_refused_at_approval_naming_the_class(world, staff, plan):
    twin = the_twin(world)
    submitted(world, plan)

    with pytest.raises(ValidationError) as refused:
        services.plan_decide(actor=staff.oscar, plan=plan, approve=True)

    [message] = refused.value.messages
    assert message.startswith("进修班") and twins.class_twin_message(twin) in message
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CONSULTATION and plan.approved_by is None


def test_two_lines_alike_in_one_plan_are_refused(world, staff, plan):
    quota_line(world, plan)
    submitted(world, plan)

    with pytest.raises(ValidationError) as refused:
        services.plan_decide(actor=staff.oscar, plan=plan, approve=True)

    [message] = refused.value.messages
    assert "进修班" in message
    assert not TrainingClass.objects.exists()


def test_a_twin_made_after_the_approval_stops_the_publication(world, staff, plan):
    submitted(world, plan)
    services.plan_decide(actor=staff.oscar, plan=plan, approve=True)
    twin = the_twin(world)

    with pytest.raises(ValidationError) as refused:
        plan_publish(actor=staff.oscar, plan=plan)

    assert twins.class_twin_message(twin) in refused.value.messages[0]
    assert list(TrainingClass.objects.all()) == [twin]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CONSULTATION


def test_a_twin_the_database_refuses_at_publication_gets_the_same_message(
    world, staff, plan, monkeypatch
):
    """As when the twin commits while the publication runs: the constraint refuses the
    classes' write, and the lines' rule, asked again, names the class."""
    submitted(world, plan)
    services.plan_decide(actor=staff.oscar, plan=plan, approve=True)
    twin = the_twin(world)
    rule = publishing.publish_refusals
    calls = []

    def unseen_at_first(plan):
        calls.append(plan)
        return [] if len(calls) == 1 else rule(plan)

    monkeypatch.setattr(publishing, "publish_refusals", unseen_at_first)

    with pytest.raises(ValidationError) as refused:
        plan_publish(actor=staff.oscar, plan=plan)

    assert len(calls) == 2
    assert twins.class_twin_message(twin) in refused.value.messages[0]
    assert list(TrainingClass.objects.all()) == [twin]
    assert not plan.lines.filter(training_class__isnull=False).exists()
