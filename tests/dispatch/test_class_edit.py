"""Changing a class on the site (/classes/<id>/edit/): the organizing department's
dispatchers change its venue, dates or seats through the class service (audited; a move
is told to its dispatched cadres by the service's hooks, as from the admin), never below
the seats already taken; others are refused. The class page counts its dispatches and
links its roll calls."""

import pytest

from audit.models import AuditEvent
from dispatch.models import Dispatch, TrainingClass
from tests.dispatch.class_kit import form_data
from tests.flowtools import issue_roll_call

pytestmark = pytest.mark.klass(name="全市专题培训班", quota=30)


def test_the_organizing_dispatcher_changes_the_venue_through_the_class_service(
    world, klass, client
):
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_b])
    page = client.get(f"/classes/{klass.pk}/").content.decode()
    assert f"/classes/{klass.pk}/edit/" in page
    assert "已点名 2" in page  # the dispatches counted by status
    assert "/rollcalls/" in page and "点名调训" in page

    response = client.post(f"/classes/{klass.pk}/edit/", form_data(klass, location="党校新校区"))

    assert response.status_code == 302, response.content.decode()[:3000]
    klass.refresh_from_db()
    assert klass.location == "党校新校区"
    assert AuditEvent.objects.filter(verb="class.update", target_id=str(klass.pk)).exists()


def test_the_quota_cannot_fall_below_the_seats_taken(world, klass, client):
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_b])
    events = AuditEvent.objects.count()

    response = client.post(f"/classes/{klass.pk}/edit/", form_data(klass, quota=1))

    assert response.status_code == 200
    assert "本班次已占用2个名额" in response.content.decode()
    assert TrainingClass.objects.get(pk=klass.pk).quota == 30
    assert AuditEvent.objects.count() == events
    assert client.post(f"/classes/{klass.pk}/edit/", form_data(klass, quota=2)).status_code == 302


def test_readers_who_do_not_organize_it_are_refused(world, klass, client):
    """The school's registrar reads the class but does not change it (403); a county
    dispatcher does not see the city's class (404); neither writes anything."""
    for person, status in ((world.rita, 403), (world.carol, 404), (world.alice, 404)):
        client.force_login(person)
        assert client.get(f"/classes/{klass.pk}/edit/").status_code == status, person
        response = client.post(f"/classes/{klass.pk}/edit/", form_data(klass, location="别处"))
        assert response.status_code == status
        if status == 403:
            page = client.get(f"/classes/{klass.pk}/").content.decode()
            assert f"/classes/{klass.pk}/edit/" not in page
    assert TrainingClass.objects.get(pk=klass.pk).location == klass.location
    assert not Dispatch.objects.exists()
