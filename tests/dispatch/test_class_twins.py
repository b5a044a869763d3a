"""A training class is entered once: another with the same name, institution and dates
(a double click, two dispatchers at once) is refused with a message naming the class
already there, on the form's name, and nothing is written — held by the database too
(the constraint `class_once`). The race itself: tests/hardening/test_twin_races.py."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from dispatch import twins
from dispatch.models import TrainingClass
from dispatch.services import training_class_save
from tests.factories import training_class


def _start():
    """Read when asked, not when the module is collected: a run may pass midnight."""
    return dt.date.today() + dt.timedelta(days=40)


def new_class(world, **fields):
    start = _start()  # read once: a test may pass midnight
    values = {
        "name": "春季中青年干部培训班",
        "institution": world.school,
        "organizer": world.city_od,
        "kind": "main",
        "start_date": start,
        "end_date": start + dt.timedelta(days=4),
        "report_date": start,
        "location": "党校",
        "credit_hours": 40,
        "days": 5,
        "quota": 20,
    }
    values.update(fields)
    return TrainingClass(**values)


def form_data(world, **fields):
    start = _start()  # read once: a test may pass midnight
    data = {
        "name": "春季中青年干部培训班",
        "institution": world.school.pk,
        "organizer": world.city_od.pk,
        "kind": "main",
        "start_date": start,
        "end_date": start + dt.timedelta(days=4),
        "report_date": start,
        "location": "党校",
        "credit_hours": "40",
        "days": 5,
        "quota": 20,
    }
    data.update(fields)
    return data


def written():
    return TrainingClass.objects.count(), AuditEvent.objects.count()


def test_a_second_class_alike_is_refused_naming_the_first(world):
    first = training_class_save(actor=world.bob, training_class=new_class(world))
    before = written()

    with pytest.raises(ValidationError) as refused:
        training_class_save(actor=world.bob, training_class=new_class(world, quota=30))

    assert refused.value.message_dict == {"name": [twins.class_twin_message(first)]}
    message = refused.value.message_dict["name"][0]
    assert str(first.pk) in message and first.name in message and world.school.name in message
    assert written() == before


def test_another_name_institution_or_dates_make_another_class(world):
    training_class_save(actor=world.bob, training_class=new_class(world))
    later = _start() + dt.timedelta(days=7)
    for other in (
        new_class(world, name="春季中青年干部培训班（二班）"),
        new_class(world, end_date=_start() + dt.timedelta(days=5), days=5),
        new_class(
            world, start_date=later, end_date=later + dt.timedelta(days=4), report_date=later
        ),
    ):
        training_class_save(actor=world.bob, training_class=other)
    assert TrainingClass.objects.count() == 4


def test_a_class_changed_into_the_twin_of_another_is_refused(world):
    first = training_class_save(actor=world.bob, training_class=new_class(world))
    second = training_class_save(actor=world.bob, training_class=new_class(world, name="二班"))
    second.name = first.name

    with pytest.raises(ValidationError) as refused:
        training_class_save(actor=world.bob, training_class=second)

    assert refused.value.message_dict == {"name": [twins.class_twin_message(first)]}
    assert TrainingClass.objects.get(pk=second.pk).name == "二班"
    # Saving a class unchanged is no twin of itself.
    training_class_save(actor=world.bob, training_class=first)


def test_a_class_the_database_refuses_as_a_twin_gets_the_same_message(world, monkeypatch):
    """As when another dispatcher's class commits between the check and the write: the
    constraint refuses the write, and the rule, asked again, names the class that won."""
    first = training_class_save(actor=world.bob, training_class=new_class(world))
    # Neither the rule nor the model's validation sees it yet.
    monkeypatch.setattr(twins, "require_class_once", lambda training_class: None)
    monkeypatch.setattr(TrainingClass, "validate_constraints", lambda self, exclude=None: None)
    before = written()

    with pytest.raises(ValidationError) as refused:
        training_class_save(actor=world.bob, training_class=new_class(world))

    assert refused.value.message_dict == {"name": [twins.class_twin_message(first)]}
    assert written() == before


def test_the_database_holds_one_class_per_name_institution_and_dates(world):
    klass = training_class(world.city_od, world.school, _start(), name="甲班")
    twin = new_class(world, name="甲班", end_date=klass.end_date)
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_the_class_form_submitted_twice_shows_the_refusal_on_the_name(world, login):
    client = login(world.bob)
    assert client.post("/classes/new/", form_data(world)).status_code == 302
    first = TrainingClass.objects.get()

    response = client.post("/classes/new/", form_data(world))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors == {"name": [twins.class_twin_message(first)]}  # not Django's own words
    assert f"{first.pk}" in errors["name"][0]
    assert TrainingClass.objects.count() == 1
