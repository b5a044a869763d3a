"""The audit trail: every change made through a service is an event, tied to its request;
events can be neither changed nor deleted, by the ORM or in the database."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction

from audit.models import AppendOnlyError, AuditEvent
from org import services as org_services
from org.models import Cadre


def test_saving_a_cadre_through_the_service_writes_an_audit_event(world):
    cadre = world.cadre_a
    cadre.position = "副主任"
    org_services.cadre_save(actor=world.bob, cadre=cadre)
    event = AuditEvent.objects.filter(verb="cadre.update").latest("id")
    assert event.actor == world.bob
    assert event.before["position"] == "科员"
    assert event.after["position"] == "副主任"
    # ID numbers never reach the trail in clear.
    assert event.after["id_number"] != cadre.id_number
    assert "*" in event.after["id_number"]


def test_an_outsider_changes_nothing_and_leaves_no_event(world):
    before = AuditEvent.objects.count()
    cadre = Cadre.objects.get(pk=world.cadre_a.pk)
    cadre.position = "主任"
    with pytest.raises(PermissionDenied):
        org_services.cadre_save(actor=world.charlie, cadre=cadre)
    assert Cadre.objects.get(pk=cadre.pk).position == "科员"
    assert AuditEvent.objects.count() == before


def test_granting_a_role_is_audited(world):
    assert AuditEvent.objects.filter(verb="role.grant", target_id=str(world.alice.pk)).exists()


def test_audit_events_cannot_be_changed_or_deleted_through_the_orm(world):
    event = AuditEvent.objects.first()
    event.verb = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(verb="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_the_database_refuses_to_change_an_audit_event(world):
    event = AuditEvent.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET verb = 'forged' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).verb != "forged"


def test_a_request_id_ties_events_to_their_request(world, client):
    client.force_login(world.bob)
    client.post(
        f"/cadres/{world.cadre_a.pk}/edit/",
        {
            "name": world.cadre_a.name,
            "gender": "M",
            "id_number": world.cadre_a.id_number,
            "unit": world.a.pk,
            "position": "处长",
            "category": "county_leader",
            "managing_org_department": world.city_od.pk,
        },
        HTTP_X_REQUEST_ID="req-123",
    )
    assert AuditEvent.objects.filter(verb="cadre.update", request_id="req-123").exists()


@pytest.mark.klass(quota=5)
def test_a_nomination_sent_again_keeps_who_was_nominated_before(world, staff, klass, client):
    """Nominees are a set replaced when the liaison nominates again: the event keeps the
    ids before and after, since the replaced rows leave nothing behind."""
    from dispatch import services
    from tests.flowtools import allot

    allocation, _process = allot(client, world, klass, seats=1)
    services.nomination_submit(actor=staff.lily, allocation=allocation, cadres=[world.cadre_a])
    services.nomination_head_decide(
        actor=world.alice, allocation=allocation, approve=False, reason="另选他人"
    )
    services.nomination_submit(actor=staff.lily, allocation=allocation, cadres=[world.cadre_a1])

    first, again = AuditEvent.objects.filter(verb="quota.nominate").order_by("pk")
    assert first.before["nominees"] == [] and first.after["nominees"] == [world.cadre_a.pk]
    assert again.before["nominees"] == [world.cadre_a.pk]
    assert again.after["nominees"] == [world.cadre_a1.pk]
