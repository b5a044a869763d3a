"""Correcting a recorded attendance (考勤更正) through the API does what its page does: the
dispatch found as the page finds it (404 out of reach), the institution's registrar only
(403), the page's form and refusals (400, nothing written), then the correction with its
flows — a makeup cancelled, or owed and its MakeupFlow started."""

import datetime as dt

import pytest
from django.utils import timezone
from viewflow.workflow.models import Process

from audit.models import AuditEvent
from core.locking import LockBusy
from dispatch.models import (
    Dispatch,
    DispatchStatus,
    Institution,
    InstitutionKind,
    Makeup,
    MakeupStatus,
    TrainingClass,
)
from ledger.models import HourRecord
from org.models import UnitKind
from tests.api.actiontools import event_count, post, verbs
from tests.factories import training_class, unit, user
from tests.flowtools import at_attendance, open_task, process_of, run_to_absence

pytestmark = pytest.mark.django_db

REASON = "登记有误：学员全程在班，已核对签到表"


def path(dispatch, klass=None):
    klass_pk = klass.pk if klass is not None else dispatch.training_class_id
    return f"classes/{klass_pk}/attendance/{dispatch.pk}/correct/"


@pytest.fixture
def absent(client, world, staff, klass):
    """Cadre A recorded absent from `klass` (run today) by Rita: a makeup is owed."""
    return run_to_absence(client, world, staff, klass, world.cadre_a)


def makeup_flows(makeup, status):
    return Process.objects.filter(
        flow_class__endswith="MakeupFlow", artifact_object_id=makeup.pk, status=status
    )


def unchanged(dispatch, status, before):
    dispatch.refresh_from_db()
    return dispatch.status == status and event_count() == before


def test_an_absentee_corrected_to_present_through_the_api(absent, world, klass):
    makeup = Makeup.objects.get(source=absent)
    data = {"result": "present", "leave_hours": "2", "reason": REASON}

    response = post(world.rita, path(absent), data)

    assert response.status_code == 200, response.json()
    absent.refresh_from_db()
    assert (absent.status, absent.attendance) == (DispatchStatus.ATTENDED, "present")
    assert absent.hours_credited == klass.credit_hours - 2
    assert HourRecord.objects.get(source_key=f"dispatch:{absent.pk}").hours == absent.hours_credited
    makeup.refresh_from_db()
    assert makeup.status == MakeupStatus.CANCELLED
    assert not makeup_flows(makeup, "NEW").exists()  # its flow ended with it
    event = AuditEvent.objects.get(verb="dispatch.attendance_correct")
    assert (event.actor, event.target_id, event.note) == (world.rita, str(absent.pk), REASON)
    body = response.json()
    assert body["dispatch"] == absent.pk and body["status"] == DispatchStatus.ATTENDED
    assert body["before"] == "缺训" and body["after"].startswith("出勤")
    assert body["makeup_owed"] is None
    assert body["makeup_cancelled"]["id"] == makeup.pk
    assert body["makeup_cancelled"]["status"] == MakeupStatus.CANCELLED


def test_a_present_cadre_corrected_to_absent_owes_a_makeup_whose_flow_starts(
    client, world, staff, klass
):
    process = at_attendance(client, world, staff, klass)
    task = open_task(process, "record_attendance")
    assert (
        post(world.rita, f"tasks/{task.pk}/attendance/", {"result": "present"}).status_code == 200
    )
    dispatch = Dispatch.objects.get(cadre=world.cadre_a)

    response = post(world.rita, path(dispatch), {"result": "absent", "reason": REASON})

    assert response.status_code == 200, response.json()
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ABSENT and dispatch.flagged_for_circular
    makeup = Makeup.objects.get(source=dispatch)
    assert response.json()["makeup_owed"]["id"] == makeup.pk
    assert response.json()["makeup_owed"]["due_date"] == makeup.due_date.isoformat()
    # As on the page (`attendance_correct_and_continue`): the makeup's flow waits for
    # the dispatchers to schedule it.
    assert open_task(process_of(makeup, "MakeupFlow"), "schedule") is not None
    record = HourRecord.objects.get(source_key=f"dispatch:{dispatch.pk}")
    assert record.status == "rejected" and verbs(record)[-1] == "hours.reject"


def test_outsiders_get_404_and_other_roles_403(absent, world, staff, klass):
    other = unit("中共某县委党校", world.county, kind=UnitKind.INSTITUTION)
    Institution.objects.create(unit=other, kind=InstitutionKind.PARTY_SCHOOL)
    ruth = user("ruth", "registrar", other)
    # the dispatch asked for under another class of the registrar's own institution
    another = training_class(world.city_od, world.school, timezone.localdate())
    data = {"result": "present", "reason": REASON}
    before = event_count()

    assert post(world.charlie, path(absent), data).status_code == 404
    assert post(ruth, path(absent), data).status_code == 404
    assert post(world.rita, path(absent, another), data).status_code == 404
    assert post(world.rita, "classes/1/attendance/999999999/correct/", data).status_code == 404
    for person in (staff.lily, world.bob):  # they reach it, but do not record attendance
        refused = post(person, path(absent), data)
        assert refused.status_code == 403 and refused.json()["detail"]
    assert unchanged(absent, DispatchStatus.ABSENT, before)
    assert Makeup.objects.get(source=absent).status == MakeupStatus.OWED


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"result": "present"}, "reason", "理由"),
        ({"result": "present", "reason": "   "}, "reason", "理由"),
        ({"result": "late", "reason": REASON}, "result", None),
        ({"result": "present", "leave_hours": "-1", "reason": REASON}, "leave_hours", None),
        ({"result": "present", "leave_hours": "1.25", "reason": REASON}, "leave_hours", None),
        ({"result": "absent", "reason": REASON}, "non_field_errors", "已登记"),  # no change
    ],
)
def test_bad_input_is_a_400_and_writes_nothing(absent, world, data, field, message):
    before = event_count()

    response = post(world.rita, path(absent), data)

    assert response.status_code == 400
    assert field in response.json(), response.json()
    if message:
        assert message in str(response.json()), response.json()
    assert unchanged(absent, DispatchStatus.ABSENT, before)
    assert Makeup.objects.get(source=absent).status == MakeupStatus.OWED


def test_past_the_window_and_a_scheduled_makeup_are_refused_with_the_reason(
    absent, world, klass, settings
):
    data = {"result": "present", "reason": REASON}
    Makeup.objects.filter(source=absent).update(status=MakeupStatus.SCHEDULED)
    before = event_count()

    scheduled = post(world.rita, path(absent), data)

    assert scheduled.status_code == 400
    assert "补训" in str(scheduled.json()["non_field_errors"])
    settings.XUNDIAO_ATTENDANCE_CORRECTION_DAYS = 30
    ended = timezone.localdate() - dt.timedelta(days=31)
    TrainingClass.objects.filter(pk=klass.pk).update(
        start_date=ended, end_date=ended, report_date=ended
    )
    late = post(world.rita, path(absent), {"result": "withdrawn", "reason": REASON})
    assert late.status_code == 400
    assert klass.name in late.json()["non_field_errors"][0]
    assert unchanged(absent, DispatchStatus.ABSENT, before)


def test_an_attendance_not_yet_recorded_is_not_corrected(client, world, staff, klass):
    at_attendance(client, world, staff, klass)
    dispatch = Dispatch.objects.get(cadre=world.cadre_a)
    before = event_count()

    response = post(world.rita, path(dispatch), {"result": "absent", "reason": REASON})

    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert unchanged(dispatch, DispatchStatus.ACKNOWLEDGED, before)


def test_a_lock_held_by_someone_else_is_a_409_and_keeps_nothing(absent, world, monkeypatch):
    from api.actions import attendance as attendance_actions

    before = event_count()

    def held(**kwargs):
        raise LockBusy()

    monkeypatch.setattr(attendance_actions, "attendance_correct_and_continue", held)
    response = post(world.rita, path(absent), {"result": "present", "reason": REASON})

    assert response.status_code == 409
    assert response.json()["detail"] == "该事项正在由他人办理，请稍后重试"
    assert unchanged(absent, DispatchStatus.ABSENT, before)
