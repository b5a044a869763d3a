"""The institutions and classes imports through the import pages (imports framework):
download the kind's template, fill it in as a person would (Excel date cells, Chinese
labels), upload, preview, commit; and a second upload of the same file changes nothing."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from audit.models import AuditEvent
from dispatch.models import ClassKind, Institution, TrainingClass
from imports.models import BatchStatus, ImportBatch

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def _filled_template(client, slug, rows):
    """The kind's .xlsx template with its example row replaced by `rows` (lists of cell
    values in the template's column order)."""
    response = client.get(f"/imports/{slug}/template.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    sheet.delete_rows(2)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload_and_commit(client, slug, data):
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(f"/imports/{slug}/", {"file": SimpleUploadedFile(f"{slug}.xlsx", data)})
    batch = ImportBatch.objects.filter(kind=slug).latest("pk")
    assert batch.status == BatchStatus.PREVIEWED, batch.refusal
    assert batch.rows_error == 0, list(batch.rows.values_list("errors", flat=True))
    preview = client.get(f"/imports/{batch.pk}/")
    assert preview.status_code == 200
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(f"/imports/{batch.pk}/commit/")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    return batch


def test_institutions_and_classes_from_their_templates(world, client):
    client.force_login(world.bob)
    data = _filled_template(
        client,
        "institutions",
        [["xx-xzxy", "某市行政学院", world.root.code, "行政学院", "市府路1号"]],
    )
    batch = _upload_and_commit(client, "institutions", data)
    assert batch.rows_create == 1
    college = Institution.objects.get(unit__code="xx-xzxy")

    start = dt.datetime(2027, 3, 1)
    data = _filled_template(
        client,
        "classes",
        [
            [
                "春季班",
                "xx-xzxy",
                "X组通",
                "专题班",
                start,
                start + dt.timedelta(days=4),
                None,
                "行政学院礼堂",
                40,
                None,
                60,
            ],
            [
                "秋季班",
                world.school_unit.code,
                "X组通",
                "",
                "2027年9月1日",
                "2027/9/3",
                "2027-08-31",
                "党校",
                "23.5",  # 3 days hold at most 24 hours (8 a day)
                3,
                30,
            ],
        ],
    )
    batch = _upload_and_commit(client, "classes", data)
    assert batch.rows_create == 2
    spring = TrainingClass.objects.get(name="春季班")
    assert (spring.institution, spring.kind, spring.days) == (college, ClassKind.THEMATIC, 5)
    assert spring.report_date == dt.date(2027, 3, 1)
    autumn = TrainingClass.objects.get(name="秋季班")
    assert (autumn.start_date, autumn.end_date) == (dt.date(2027, 9, 1), dt.date(2027, 9, 3))
    assert autumn.kind == ClassKind.MAIN
    assert AuditEvent.objects.filter(verb="import.commit").count() == 2

    # The same file again: nothing to create or update.
    events = AuditEvent.objects.exclude(verb__startswith="import.").count()
    batch = _upload_and_commit(client, "classes", data)
    assert (batch.rows_create, batch.rows_update, batch.rows_unchanged) == (0, 0, 2)
    assert AuditEvent.objects.exclude(verb__startswith="import.").count() == events
    assert TrainingClass.objects.filter(name__in=["春季班", "秋季班"]).count() == 2


def test_a_county_dispatchers_city_rows_are_refused_on_the_preview(world, client):
    client.force_login(world.carol)
    data = _filled_template(
        client,
        "classes",
        [
            [
                "市班",
                world.school_unit.code,
                "X组通",
                "",
                "2027-03-01",
                "2027-03-02",
                "",
                "党校",
                8,
                2,
                10,
            ]
        ],
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post("/imports/classes/", {"file": SimpleUploadedFile("c.xlsx", data)})
    batch = ImportBatch.objects.get(kind="classes")
    assert batch.rows_error == 1
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "X组通" in page
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(f"/imports/{batch.pk}/commit/")
    assert not TrainingClass.objects.filter(name="市班").exists()


def test_a_class_with_recorded_attendance_cannot_be_moved_by_an_import(world, client):
    """The preview shows the row's error naming the fields; the commit changes nothing."""
    from django.utils import timezone

    from dispatch.models import Dispatch, DispatchStatus
    from tests.factories import training_class

    klass = training_class(world.city_od, world.school, dt.date(2026, 3, 2), name="一班")
    Dispatch.objects.create(
        training_class=klass,
        cadre=world.cadre_a,
        unit=world.a,
        status=DispatchStatus.ATTENDED,
        attendance="present",
        confirm_due=timezone.now(),
    )
    client.force_login(world.bob)
    values = ["一班", world.school_unit.code, "X组通", "", "2026-03-02", "2027-01-10", ""]
    data = _filled_template(client, "classes", [[*values, "党校", 200, "", 30]])
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post("/imports/classes/", {"file": SimpleUploadedFile("c.xlsx", data)})
    batch = ImportBatch.objects.get(kind="classes")
    assert (batch.rows_error, batch.rows_update) == (1, 0)
    errors = batch.rows.get().errors
    assert any("结束日期" in e for e in errors) and any("学时" in e for e in errors)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert all(e in page for e in errors)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(f"/imports/{batch.pk}/commit/")
    klass.refresh_from_db()
    assert (klass.end_date, klass.credit_hours) == (dt.date(2026, 3, 6), 40)
