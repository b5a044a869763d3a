"""API actions racing one another and the pages, each request in a thread of its own with
its own connection (PostgreSQL only: SQLite serialises writers and has no row locks). The
API takes the same process lock as the task page (`workflow.locks.ProcessLock`)."""

import threading

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient
from viewflow.workflow.models import Process

from approvals.models import ApprovalRequest, ApprovalStep, Decision
from approvals.policy import HEAD_STAGE
from audit.models import AuditEvent
from dispatch.models import Dispatch, DispatchStatus
from tests.flowtools import issue_roll_call, open_task, process_of, request
from tests.racing import together
from workflow.locks import ProcessLock

BUSY = "该事项正在由他人办理，请稍后重试"

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="races need PostgreSQL's row locks; SQLite serialises every writer",
    ),
    pytest.mark.django_db(transaction=True),
]


def signed_in(user):
    client = APIClient()
    client.force_login(user)
    return client


def test_twenty_concurrent_api_decisions_of_one_task_record_one(client, world, staff, klass):
    issue_roll_call(client, world, klass, [world.cadre_a])
    dispatch_process = process_of(Dispatch.objects.get(), "DispatchFlow")
    assert request(client, staff.lily, dispatch_process, "leave").status_code == 302
    task = open_task(process_of(ApprovalRequest.objects.get(), "ApprovalFlow"), "head_review")
    url = f"/api/v1/actions/tasks/{task.pk}/decide/"
    clients = [signed_in(world.alice) for _ in range(20)]

    outcomes = together(
        *(lambda c=c: c.post(url, {"decision": "approved"}, format="json") for c in clients)
    )

    assert all(kind == "ok" for kind, _result in outcomes), outcomes
    results = [result for _kind, result in outcomes]
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200] + [409] * 19, statuses
    step = ApprovalStep.objects.get(stage=HEAD_STAGE)
    assert (step.decision, step.decided_by) == (Decision.APPROVED, world.alice)
    assert AuditEvent.objects.filter(verb="approval.step.approved").count() == 1


def test_an_api_call_that_waits_too_long_for_the_lock_answers_409(
    client, world, staff, klass, monkeypatch
):
    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(), "DispatchFlow")
    task = open_task(process, "confirm")
    monkeypatch.setattr(ProcessLock, "WAIT", "50ms")
    taken, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                Process.objects.select_for_update().filter(pk=process.pk).exists()
                taken.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(timeout=30)
    try:
        response = signed_in(staff.lily).post(f"/api/v1/actions/tasks/{task.pk}/confirm/")
    finally:
        release.set()
        holder.join(timeout=30)

    assert response.status_code == 409
    assert response.json()["detail"] == BUSY
    assert Dispatch.objects.get().status == DispatchStatus.NAMED
    task.refresh_from_db()
    assert task.owner is None
