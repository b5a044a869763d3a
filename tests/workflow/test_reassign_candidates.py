"""A stuck task is handed only to someone who may hold it: the reassign page offers, and
the service accepts, nobody the task's own rule refuses (`workflow.nodes.may_hold`) —
not the head whose own request the step decides (回避)."""

import pytest
from django.core.exceptions import ValidationError

from approvals.models import ApprovalRequest
from org.models import Cadre
from org.roles import Role
from tests.factories import user
from tests.flowtools import named, open_task, process_of, request
from workflow.services import reassign_candidates, task_reassign


@pytest.fixture
def own_deferral(world, staff, klass, client):
    """Alice heads A with Ada; a deferral is asked about Alice's own record (李玥 of A1):
    its head step, which Ada decides and Alice may not."""
    ada = user("ada", Role.DEPARTMENT_HEAD, world.a)
    Cadre.objects.filter(pk=world.cadre_a1.pk).update(user=world.alice)
    _dispatch, process = named(client, world, klass, world.cadre_a1)
    assert request(client, staff.lily, process, "deferral").status_code == 302
    approval = ApprovalRequest.objects.get()
    task = open_task(process_of(approval, "ApprovalFlow"), "head_review")
    return task, ada


def test_the_recused_head_is_not_offered_her_own_requests_step(world, own_deferral, client):
    task, ada = own_deferral
    candidates = set(reassign_candidates(task))
    assert ada in candidates and world.alice not in candidates

    client.force_login(world.bob)
    page = client.get(f"/tasks/{task.pk}/reassign/")
    assert page.status_code == 200
    offered = {u.pk for u in page.context["form"].fields["user"].queryset}
    assert ada.pk in offered and world.alice.pk not in offered
    refused = client.post(f"/tasks/{task.pk}/reassign/", {"user": world.alice.pk})
    assert refused.status_code == 200  # the form again, with the error
    task.refresh_from_db()
    assert task.owner_id is None

    with pytest.raises(ValidationError):
        task_reassign(actor=world.bob, task=task, to_user=world.alice)
    assert task_reassign(actor=world.bob, task=task, to_user=ada).owner == ada
