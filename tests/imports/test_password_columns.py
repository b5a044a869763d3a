"""A file with a password column (密码, 口令, password, passwd, pwd; any case, with
spaces around) is refused for every kind when it is uploaded, before it is kept: a clear
Chinese message, no batch, nothing in storage, nothing written (no audit event either)."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils import translation
from openpyxl import Workbook

from audit.models import AuditEvent
from imports import engine, services, workbooks
from imports.kinds import registry
from imports.models import BatchStatus, ImportBatch, ImportRow
from tests.imports.conftest import csv_file, upload, xlsx_file

MESSAGE = "文件中不得包含密码列"
HEADER = ("单位代码", "单位名称", "备注")


def _nothing_kept(settings):
    assert not ImportBatch.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="import.").exists()
    media = settings.MEDIA_ROOT
    assert not (media.exists() and any(path.is_file() for path in media.rglob("*")))


@pytest.mark.parametrize("column", ["密码", " Password ", "PASSWD", "pwd", "口令", "初始密码*"])
def test_a_csv_with_a_password_column_is_refused_on_the_upload_page(
    world, client, kind, settings, column
):
    client.force_login(world.bob)
    file = csv_file([["P1", "甲单位", "", "Sekr3t!"]], header=(*HEADER, column))
    response = upload(client, file)
    assert response.status_code == 200
    page = response.content.decode()
    assert MESSAGE in page and column.strip() in page
    _nothing_kept(settings)


def test_an_xlsx_with_a_password_column_is_refused_on_the_upload_page(
    world, client, kind, settings
):
    client.force_login(world.bob)
    response = upload(client, xlsx_file([["P1", "甲单位", "", "x"]], header=(*HEADER, "登录密码")))
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    _nothing_kept(settings)


def test_the_same_file_without_the_column_is_kept_and_checked(world, client, kind, settings):
    client.force_login(world.bob)
    response = upload(client, csv_file([["P1", "甲单位", "护照"]], header=(*HEADER, "Passport")))
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.rows_create) == (BatchStatus.PREVIEWED, 1)


def _with_password(kind, extension: str) -> tuple[bytes, str]:
    """The kind's template with a 密码 column added to its header and its example row."""
    with translation.override("zh-hans"):
        header = [*workbooks.headers(kind), " 密码 "]
    row = [column.example for column in kind.columns] + ["Sekr3t!"]
    if extension == ".csv":
        lines = [",".join(header), ",".join(row)]
        return ("\r\n".join(lines) + "\r\n").encode("gb18030"), f"{kind.slug}.csv"
    book = Workbook()
    book.active.append(header)
    book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), f"{kind.slug}.xlsx"


@pytest.mark.parametrize("extension", [".csv", ".xlsx"])
def test_the_service_refuses_a_password_column_for_every_kind(world, settings, extension):
    admin = get_user_model().objects.create_superuser("root", password="x")
    kinds = registry.all()
    assert {"units", "cadres", "accounts", "classes"} <= {kind.slug for kind in kinds}
    for kind in kinds:
        content, name = _with_password(kind, extension)
        with pytest.raises(ValidationError) as refused:
            services.batch_upload(
                actor=admin, kind=kind, upload=File(io.BytesIO(content), name=name), name=name
            )
        assert MESSAGE in refused.value.messages[0], kind.slug
        assert "密码" in refused.value.messages[0]
    _nothing_kept(settings)


def test_the_wrong_template_is_refused_on_upload_with_the_checks_message(world, kind, settings):
    file = csv_file([["甲", "1"]], header=("姓名", "学时"))
    with pytest.raises(ValidationError) as refused:
        services.batch_upload(actor=world.bob, kind=kind, upload=file, name=file.name)
    assert refused.value.messages == ["缺少列：单位代码、单位名称"]
    _nothing_kept(settings)


def test_a_file_kept_before_the_rule_is_refused_by_the_check(world, kind, settings):
    """The background check applies the same rule: a batch stored with a password column
    (before uploads were refused) keeps no row."""
    file = csv_file([["P1", "甲单位", "", "Sekr3t!"]], header=(*HEADER, "password"))
    batch = ImportBatch(kind=kind.slug, uploaded_by=world.bob, file_name="old.csv", sha256="0")
    batch.file.save("old.csv", file, save=False)
    batch.save()
    batch = engine.batch_check(batch)
    assert batch.status == BatchStatus.REFUSED
    assert MESSAGE in batch.refusal
    assert not ImportRow.objects.exists()
