"""Calling a class off (取消班次): the organizer's dispatchers, with a reason, before
anyone is dispatched to it and before it begins. The class is kept, marked cancelled,
audited, its institution's registrars told once; no roll call, makeup, change or seat
count takes it any more. Outsiders are refused; a roll call and a cancellation racing on
PostgreSQL never both commit."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from audit.models import AuditEvent
from dispatch import capacity, selectors
from dispatch.models import RollCall, TrainingClass
from dispatch.services import class_cancel as cancelling
from dispatch.services import roll_call_cancel, roll_call_issue, training_class_save
from notifications.models import Notification
from tests.factories import training_class
from tests.racing import postgresql_only, together

pytestmark = pytest.mark.django_db


@pytest.fixture
def klass(world):
    return training_class(
        world.city_od, world.school, timezone.localdate() + dt.timedelta(days=30), name="秋季班"
    )


def _named(world, klass):
    return roll_call_issue(
        actor=world.bob,
        training_class=klass,
        mode="named",
        response_deadline=timezone.now() + dt.timedelta(days=5),
        cadres=[world.cadre_a],
    )


def test_the_organizers_dispatcher_cancels_it_on_its_page(client, world, klass):
    client.force_login(world.bob)
    page = client.get(f"/classes/{klass.pk}/").content.decode()
    assert f"/classes/{klass.pk}/cancel/" in page
    assert f"/classes/{klass.pk}/sessions/new/" in page
    form = client.get(f"/classes/{klass.pk}/cancel/").content.decode()
    assert "取消原因" in form
    # No reason: refused on the form, nothing written.
    events = AuditEvent.objects.count()
    response = client.post(f"/classes/{klass.pk}/cancel/", {"reason": " "})
    assert response.status_code == 200 and AuditEvent.objects.count() == events
    klass.refresh_from_db()
    assert klass.cancelled_at is None

    response = client.post(f"/classes/{klass.pk}/cancel/", {"reason": "场地改造，延至明年"})
    assert response.status_code == 302
    klass.refresh_from_db()
    assert klass.cancelled_at is not None and klass.cancellation_reason == "场地改造，延至明年"
    event = AuditEvent.objects.get(verb="class.cancel")
    assert event.actor == world.bob and event.target_id == str(klass.pk)
    told = Notification.objects.filter(key=f"class:{klass.pk}:cancelled")
    assert [n.recipient for n in told] == [world.rita]
    assert "秋季班" in told.get().title and "场地改造" in told.get().body

    page = client.get(f"/classes/{klass.pk}/").content.decode()
    assert "秋季班（已取消）" in page and "场地改造，延至明年" in page
    assert f"/classes/{klass.pk}/edit/" not in page
    assert f"/classes/{klass.pk}/cancel/" not in page
    assert f"/classes/{klass.pk}/sessions/new/" not in page  # its curriculum stays as it was
    assert "秋季班</a>（已取消）" in client.get("/classes/").content.decode()
    # Cancelled once: the page says so and a second post changes nothing.
    with translation.override("zh-hans"):
        response = client.post(f"/classes/{klass.pk}/cancel/", {"reason": "再次"})
    assert "该班次已取消" in response.content.decode()
    assert AuditEvent.objects.filter(verb="class.cancel").count() == 1


def test_outsiders_are_refused(client, world, klass):
    client.force_login(world.carol)  # the county's dispatcher: not the organizer's reach
    assert client.get(f"/classes/{klass.pk}/cancel/").status_code == 404
    assert client.post(f"/classes/{klass.pk}/cancel/", {"reason": "x"}).status_code == 404
    client.force_login(world.rita)  # the school's registrar reads the class, no more
    assert client.get(f"/classes/{klass.pk}/cancel/").status_code == 403
    assert client.post(f"/classes/{klass.pk}/cancel/", {"reason": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        cancelling.class_cancel(actor=world.carol, training_class=klass, reason="x")
    with pytest.raises(PermissionDenied):
        cancelling.class_cancel(actor=world.alice, training_class=klass, reason="x")
    klass.refresh_from_db()
    assert klass.cancelled_at is None and not AuditEvent.objects.filter(verb="class.cancel")


def test_a_class_with_a_roll_call_or_begun_is_not_called_off(world, klass):
    roll_call = _named(world, klass)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        cancelling.class_cancel(actor=world.bob, training_class=klass, reason="取消")
    assert "请先撤销其点名调训" in " ".join(caught.value.messages)
    # Its roll call cancelled (the units told), the class may be called off.
    roll_call_cancel(actor=world.bob, roll_call=roll_call, reason="另行安排")
    cancelling.class_cancel(actor=world.bob, training_class=klass, reason="取消")

    begun = training_class(world.city_od, world.school, timezone.localdate(), name="今日开班")
    with pytest.raises(ValidationError):
        cancelling.class_cancel(actor=world.bob, training_class=begun, reason="取消")


def test_a_cancelled_class_is_taken_by_nothing(client, world, klass):
    cancelling.class_cancel(actor=world.bob, training_class=klass, reason="取消")
    klass.refresh_from_db()
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        _named(world, klass)
    assert "该班次已取消" in " ".join(caught.value.messages)
    assert not RollCall.objects.exists()
    klass.name = "改名"
    with pytest.raises(ValidationError):
        training_class_save(actor=world.bob, training_class=klass)
    assert TrainingClass.objects.get(pk=klass.pk).name == "秋季班"
    # Not offered for a roll call or a makeup, not on the home page, no seats held.
    assert klass not in selectors.makeup_class_choices(world.bob)
    summary = selectors.home_summary(world.bob, ["dispatcher"])
    assert klass not in summary["upcoming_classes"]
    assert capacity.seats_taken(world.school, klass.start_date, klass.end_date) == 0
    training_class(world.city_od, world.school, klass.start_date, name="冬季班")
    client.force_login(world.bob)
    page = client.get("/workflow/rollcall/start/").content.decode()
    assert "冬季班" in page and "秋季班" not in page


def test_the_seats_of_a_held_class_still_count(world, klass):
    """(The other side of the last check: the count above is 0 for the cancellation.)"""
    assert capacity.seats_taken(world.school, klass.start_date, klass.end_date) == klass.quota


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_roll_call_and_a_cancellation_racing_never_both_commit(world, klass):
    for _round in range(3):
        RollCall.objects.filter(training_class=klass).delete()
        TrainingClass.objects.filter(pk=klass.pk).update(cancelled_at=None)
        outcomes = together(
            lambda: _named(world, TrainingClass.objects.get(pk=klass.pk)),
            lambda: cancelling.class_cancel(
                actor=world.bob,
                training_class=TrainingClass.objects.get(pk=klass.pk),
                reason="取消",
            ),
        )
        kinds = [kind for kind, _value in outcomes]
        assert sorted(kinds) == ["error", "ok"], outcomes
        assert all(
            isinstance(value, ValidationError) for kind, value in outcomes if kind == "error"
        )
        cancelled = TrainingClass.objects.get(pk=klass.pk).cancelled_at is not None
        assert cancelled != RollCall.objects.filter(training_class=klass).exists()
