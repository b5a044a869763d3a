"""A plan line holds at most the credit hours a class may (8 a day, the class's own rule,
`TrainingClass.hours_per_day_refusal`): publication makes the class from the line, so a
line the class rules would refuse is refused when it is drafted — and a line that
slipped past is refused at publication."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from audit.models import AuditEvent
from dispatch.models import TrainingClass
from planning import services
from planning.models import PlanLine
from tests.planning.helpers import accept_all, dates, quota_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    start, _end = dates(60)
    return services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)


def one_day(world, plan, hours):
    start, _end = dates(60)
    sessions = [{"date": start, "hours": 1, "content": "theory", "teacher": "甲"}]
    return quota_line(
        world, plan, end_date=start, days=1, hours=hours, sessions=sessions, name="一日班"
    )


def test_a_day_of_more_than_eight_credit_hours_is_refused_on_the_hours(world, plan):
    before = (PlanLine.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as caught:
        one_day(world, plan, 200)
    expected = TrainingClass(credit_hours=200, days=1).hours_per_day_refusal()
    assert caught.value.message_dict == {"hours": [expected]}
    assert (PlanLine.objects.count(), AuditEvent.objects.count()) == before


def test_eight_hours_a_day_is_accepted(world, plan):
    assert one_day(world, plan, 8).hours == 8


def test_the_form_shows_the_refusal_beside_the_hours(client, world, plan):
    start, _end = dates(60)
    client.force_login(world.bob)
    response = client.post(
        f"/plans/{plan.pk}/lines/add/",
        {
            "name": "一日速成班",
            "institution": world.school.pk,
            "kind": "thematic",
            "start_date": start.isoformat(),
            "end_date": start.isoformat(),
            "hours": "200",
            "days": "1",
            "seats": "3",
            "mode": "quota",
            "allocations": f"{world.a.code}: 3",
            "sessions": f"{start.isoformat()}, 8, theory, 张, 1, 理论",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["hours"] == [
        TrainingClass(credit_hours=200, days=1).hours_per_day_refusal()
    ]
    assert not PlanLine.objects.exists()


def test_a_line_past_the_rule_is_refused_at_publication(world, staff, plan):
    line = one_day(world, plan, 8)
    PlanLine.objects.filter(pk=line.pk).update(hours=200)  # drafted before the rule
    services.plan_submit(actor=world.bob, plan=plan, deadline=timezone.now() + dt.timedelta(days=2))
    accept_all(plan)
    with pytest.raises(ValidationError) as caught:
        services.plan_decide(actor=staff.oscar, plan=plan, approve=True)
    expected = gettext("%(name)s: %(refusal)s") % {
        "name": "一日班",
        "refusal": TrainingClass(credit_hours=200, days=1).hours_per_day_refusal(),
    }
    assert expected in caught.value.messages
    assert not TrainingClass.objects.exists()
