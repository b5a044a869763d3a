"""The class roster through the API: the registrar records a whole class at once, all or
nothing, each row checked as on the roster page and each dispatch's attendance task
completed so its flow moves on."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from dispatch import services
from dispatch.models import Dispatch, DispatchStatus, Makeup
from ledger.models import HourRecord
from tests.api.actiontools import event_count, post, verbs
from tests.factories import training_class
from tests.flowtools import issue_roll_call, open_task, process_of, start_class
from workflow.runtime import complete_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def klass(world):
    return training_class(
        world.city_od, world.school, timezone.localdate() + dt.timedelta(days=30), credit_hours=40
    )


@pytest.fixture
def awaiting(client, world, staff, klass):
    """Cadres A and A1 named, confirmed and acknowledged; the class not yet started."""
    issue_roll_call(client, world, klass, [world.cadre_a, world.cadre_a1])
    dispatches = list(Dispatch.objects.order_by("pk"))
    for dispatch in dispatches:
        process = process_of(dispatch, "DispatchFlow")
        complete_task(
            open_task(process, "confirm"),
            staff.lily,
            lambda d=dispatch: services.dispatch_confirm(actor=staff.lily, dispatch=d),
        )
        ack = open_task(process, "acknowledge")
        who = ack.owner or staff.lily
        complete_task(
            ack, who, lambda d=dispatch, w=who: services.dispatch_acknowledge(actor=w, dispatch=d)
        )
    return dispatches


def url(klass):
    return f"classes/{klass.pk}/attendance/"


def test_the_registrar_records_the_class(world, klass, awaiting):
    present, absent = awaiting
    start_class(klass, refresh=True)

    response = post(
        world.rita,
        url(klass),
        {
            "rows": [
                {"dispatch": present.pk, "result": "present", "leave_hours": "2"},
                {"dispatch": absent.pk, "result": "absent"},
            ]
        },
    )

    assert response.status_code == 200, response.json()
    assert sorted(response.json()["recorded"]) == [present.pk, absent.pk]
    present.refresh_from_db()
    absent.refresh_from_db()
    assert (present.status, present.hours_credited) == (DispatchStatus.ATTENDED, Decimal("38"))
    assert absent.status == DispatchStatus.ABSENT
    assert HourRecord.objects.get(cadre=world.cadre_a).hours == Decimal("38")
    assert Makeup.objects.filter(source=absent).exists()
    assert "dispatch.attend" in verbs(present) and "dispatch.absent" in verbs(absent)
    assert verbs(klass) == ["class.attendance"]
    for dispatch in awaiting:
        task = process_of(dispatch, "DispatchFlow").task_set.get(
            flow_task__endswith=".record_attendance"
        )
        assert (task.status, task.owner) == (STATUS.DONE, world.rita)


def test_one_bad_row_records_nothing(world, klass, awaiting):
    good, bad = awaiting
    start_class(klass, refresh=True)
    before = event_count()

    response = post(
        world.rita,
        url(klass),
        {
            "rows": [
                {"dispatch": good.pk, "result": "present"},
                {"dispatch": bad.pk, "result": "present", "hours": "39.95"},
            ]
        },
    )

    assert response.status_code == 400
    assert list(response.json()["rows"]) == [str(bad.pk)]
    assert event_count() == before
    assert not HourRecord.objects.exists()
    good.refresh_from_db()
    assert good.status == DispatchStatus.ACKNOWLEDGED


def test_a_dispatch_of_another_class_or_recorded_already_is_named_in_its_row(
    world, klass, awaiting
):
    first, second = awaiting
    start_class(klass, refresh=True)
    body = {"rows": [{"dispatch": first.pk, "result": "present"}]}
    assert post(world.rita, url(klass), body).status_code == 200
    before = event_count()

    again = post(world.rita, url(klass), body)

    assert again.status_code == 400
    assert str(first.pk) in again.json()["rows"]
    assert event_count() == before
    unknown = post(world.rita, url(klass), {"rows": [{"dispatch": 99999999, "result": "absent"}]})
    assert unknown.status_code == 400 and "99999999" in unknown.json()["rows"]


def test_not_before_the_class_starts(world, klass, awaiting):
    response = post(
        world.rita, url(klass), {"rows": [{"dispatch": awaiting[0].pk, "result": "present"}]}
    )

    assert response.status_code == 400
    assert response.json()["non_field_errors"]
    assert not AuditEvent.objects.filter(verb="dispatch.attend").exists()


def test_outsiders_are_refused(world, staff, klass, awaiting):
    start_class(klass, refresh=True)
    body = {"rows": [{"dispatch": awaiting[0].pk, "result": "present"}]}

    assert post(world.bob, url(klass), body).status_code == 403  # sees the class, no registrar
    assert post(world.charlie, url(klass), body).status_code == 404
    assert post(world.rita, "classes/99999999/attendance/", body).status_code == 404
    assert not AuditEvent.objects.filter(verb="dispatch.attend").exists()


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [{"dispatch": 1}],
        [{"dispatch": "x", "result": "present"}],
        [{"dispatch": 1, "result": "late"}],
        "rows",
    ],
)
def test_malformed_rosters_answer_400(world, klass, awaiting, rows):
    start_class(klass, refresh=True)

    assert post(world.rita, url(klass), {"rows": rows}).status_code == 400
