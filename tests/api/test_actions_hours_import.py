"""Importing online hours through the API: upload → preview with each row's error →
commit all or nothing, through the same form and services as /hours/import/."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from ledger.models import HourImport, HourRecord
from tests.api.actiontools import api, event_count, post, verbs

pytestmark = pytest.mark.django_db

HEADER = "身份证号码,姓名,学习日期,学时,课程,平台\n"


def csv_upload(rows, name="hours.csv"):
    text = HEADER + "\n".join(",".join(r) for r in rows)
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def upload(user, rows, name="hours.csv"):
    return post(user, "hour-imports/", {"file": csv_upload(rows, name)}, format="multipart")


def test_a_clean_file_previews_then_commits_once(world):
    rows = [
        [world.cadre_a.id_number, "王堃", "2026-03-01", "2", "党史", "网院"],
        [world.cadre_a1.id_number, "李玥", "2026-03-02", "1.5", "党章", "网院"],
    ]

    preview = upload(world.bob, rows)

    assert preview.status_code == 201, preview.json()
    body = preview.json()
    assert (body["rows"], body["errors"], body["committed_at"]) == (2, 0, None)
    assert world.cadre_a.id_number not in str(body)  # masked
    assert not HourRecord.objects.exists()
    hour_import = HourImport.objects.get(pk=body["id"])
    assert verbs(hour_import) == ["hours.import_upload"]

    committed = post(world.bob, f"hour-imports/{hour_import.pk}/commit/")

    assert committed.status_code == 200, committed.json()
    assert committed.json()["created"] == 2
    assert HourRecord.objects.count() == 2
    assert verbs(hour_import) == ["hours.import_upload", "hours.import"]
    before = event_count()
    again = post(world.bob, f"hour-imports/{hour_import.pk}/commit/")
    assert again.status_code == 409
    assert HourRecord.objects.count() == 2 and event_count() == before


def test_row_errors_are_listed_first_and_block_the_commit(world):
    rows = [
        [world.cadre_a.id_number, "王堃", "2026-03-01", "2", "党史", "网院"],
        [world.cadre_b.id_number, "张喆", "2026-03-01", "2", "党史", "网院"],  # county's
        [world.cadre_a.id_number, "王堃", "明天", "2", "党章", "网院"],
    ]

    body = upload(world.bob, rows).json()
    # Bob reaches the county too: only the date is wrong.
    assert (body["rows"], body["errors"]) == (3, 1)
    assert body["lines"][0]["line"] == 4 and body["lines"][0]["errors"]

    refused = post(world.bob, f"hour-imports/{body['id']}/commit/")

    assert refused.status_code == 400
    assert refused.json()["non_field_errors"]
    assert not HourRecord.objects.exists()
    errors_only = api(world.bob).get(f"/api/v1/actions/hour-imports/{body['id']}/?errors_only=1")
    assert [line["line"] for line in errors_only.json()["lines"]] == [4]


def test_a_county_dispatcher_sees_the_citys_cadres_as_unknown(world):
    body = upload(world.carol, [[world.cadre_a.id_number, "王堃", "2026-03-01", "2", "x", "y"]])

    assert body.status_code == 201
    assert body.json()["errors"] == 1


def test_outsiders_are_refused(world, staff):
    rows = [[world.cadre_a.id_number, "王堃", "2026-03-01", "2", "党史", "网院"]]
    before = event_count()
    assert upload(staff.lily, rows).status_code == 403  # a liaison imports no hours
    assert event_count() == before
    hour_import = upload(world.bob, rows).json()["id"]

    # Only the uploader sees or commits an import.
    assert api(world.carol).get(f"/api/v1/actions/hour-imports/{hour_import}/").status_code == 404
    assert post(world.carol, f"hour-imports/{hour_import}/commit/").status_code == 404
    assert post(world.bob, "hour-imports/99999999999999999999/commit/").status_code == 404
    assert not HourRecord.objects.exists()


@pytest.mark.parametrize(
    "file",
    [
        SimpleUploadedFile("hours.xlsx", b"\x00\x01 random bytes", "application/octet-stream"),
        SimpleUploadedFile("hours.csv", b"", "text/csv"),
        SimpleUploadedFile("hours.csv", "姓名,日期\n王堃,2026-03-01\n".encode(), "text/csv"),
        SimpleUploadedFile("hours.txt", b"hello", "text/plain"),
    ],
)
def test_a_broken_file_gets_a_clear_message_and_nothing_is_stored(world, file):
    response = post(world.bob, "hour-imports/", {"file": file}, format="multipart")

    assert response.status_code == 400
    assert response.json()["file"], response.json()
    assert not HourImport.objects.exists()
    assert not AuditEvent.objects.filter(verb="hours.import_upload").exists()


def test_no_file_is_a_400(world):
    assert post(world.bob, "hour-imports/", {}, format="multipart").status_code == 400
