"""An institution's capacity counts every class it hosts on overlapping dates: the plan's
lines, other departments' plans (each once, whatever its versions), and the classes made
outside any plan (on the class page), at and around the boundary. A class made from a
line is counted through its line, not twice."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from dispatch.models import Institution, InstitutionKind
from org.models import UnitKind
from planning import services
from planning.models import PlanLine
from planning.publishing import plan_publish
from tests.factories import training_class, unit
from tests.planning.helpers import accept_all, good_sessions, publish

pytestmark = pytest.mark.django_db

CAPACITY = 300


def _base() -> dt.date:
    """A start date at least 60 days ahead with three weeks of its year after it (a plan's
    lines all start in the plan's year)."""
    start = timezone.localdate() + dt.timedelta(days=60)
    if (start + dt.timedelta(days=21)).year != start.year:
        start = dt.date(start.year + 1, 1, 10)
    return start


@pytest.fixture
def school(world):
    Institution.objects.filter(pk=world.school.pk).update(capacity=CAPACITY)
    world.school.refresh_from_db()
    return world.school


@pytest.fixture
def plan(world, school):
    return services.plan_create(actor=world.bob, org_department=world.city_od, year=_base().year)


def _fields(world, seats, *, start=None, unit=None, **extra):
    start = start or _base()
    fields = {
        "name": "全市处级干部专题培训班",
        "institution": world.school,
        "start_date": start,
        "end_date": start + dt.timedelta(days=4),
        "dispatch_date": timezone.localdate() + dt.timedelta(days=20),
        "hours": 40,
        "days": 5,
        "seats": seats,
        "mode": "quota",
        "allocations": [(unit or world.a, seats)],
        "sessions": good_sessions(start),
    }
    fields.update(extra)
    return fields


def _add(world, plan, seats, **extra):
    return services.line_add(actor=world.bob, plan=plan, **_fields(world, seats, **extra))


def _refused(world, plan, seats, **extra) -> str:
    lines, events = PlanLine.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        _add(world, plan, seats, **extra)
    assert PlanLine.objects.count() == lines and AuditEvent.objects.count() == events
    return " ".join(caught.value.messages)


def test_a_class_made_outside_the_plan_takes_its_seats(world, plan):
    # 全市县处级干部进修班（第二期）: 50 seats at the school over the line's dates, from
    # the class page, not from this plan.
    training_class(
        world.city_od,
        world.school,
        _base() - dt.timedelta(days=5),
        days=30,
        quota=50,
        name="全市县处级干部进修班（第二期）",
    )
    message = _refused(world, plan, CAPACITY)
    assert "容纳300人" in message and "已占50个名额" in message, message
    _refused(world, plan, CAPACITY - 49)
    _add(world, plan, CAPACITY - 50)  # exactly full
    assert "已占300个名额" in _refused(world, plan, 1, start=_base() + dt.timedelta(days=2))


def test_classes_on_other_dates_or_elsewhere_take_no_seats(world, plan):
    before = training_class(world.city_od, world.school, _base() - dt.timedelta(days=5), days=5)
    after = training_class(world.city_od, world.school, _base() + dt.timedelta(days=5), days=3)
    assert before.end_date == _base() - dt.timedelta(days=1)
    assert after.start_date == _base() + dt.timedelta(days=5)
    college = Institution.objects.create(
        unit=unit("某市行政学院", world.root, kind=UnitKind.INSTITUTION),
        kind=InstitutionKind.ADMINISTRATION_COLLEGE,
    )
    training_class(world.city_od, college, _base(), days=5, quota=200)
    _add(world, plan, CAPACITY)


def test_the_plans_own_classes_are_counted_once_through_their_lines(world, staff, plan):
    first = _add(world, plan, 100)
    publish(world, staff, plan)
    first.refresh_from_db()
    assert first.training_class.quota == 100
    v2 = services.plan_new_version(actor=world.bob, plan=plan, reason="增设一期")
    carried = v2.lines.get()
    assert carried.training_class_id == first.training_class_id
    # The class (100) is the carried line's: counted once.
    _add(world, v2, 200, start=_base() + dt.timedelta(days=1))
    assert "已占300个名额" in _refused(world, v2, 1, start=_base() + dt.timedelta(days=2))
    # The carried line shrunk to 50 (its class still holds 100 until v2 is published):
    # the line's seats count, not the class's quota.
    changed = services.line_change(actor=world.bob, line=carried, **_fields(world, 50))
    assert changed.training_class.quota == 100
    _add(world, v2, 50, start=_base() + dt.timedelta(days=2))
    _refused(world, v2, 1, start=_base() + dt.timedelta(days=3))


def test_another_departments_plan_counts_once_across_its_versions(world, staff, plan):
    county = services.plan_create(
        actor=world.carol, org_department=world.county_od, year=_base().year
    )
    services.line_add(
        actor=world.carol, plan=county, **_fields(world, 40, unit=world.b, name="县直干部班")
    )
    services.plan_submit(
        actor=world.carol, plan=county, deadline=timezone.now() + dt.timedelta(days=2)
    )
    accept_all(county)
    services.plan_decide(actor=staff.olga, plan=county, approve=True)
    plan_publish(actor=staff.olga, plan=county)
    # The county drafts its next version: its published line, its carried copy and the
    # class both stand for take 40 seats, not 80 nor 120.
    services.plan_new_version(actor=world.carol, plan=county, reason="调整")
    _add(world, plan, CAPACITY - 40)
    assert "已占300个名额" in _refused(world, plan, 1, start=_base() + dt.timedelta(days=1))
