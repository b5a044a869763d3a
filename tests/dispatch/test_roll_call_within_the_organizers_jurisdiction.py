"""A roll call names cadres and allots seats within the jurisdiction of its class's
organizer, whoever issues it: the city's dispatcher, who reaches the whole city, issuing
the county's class names no city cadre and allots no city unit. A partner's nominees
(对口支援) are checked against the partner's jurisdiction instead."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from dispatch import services
from dispatch.models import QuotaAllocation, RollCall, RollCallMode
from tests.factories import training_class

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_class(world):
    return training_class(world.county_od, world.school, dt.date.today() + dt.timedelta(days=30))


def issue(actor, klass, **extra):
    named = "cadres" in extra
    return services.roll_call_issue(
        actor=actor,
        training_class=klass,
        mode=RollCallMode.NAMED if named else RollCallMode.QUOTA,
        response_deadline=timezone.now() + dt.timedelta(days=5),
        **extra,
    )


def outside(world, name):
    return gettext("Outside the jurisdiction of %(department)s: %(names)s") % {
        "department": world.county_od_unit.name,
        "names": name,
    }


def test_no_city_cadre_is_named_into_the_countys_class(world, county_class):
    actor = world.bob
    with pytest.raises(ValidationError) as caught:
        issue(actor, county_class, cadres=[world.cadre_b, world.cadre_a])
    assert caught.value.message_dict == {"cadres": [outside(world, world.cadre_a.name)]}
    assert not RollCall.objects.exists()
    roll_call = issue(actor, county_class, cadres=[world.cadre_b])
    assert list(roll_call.named_cadres.all()) == [world.cadre_b]


def test_no_city_unit_is_allotted_seats_in_the_countys_class(world, county_class):
    actor = world.bob
    with pytest.raises(ValidationError) as caught:
        issue(actor, county_class, allocations=[(world.b, 2), (world.a, 1)])
    assert caught.value.message_dict == {"allocations": [outside(world, world.a.name)]}
    assert not QuotaAllocation.objects.exists()
    issue(actor, county_class, allocations=[(world.b, 2)])
    assert list(QuotaAllocation.objects.values_list("unit", flat=True)) == [world.b.pk]


def test_the_issuers_reach_is_still_asked_first(world, county_class, klass):
    """The county's dispatcher names nobody beyond the county (out of their reach), and
    the city's class names the county's cadres (the city's jurisdiction holds them)."""
    with pytest.raises(PermissionDenied):
        issue(world.carol, county_class, cadres=[world.cadre_a])
    assert list(issue(world.bob, klass, cadres=[world.cadre_b]).named_cadres.all()) == [
        world.cadre_b
    ]
