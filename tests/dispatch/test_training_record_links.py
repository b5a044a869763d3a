"""The training record links each process page its viewer may open — as the flow itself
decides (`visible_artifacts`), not by the unit's jurisdiction alone."""

import pytest

from tests.factories import cadre
from tests.flowtools import named

pytestmark = pytest.mark.django_db


def test_a_co_managing_department_gets_the_dispatch_process_link(world, klass, client):
    """A city cadre co-managed by the county: the county's dispatcher decides the cadre's
    requests and may open the dispatch's process page, so the record links it."""
    shared = cadre("周共", world.a, world.city_od, co_managing_org_department=world.county_od)
    dispatch, process = named(client, world, klass, shared)
    url = process.flow_class.instance.reverse("process_detail", args=[process.pk])
    client.force_login(world.carol)
    assert client.get(url).status_code == 200
    page = client.get(f"/cadres/{shared.pk}/record/")
    assert page.status_code == 200
    assert url in page.content.decode()


def test_a_department_outside_gets_no_link(world, klass, client):
    dispatch, process = named(client, world, klass, world.cadre_a)
    url = process.flow_class.instance.reverse("process_detail", args=[process.pk])
    client.force_login(world.bob)
    assert url in client.get(f"/cadres/{world.cadre_a.pk}/record/").content.decode()
    client.force_login(world.carol)  # the county: neither the unit's nor a manager
    assert client.get(f"/cadres/{world.cadre_a.pk}/record/").status_code == 404
