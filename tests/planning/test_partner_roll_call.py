"""The roll call of a partner's nominees is issued through dispatch's `roll_call_issue`,
like every roll call: its cadres are checked against the partner's jurisdiction (they lie
outside the organizer's), and its class, deadline, clash and seat checks and its audit
event are the service's own."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent
from dispatch import services as dispatch_services
from dispatch.models import RollCall, RollCallMode
from planning import services
from planning.schedule import start_line_roll_calls
from tests.factories import training_class
from tests.planning.helpers import Partner, dates, publish, quota_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(world):
    return Partner()


def deadline():
    return timezone.now() + dt.timedelta(days=5)


def issue(world, klass, cadres, **extra):
    return dispatch_services.roll_call_issue(
        actor=world.bob,
        training_class=klass,
        mode=RollCallMode.NAMED,
        response_deadline=deadline(),
        cadres=cadres,
        **extra,
    )


def test_a_partners_nominees_are_named_from_the_partners_jurisdiction(world, klass, partner):
    roll_call = issue(world, klass, [partner.cadre, partner.cadre2], partner=partner.od)
    assert set(roll_call.named_cadres.all()) == {partner.cadre, partner.cadre2}
    event = AuditEvent.objects.get(verb="rollcall.issue", target_id=str(roll_call.pk))
    assert event.actor == world.bob and event.note == f"partner:{partner.od.pk}"


def test_without_the_partner_they_lie_outside_the_dispatchers_jurisdiction(world, klass, partner):
    with pytest.raises(PermissionDenied):
        issue(world, klass, [partner.cadre])
    assert not RollCall.objects.exists()


def test_a_cadre_outside_the_partners_jurisdiction_is_refused(world, klass, partner):
    with pytest.raises(PermissionDenied):
        issue(world, klass, [partner.cadre, world.cadre_a], partner=partner.od)
    assert not RollCall.objects.exists()


def test_a_partners_nominee_busy_in_an_overlapping_class_is_refused(world, klass, partner):
    first = issue(world, klass, [partner.cadre], partner=partner.od)
    dispatch_services.dispatches_create(actor=world.bob, roll_call=first, cadres=[partner.cadre])
    overlapping = training_class(world.city_od, world.school, klass.start_date)
    with pytest.raises(ValidationError):
        issue(world, overlapping, [partner.cadre], partner=partner.od)


def test_the_organizers_jurisdiction_is_still_the_issuers(world, klass, partner):
    """The partner's cadres are checked against the partner, the class against the actor:
    a dispatcher of another department issues no roll call of the city's class."""
    with pytest.raises(PermissionDenied):
        dispatch_services.roll_call_issue(
            actor=partner.pete,
            training_class=klass,
            mode=RollCallMode.NAMED,
            response_deadline=deadline(),
            cadres=[partner.cadre],
            partner=partner.od,
        )


def test_a_partner_roll_call_names_its_cadres(world, klass, partner):
    with pytest.raises(ValueError):
        dispatch_services.roll_call_issue(
            actor=world.bob,
            training_class=klass,
            mode=RollCallMode.QUOTA,
            response_deadline=deadline(),
            allocations=[(world.a, 1)],
            partner=partner.od,
        )


def test_the_schedule_issues_the_partners_roll_call_through_the_service(
    world, staff, partner, monkeypatch
):
    start, _end = dates(60)
    plan = services.plan_create(actor=world.bob, org_department=world.city_od, year=start.year)
    line = quota_line(
        world,
        plan,
        name="对口支援进修班",
        seats=4,
        allocations=[(world.a, 3)],
        partner=partner.od,
        partner_seats=1,
    )
    publish(world, staff, plan)
    line.refresh_from_db()
    services.partner_nominate(actor=partner.pete, line=line, cadres=[partner.cadre])
    calls = []
    real = dispatch_services.roll_call_issue

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(dispatch_services, "roll_call_issue", spy)
    on_the_day = timezone.make_aware(dt.datetime.combine(line.dispatch_date, dt.time(6)))
    with time_machine.travel(on_the_day, tick=False):
        roll_calls = start_line_roll_calls(line)

    assert len(roll_calls) == 2 and len(calls) == 2
    assert [c["mode"] for c in calls] == [RollCallMode.QUOTA, RollCallMode.NAMED]
    assert calls[1]["partner"] == partner.od and calls[1]["cadres"] == [partner.cadre]
    partners = RollCall.objects.get(mode=RollCallMode.NAMED)
    assert list(partners.named_cadres.all()) == [partner.cadre]
    assert AuditEvent.objects.filter(
        verb="rollcall.issue", target_id=str(partners.pk), note=f"partner:{partner.od.pk}"
    ).exists()
