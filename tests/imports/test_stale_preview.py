"""A commit writes only what the preview showed: when the database changes between the
check and the commit so that a row's verdict (its action, data or changes) is no longer
the one shown, nothing is written, the batch goes back to its preview with the rows
judged again and 数据已变化，请重新核对, and committing the re-checked batch then works."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from dispatch.models import TrainingClass
from imports import services
from imports.kinds import Action, registry
from imports.models import BatchStatus, ImportBatch
from org.models import Unit
from tests.dated import DECEMBER_2026
from tests.dispatch.import_kit import class_row, csv_bytes
from tests.dispatch.import_kit import commit as commit_rows
from tests.factories import unit
from tests.imports.conftest import commit, csv_file, upload

pytestmark = DECEMBER_2026

STALE = "数据已变化，请重新核对。"


def test_an_unchanged_row_that_would_now_change_stops_the_commit(world, client, kind):
    unit("甲单位", code="S001")
    client.force_login(world.bob)
    upload(client, csv_file([["S001", "甲单位", ""], ["S002", "乙单位", ""]]))
    batch = ImportBatch.objects.get()
    assert (batch.rows_unchanged, batch.rows_create) == (1, 1)
    Unit.objects.filter(code="S001").update(name="改过的名称")  # someone renames it meanwhile

    commit(client, batch)

    assert Unit.objects.get(code="S001").name == "改过的名称"  # not put back
    assert not Unit.objects.filter(code="S002").exists()
    assert not AuditEvent.objects.filter(verb="import.commit").exists()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED and batch.failure == STALE
    assert (batch.rows_unchanged, batch.rows_update, batch.rows_create) == (0, 1, 1)
    assert batch.rows.get(line=2).action == Action.UPDATE  # the row as it now stands
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert STALE in page and "xd-import-commit" in page

    commit(client, batch)  # the importer has seen the rows again: the commit goes through

    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and batch.failure == ""
    assert Unit.objects.get(code="S001").name == "甲单位"
    assert Unit.objects.get(code="S002").name == "乙单位"


def test_a_row_created_meanwhile_stops_the_commit(world, client, kind):
    client.force_login(world.bob)
    upload(client, csv_file([["S003", "丙单位", ""]]))
    batch = ImportBatch.objects.get()
    unit("丁单位", code="S003")  # another admin creates it under another name meanwhile
    with pytest.raises(ValidationError):
        services.batch_commit(actor=world.bob, batch=batch)
    assert Unit.objects.get(code="S003").name == "丁单位"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED and batch.failure == STALE
    assert batch.rows.get(line=2).action == Action.UPDATE


def _class_row(world, name, location="党校主楼"):
    return class_row(world, name=name, location=location)


def test_a_class_changed_after_the_preview_is_not_put_back(world):
    kind = registry.get("classes")
    commit_rows("classes", world.bob, [_class_row(world, "春季班")])
    data = csv_bytes(kind, [_class_row(world, "春季班"), _class_row(world, "秋季班")])
    batch = services.batch_upload(
        actor=world.bob,
        kind=kind,
        upload=SimpleUploadedFile("classes.csv", data),
        name="classes.csv",
        start=False,
    )
    batch = services.batch_check(batch)
    assert (batch.rows_unchanged, batch.rows_create, batch.rows_error) == (1, 1, 0)
    TrainingClass.objects.filter(name="春季班").update(location="新校区")  # changed meanwhile

    with pytest.raises(ValidationError):
        services.batch_commit(actor=world.bob, batch=batch)

    assert TrainingClass.objects.get(name="春季班").location == "新校区"
    assert not TrainingClass.objects.filter(name="秋季班").exists()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED and batch.failure == STALE
    assert (batch.rows_unchanged, batch.rows_update, batch.rows_create) == (0, 1, 1)
    row = batch.rows.get(line=2)
    assert row.action == Action.UPDATE and ["地点", "新校区", "党校主楼"] in row.changes

    services.batch_commit(actor=world.bob, batch=batch)  # re-checked: now it commits

    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    assert TrainingClass.objects.get(name="春季班").location == "党校主楼"
    assert TrainingClass.objects.filter(name="秋季班").exists()
