"""The import tests' fixtures: the test kind registered, uploads kept in a temporary
folder, and small file builders."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from openpyxl import Workbook

from tests.imports.testkind import registered


@pytest.fixture(autouse=True)
def _media(media):
    """Every test here stores its upload: in its own folder (tests/conftest.py `media`)."""


@pytest.fixture
def kind(db):
    with registered() as kind:
        yield kind


def csv_file(rows, name="units.csv", encoding="utf-8", header=("单位代码", "单位名称", "备注")):
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(rows, name="units.xlsx", header=("单位代码", "单位名称", "备注"), build=None):
    book = Workbook()
    sheet = book.active
    if header:
        sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    if build:
        build(sheet)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def tasks_run():
    """Run what the services start on commit (the Celery tasks, eager): the test's own
    transaction never commits, so the callbacks run when this block ends."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def upload(client, file, slug="test_units"):
    """POST the file to the kind's upload page, its check run; the response."""
    with tasks_run():
        return client.post(f"/imports/{slug}/", {"file": file})


def commit(client, batch):
    """POST the commit of a batch, its commit task run; the response."""
    with tasks_run():
        return client.post(f"/imports/{batch.pk}/commit/")
