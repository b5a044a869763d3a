"""A batch a dead worker left "being checked" or "being committed" does not wait for ever
(`imports.recovery`): past `XUNDIAO_IMPORT_STALL_MINUTES`, and held by no running worker,
a check runs again and a commit goes back to the preview saying nothing was written —
audited, and committable again. A batch a running worker holds is left alone."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record_event
from imports import recovery, services, tasks
from imports.models import BatchStatus, ImportBatch
from org.models import Unit
from tests.imports.conftest import commit, csv_file, tasks_run, upload
from tests.racing import postgresql_only

LATER = dt.timedelta(minutes=61)


def _stuck_commit(client, world):
    """A checked batch whose commit was asked for and whose worker then died."""
    client.force_login(world.bob)
    upload(client, csv_file([["R001", "甲单位", ""]]))
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.PREVIEWED
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.COMMITTING)
    record_event(actor=world.bob, verb="import.commit_start", target=batch)
    return batch


def test_a_commit_a_dead_worker_left_goes_back_to_the_preview(client, world, kind):
    batch = _stuck_commit(client, world)
    assert recovery.recover_stalled() == {"checks": [], "commits": []}  # not stalled yet
    assert recovery.recover_stalled(now=timezone.now() + LATER) == {
        "checks": [],
        "commits": [batch.pk],
    }
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED
    assert "nothing was written" in batch.failure or "未写入" in batch.failure
    assert AuditEvent.objects.filter(verb="import.commit_interrupted").count() == 1
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "未写入任何数据" in page
    # Committed again, it goes through once.
    assert commit(client, batch).status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    assert Unit.objects.filter(code="R001").count() == 1
    assert recovery.recover_stalled(now=timezone.now() + LATER)["commits"] == []


def test_a_check_a_dead_worker_left_runs_again(client, world, kind, settings):
    batch = services.batch_upload(
        actor=world.bob,
        kind=kind,
        upload=csv_file([["R002", "乙单位", ""], ["R003", "丙单位", ""]]),
        name="units.csv",
        start=False,  # as if the check's worker had died
    )
    assert batch.status == BatchStatus.UPLOADED
    settings.XUNDIAO_IMPORT_STALL_MINUTES = 0
    with tasks_run():
        recovered = tasks.recover_imports()
    assert recovered == {"checks": [batch.pk], "commits": []}
    batch.refresh_from_db()
    assert (batch.status, batch.rows_total, batch.rows_create) == (BatchStatus.PREVIEWED, 2, 2)
    # Checked once: the rows are not stored twice when asked again.
    assert tasks.recover_imports() == {"checks": [], "commits": []}
    assert batch.rows.count() == 2


def test_the_command_does_the_same(client, world, kind, settings):
    batch = _stuck_commit(client, world)
    settings.XUNDIAO_IMPORT_STALL_MINUTES = 0
    call_command("recover_imports", stdout=open("/dev/null", "w"))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_commit_a_running_worker_holds_is_left_alone(client, world, kind):
    batch = _stuck_commit(client, world)
    taken, release = threading.Event(), threading.Event()

    def hold():  # the commit's transaction, still writing
        try:
            with transaction.atomic():
                ImportBatch.objects.select_for_update().filter(pk=batch.pk).exists()
                taken.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    worker = threading.Thread(target=hold)
    worker.start()
    try:
        assert taken.wait(timeout=30)
        assert recovery.recover_stalled(now=timezone.now() + LATER)["commits"] == []
    finally:
        release.set()
        worker.join(timeout=30)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTING
    assert recovery.recover_stalled(now=timezone.now() + LATER)["commits"] == [batch.pk]
