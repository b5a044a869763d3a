"""An approved circular whose rendering was lost (the server stopped before the queued
task ran) or failed does not stay "正在生成公文" for ever: beat's `circulars.issue_waiting`
issues it once it has waited `XUNDIAO_CIRCULAR_ISSUE_AFTER_MINUTES` since the approval
(or its last failed attempt), and leaves a fresher one to its own task — one document
each, numbered without a gap."""

import datetime as dt
import re
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.test import TestCase
from django.utils import timezone

from circulars.models import CircularStatus
from circulars.tasks import issue_waiting
from notifications.models import IssuedDocument
from tests.circulars.kit import start_circular
from tests.flowtools import act, open_task, process_of

pytestmark = pytest.mark.usefixtures("media")

GRACE = dt.timedelta(minutes=settings.XUNDIAO_CIRCULAR_ISSUE_AFTER_MINUTES)


def approved_but_lost(client, world, staff, start, end):
    """A circular drafted and approved whose rendering task never runs (what approving
    queued is dropped, as when the server stops after the commit)."""
    circular = start_circular(client, world, start, end)
    process = process_of(circular, "CircularFlow")
    client.force_login(world.bob)
    act(client, open_task(process, "draft"), {"title": circular.title, "body": ""})
    client.force_login(staff.oscar)
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        response = act(client, open_task(process, "approval"), {"decision": "approve"})
    assert response.status_code == 302
    circular.refresh_from_db()
    assert circular.status == CircularStatus.ISSUING
    return circular, queued


def sequence(document) -> int:
    return int(re.search(r"(\d+)号", document.document_number).group(1))


def test_beat_runs_the_pass():
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if "issue_waiting" in e["task"]]
    assert [e["task"] for e in entries] == ["circulars.issue_waiting"]


def test_a_circular_left_issuing_is_issued_by_the_task(world, staff, client):
    approved_at = timezone.now()
    with time_machine.travel(approved_at, tick=False):
        circular, _lost = approved_but_lost(
            client, world, staff, dt.date(2024, 1, 1), dt.date(2024, 3, 31)
        )
    process = process_of(circular, "CircularFlow")
    page = client.get(f"/workflow/circular/{process.pk}/").content.decode()
    assert 'data-status="issuing"' in page and 'http-equiv="refresh"' in page

    with time_machine.travel(approved_at + GRACE + dt.timedelta(minutes=1), tick=False):
        issue_waiting.delay()
    circular.refresh_from_db()
    assert circular.status == CircularStatus.ISSUED and circular.document_number
    document = IssuedDocument.objects.get()
    assert circular.document_id == document.pk and document.subject_id == circular.pk
    page = client.get(f"/workflow/circular/{process.pk}/").content.decode()
    assert 'data-status="issued"' in page and 'http-equiv="refresh"' not in page
    assert circular.document_number in page


def test_a_fresh_one_is_left_to_its_own_task_and_issued_once(world, staff, client):
    approved_at = timezone.now()
    with time_machine.travel(approved_at, tick=False):
        circular, queued = approved_but_lost(
            client, world, staff, dt.date(2024, 1, 1), dt.date(2024, 3, 31)
        )
    with time_machine.travel(approved_at + GRACE - dt.timedelta(minutes=1), tick=False):
        issue_waiting.delay()
    circular.refresh_from_db()
    assert circular.status == CircularStatus.ISSUING and not IssuedDocument.objects.exists()

    for callback in queued:  # the task the approval queued arrives after all
        callback()
    circular.refresh_from_db()
    assert circular.status == CircularStatus.ISSUED
    with time_machine.travel(approved_at + GRACE + dt.timedelta(minutes=5), tick=False):
        issue_waiting.delay()
    assert IssuedDocument.objects.count() == 1
    circular.refresh_from_db()
    assert circular.document_id == IssuedDocument.objects.get().pk


def test_the_swept_and_the_fresh_circular_are_numbered_without_a_gap(world, staff, client):
    first_at = timezone.now()
    with time_machine.travel(first_at, tick=False):
        stuck, _lost = approved_but_lost(
            client, world, staff, dt.date(2024, 1, 1), dt.date(2024, 3, 31)
        )
    later = first_at + GRACE + dt.timedelta(minutes=2)
    with time_machine.travel(later, tick=False):
        fresh, queued = approved_but_lost(
            client, world, staff, dt.date(2024, 4, 1), dt.date(2024, 6, 30)
        )
        issue_waiting.delay()  # the stuck one only
        stuck.refresh_from_db()
        fresh.refresh_from_db()
        assert stuck.status == CircularStatus.ISSUED
        assert fresh.status == CircularStatus.ISSUING
        for callback in queued:
            callback()
    fresh.refresh_from_db()
    documents = list(IssuedDocument.objects.order_by("pk"))
    assert [d.pk for d in documents] == [stuck.document_id, fresh.document_id]
    first, second = (sequence(d) for d in documents)
    assert second == first + 1
    assert len({d.document_number for d in documents}) == 2


def test_a_failing_rendering_is_tried_again_once_per_wait(world, staff, client):
    approved_at = timezone.now()
    with time_machine.travel(approved_at, tick=False):
        circular, _lost = approved_but_lost(
            client, world, staff, dt.date(2024, 1, 1), dt.date(2024, 3, 31)
        )
    failed_at = approved_at + GRACE + dt.timedelta(minutes=1)
    with (
        time_machine.travel(failed_at, tick=False),
        mock.patch("notifications.services.render_pdf", side_effect=RuntimeError("no fonts")),
    ):
        issue_waiting.delay()
    circular.refresh_from_db()
    assert circular.status == CircularStatus.ISSUING and "no fonts" in circular.issue_error
    with time_machine.travel(failed_at + dt.timedelta(minutes=2), tick=False):
        issue_waiting.delay()  # tried a moment ago: not yet again
    circular.refresh_from_db()
    assert circular.status == CircularStatus.ISSUING and not IssuedDocument.objects.exists()
    with time_machine.travel(failed_at + GRACE, tick=False):
        issue_waiting.delay()
    circular.refresh_from_db()
    assert circular.status == CircularStatus.ISSUED and circular.issue_error == ""
    assert IssuedDocument.objects.count() == 1
