"""A deputy's claimed approval step goes back to the queue once they may no longer decide
it: when the head revokes the delegation (at once), or when it ends (the nightly
`release_ended_delegations`). A deputy who still acts for another head keeps it."""

import datetime as dt

from django.core.management import call_command
from django.utils import timezone
from viewflow.workflow.status import STATUS

from approvals.models import ApprovalRequest
from audit.models import AuditEvent
from org import services as org_services
from org.models import Delegation
from tests.factories import aware, user
from tests.flowtools import fire_at, named, open_task, process_of, request, task_url


def today():
    return timezone.localdate()


def delegate(head, deputy, ends_on=None):
    return org_services.delegation_create(
        actor=head,
        delegate=deputy,
        starts_on=today(),
        ends_on=ends_on or today() + dt.timedelta(days=7),
    )


def claimed_by(client, deputy, world, staff, klass):
    """A leave asked about cadre A, its head step claimed by `deputy` over HTTP: the task."""
    _dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave")
    task = open_task(process_of(ApprovalRequest.objects.get(), "ApprovalFlow"), "head_review")
    client.force_login(deputy)
    assert client.post(task_url(task, "assign")).status_code == 302
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, deputy)
    return task


def releases():
    return AuditEvent.objects.filter(verb="task.release")


def test_revoking_gives_the_deputys_claimed_step_back_to_the_queue(world, staff, klass, client):
    deputy = user("deputy", "deputy_head", world.a)
    delegation = delegate(world.alice, deputy)
    task = claimed_by(client, deputy, world, staff, klass)

    client.force_login(world.alice)
    assert client.post("/delegations/", {"revoke": delegation.pk}).status_code == 302

    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.NEW, None)
    event = releases().get()
    assert (event.actor, event.target_id, event.note) == (
        world.alice,
        str(task.pk),
        "delegation_revoked",
    )
    assert event.before == {"owner": deputy.pk, "status": STATUS.ASSIGNED}
    assert event.after["owner"] is None and event.after["delegation"] == delegation.pk
    # The deputy may not take it back; the head claims and decides it.
    client.force_login(deputy)
    assert client.post(task_url(task, "assign")).status_code == 403
    client.force_login(world.alice)
    assert client.post(task_url(task, "assign")).status_code == 302
    response = client.post(task_url(task, "execute"), {"decision": "approved", "comment": ""})
    assert response.status_code == 302
    assert ApprovalRequest.objects.get().steps.get(stage=1).decided_by == world.alice


def test_an_ended_delegation_gives_the_step_back_the_night_after(world, staff, klass, client):
    deputy = user("deputy", "deputy_head", world.a)
    delegate(world.alice, deputy, ends_on=today())
    task = claimed_by(client, deputy, world, staff, klass)

    call_command("release_ended_delegations", verbosity=0)  # still running today
    task.refresh_from_db()
    assert task.owner == deputy and not releases().exists()

    tomorrow = aware(today() + dt.timedelta(days=1), hour=0)
    fire_at(tomorrow + dt.timedelta(minutes=5), "release_ended_delegations")
    task.refresh_from_db()
    assert (task.status, task.owner_id) == (STATUS.NEW, None)
    event = releases().get()
    assert (event.actor, event.note) == (None, "delegation_ended")
    fire_at(tomorrow + dt.timedelta(hours=1), "release_ended_delegations")  # idempotent
    assert releases().count() == 1
    # Back in the queue: the head claims it over HTTP.
    client.force_login(world.alice)
    assert client.post(task_url(task, "assign")).status_code == 302


def test_a_deputy_still_acting_for_another_head_keeps_the_step(world, staff, klass, client):
    ada = user("ada", "department_head", world.a)  # a second head of unit A
    deputy = user("deputy", "deputy_head", world.a)
    revoked = delegate(world.alice, deputy)
    delegate(ada, deputy)
    Delegation.objects.create(  # and an older one of Alice's, ended long ago
        delegator=world.alice,
        delegate=deputy,
        permission="org.approve_as_head",
        starts_on=today() - dt.timedelta(days=30),
        ends_on=today() - dt.timedelta(days=20),
    )
    task = claimed_by(client, deputy, world, staff, klass)

    org_services.delegation_revoke(actor=world.alice, delegation=revoked)
    call_command("release_ended_delegations", verbosity=0)

    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, deputy)
    assert not releases().exists()
    client.force_login(deputy)
    response = client.post(task_url(task, "execute"), {"decision": "approved", "comment": ""})
    assert response.status_code == 302
    step = ApprovalRequest.objects.get().steps.get(stage=1)
    assert (step.decided_by, step.on_behalf_of) == (deputy, ada)


def test_revoking_leaves_other_claims_alone(world, staff, klass, client):
    """Only the deputy's own claims that they lost: the head's own claim stays."""
    deputy = user("deputy", "deputy_head", world.a)
    delegation = delegate(world.alice, deputy)
    task = claimed_by(client, world.alice, world, staff, klass)
    org_services.delegation_revoke(actor=world.alice, delegation=delegation)
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, world.alice)
    assert not releases().exists()
