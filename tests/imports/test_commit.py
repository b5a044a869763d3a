"""Committing a checked import: all or nothing, once, audited as one event, idempotent."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEvent
from imports import services
from imports.models import BatchStatus, ImportBatch
from org.models import Unit
from tests.factories import unit
from tests.imports.conftest import commit, csv_file, upload

ROWS = [["C001", "甲单位", ""], ["C002", "乙单位", ""], ["C003", "丙单位", ""]]


def _uploaded(client, user, rows=ROWS, name="units.csv"):
    client.force_login(user)
    upload(client, csv_file(rows, name=name))
    return ImportBatch.objects.latest("pk")


def test_a_commit_writes_every_row_and_one_audit_event_with_the_files_hash(world, client, kind):
    unit("旧名", code="C002")
    batch = _uploaded(client, world.bob)
    assert (batch.rows_create, batch.rows_update) == (2, 1)
    response = commit(client, batch)
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED and batch.committed_at
    assert Unit.objects.get(code="C001").name == "甲单位"
    assert Unit.objects.get(code="C002").name == "乙单位"
    event = AuditEvent.objects.get(verb="import.commit")
    assert event.target_id == str(batch.pk) and event.actor == world.bob
    assert event.after["sha256"] == batch.sha256
    assert event.after["kind"] == "test_units" and event.after["file_name"] == "units.csv"
    assert (event.after["rows_create"], event.after["rows_update"]) == (2, 1)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "xd-import-commit" not in page
    assert f"/imports/{batch.pk}/result/" in page


def test_a_row_that_turns_into_an_error_before_the_commit_writes_nothing(world, client, kind):
    batch = _uploaded(client, world.bob)
    assert batch.rows_error == 0
    unit("丙单位", code="Z999")  # meanwhile another unit takes the third row's name
    commit(client, batch)
    assert kind.applied == 2  # the first two rows were written, then rolled back
    assert not Unit.objects.filter(code__in=["C001", "C002", "C003"]).exists()
    assert not AuditEvent.objects.filter(verb="import.commit").exists()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED
    assert batch.failure == "数据已变化，请重新核对。"
    assert (batch.rows_error, batch.rows_create) == (1, 2)
    assert batch.rows.get(line=4).errors == ["单位名称“丙单位”已被单位“Z999”使用。"]
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "数据已变化，请重新核对。" in page
    assert "单位名称“丙单位”已被单位“Z999”使用。" in page
    assert "xd-import-commit" not in page


def test_a_batch_with_errors_is_not_committed(world, client, kind):
    batch = _uploaded(client, world.bob, rows=[["E1", "好单位", ""], ["", "无代码", ""]])
    response = commit(client, batch)
    assert response.status_code == 302
    assert not Unit.objects.filter(code="E1").exists()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED
    with pytest.raises(ValidationError):
        services.batch_commit(actor=world.bob, batch=batch)
    assert not AuditEvent.objects.filter(verb__startswith="import.commit").exists()


def test_committing_twice_is_refused(world, client, kind):
    batch = _uploaded(client, world.bob)
    commit(client, batch)
    response = commit(client, batch)
    assert "已经导入" in client.get(response["Location"]).content.decode()
    with pytest.raises(ValidationError):
        services.batch_commit(actor=world.bob, batch=batch)
    with pytest.raises(ValidationError):
        services.batch_commit_start(actor=world.bob, batch=batch)
    assert AuditEvent.objects.filter(verb="import.commit").count() == 1


def test_the_same_file_imported_again_changes_nothing(world, client, kind):
    first = _uploaded(client, world.bob)
    commit(client, first)
    units = list(Unit.objects.order_by("pk").values_list("pk", "code", "name"))
    again = _uploaded(client, world.bob)
    assert again.sha256 == first.sha256
    assert (again.rows_unchanged, again.rows_create, again.rows_update) == (3, 0, 0)
    commit(client, again)
    again.refresh_from_db()
    assert again.status == BatchStatus.COMMITTED
    assert kind.applied == 0
    assert list(Unit.objects.order_by("pk").values_list("pk", "code", "name")) == units
    event = AuditEvent.objects.filter(verb="import.commit").latest("pk")
    assert event.after["rows_unchanged"] == 3 and event.after["rows_create"] == 0


def test_the_result_page_escapes_what_the_kind_hands_out_and_prints_plainly(world, client, kind):
    batch = _uploaded(client, world.bob)
    assert client.get(f"/imports/{batch.pk}/result/")["Location"] == f"/imports/{batch.pk}/"
    commit(client, batch)
    page = client.get(f"/imports/{batch.pk}/result/").content.decode()
    assert "&lt;b&gt;打印&lt;/b&gt;" in page
    assert "imports/print.css" in page
