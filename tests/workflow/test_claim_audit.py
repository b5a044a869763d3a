"""Claiming a task and giving it back each write an audit event by whoever did it,
named by the task's step and subject; a reassignment is audited once, as such."""

from viewflow.workflow.status import STATUS

from approvals.models import ApprovalRequest
from audit.models import AuditEvent
from tests.factories import user
from tests.flowtools import named, open_task, process_of, request, task_url
from workflow.services import task_reassign


def head_review(client, world, staff, klass):
    _dispatch, process = named(client, world, klass, world.cadre_a)
    request(client, staff.lily, process, "leave")
    return open_task(process_of(ApprovalRequest.objects.get(), "ApprovalFlow"), "head_review")


def events(task):
    return AuditEvent.objects.filter(verb__startswith="task.", target_id=str(task.pk)).order_by(
        "pk"
    )


def test_a_claim_and_its_release_are_audited(world, staff, klass, client):
    task = head_review(client, world, staff, klass)
    client.force_login(world.alice)
    assert client.post(task_url(task, "assign")).status_code == 302
    assert client.post(task_url(task, "unassign")).status_code == 302
    task.refresh_from_db()
    assert task.owner is None and task.status == STATUS.NEW

    claim, release = events(task)
    assert (claim.verb, claim.actor, claim.after["owner"]) == (
        "task.claim",
        world.alice,
        world.alice.pk,
    )
    assert (release.verb, release.actor, release.before["owner"]) == (
        "task.unclaim",
        world.alice,
        world.alice.pk,
    )
    assert "王堃" in claim.target_repr and claim.target_repr.startswith("单位负责人")


def test_a_refused_claim_writes_nothing(world, staff, klass, client):
    task = head_review(client, world, staff, klass)
    client.force_login(world.charlie)  # heads another unit
    assert client.post(task_url(task, "assign")).status_code in (403, 404)
    assert not events(task).exists()


def test_a_reassignment_is_audited_once_as_such(world, staff, klass, client):
    task = head_review(client, world, staff, klass)
    colleague = user("alex", "department_head", world.a)
    task_reassign(actor=world.bob, task=task, to_user=colleague)
    [event] = events(task)
    assert (event.verb, event.actor) == ("task.reassign", world.bob)
