"""Correcting a recorded attendance (考勤更正): the school's registrar (Rita) records again
what was recorded for a dispatch, with a reason, until some days after the class. The
ledger, the makeup owed, its flow and the circular's flag follow; the unit's liaison
(Lily) and the trainee (Dave, cadre A) are told once each. Refused: a makeup dispatch, a
makeup already scheduled, past the window, no reason, no change, and anyone who does not
record the class's attendance."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from viewflow.workflow.models import Process

from audit.models import AuditEvent
from dispatch import policy
from dispatch.flows.attendance import attendance_correct_and_continue
from dispatch.models import (
    Dispatch,
    DispatchStatus,
    Institution,
    InstitutionKind,
    Makeup,
    MakeupStatus,
    TrainingClass,
)
from ledger.models import HourRecord, HourTotal
from notifications.models import Event, Notification
from org.models import UnitKind
from tests.factories import cadre, training_class, unit, user
from tests.flowtools import act, at_attendance, open_task, run_to_absence

REASON = "登记有误：学员全程在班，已核对签到表"


def url(dispatch, klass=None):
    klass_pk = klass.pk if klass is not None else dispatch.training_class_id
    return f"/classes/{klass_pk}/attendance/{dispatch.pk}/correct/"


def correct(dispatch, result, leave=0, *, actor, reason=REASON):
    return attendance_correct_and_continue(
        actor=actor, dispatch=dispatch, result=result, leave_hours=leave, reason=reason
    )


def recorded(client, world, staff, klass, result, leave="0"):
    """Cadre A (Dave) at `klass`, which ends today, recorded `result` by Rita."""
    process = at_attendance(client, world, staff, klass)
    client.force_login(world.rita)
    data = {"result": result, "leave_hours": leave}
    assert act(client, open_task(process, "record_attendance"), data).status_code == 302
    return Dispatch.objects.get(cadre=world.cadre_a, training_class=klass)


def makeup_processes(makeup, status=None):
    processes = Process.objects.filter(
        flow_class__endswith="MakeupFlow", artifact_object_id=makeup.pk
    )
    return processes.filter(status=status) if status else processes


def total(person, year):
    row = HourTotal.objects.filter(cadre=person, kind="concentrated", year=year).first()
    return Decimal(0) if row is None else row.hours


def told(dispatch):
    return sorted(
        Notification.objects.filter(
            event=Event.ATTENDANCE_CORRECTED, key__startswith=f"dispatch:{dispatch.pk}:"
        ).values_list("recipient__username", flat=True)
    )


# -- what a correction does -------------------------------------------------------------------


def test_an_absentee_corrected_to_present_is_credited_and_owes_no_makeup(
    world, staff, klass, client
):
    dispatch = run_to_absence(client, world, staff, klass, world.cadre_a)
    makeup = Makeup.objects.get(source=dispatch)
    assert makeup_processes(makeup, "NEW").count() == 1
    owed_before = Notification.objects.filter(event=Event.MAKEUP_OWED).count()

    done = correct(dispatch, "present", actor=world.rita)

    dispatch.refresh_from_db()
    assert (dispatch.status, dispatch.attendance) == (DispatchStatus.ATTENDED, "present")
    assert dispatch.hours_credited == klass.credit_hours and not dispatch.flagged_for_circular
    record = HourRecord.objects.get(source_key=f"dispatch:{dispatch.pk}")
    assert (record.hours, record.status) == (klass.credit_hours, "recognized")
    assert total(world.cadre_a, record.date.year) == klass.credit_hours
    makeup.refresh_from_db()
    assert makeup.status == MakeupStatus.CANCELLED
    assert done.makeup_cancelled == makeup and done.makeup_owed is None
    assert not makeup_processes(makeup, "NEW").exists()
    assert makeup_processes(makeup, "CANCELED").count() == 1

    event = AuditEvent.objects.get(verb="dispatch.attendance_correct")
    assert (event.actor, event.target_id, event.note) == (world.rita, str(dispatch.pk), REASON)
    assert (event.before["status"], event.after["status"]) == ("absent", "attended")
    assert AuditEvent.objects.get(verb="makeup.cancel").note == REASON
    assert AuditEvent.objects.get(verb="hours.credit").target_id == str(record.pk)

    # One message each, saying what it was, what it is and why; no makeup notice.
    assert told(dispatch) == ["dave", "lily"]
    message = Notification.objects.get(event=Event.ATTENDANCE_CORRECTED, recipient=staff.lily)
    assert world.cadre_a.name in message.body and REASON in message.body
    assert Notification.objects.filter(event=Event.MAKEUP_OWED).count() == owed_before


def test_a_present_cadre_corrected_to_absent_loses_the_hours_and_owes_makeup(
    world, staff, klass, client
):
    dispatch = recorded(client, world, staff, klass, "present")
    record = HourRecord.objects.get(source_key=f"dispatch:{dispatch.pk}")
    assert total(world.cadre_a, record.date.year) == klass.credit_hours
    assert not Makeup.objects.exists()

    done = correct(dispatch, "absent", actor=world.rita)

    dispatch.refresh_from_db()
    assert (dispatch.status, dispatch.attendance) == (DispatchStatus.ABSENT, "absent")
    assert dispatch.hours_credited is None and dispatch.flagged_for_circular
    record.refresh_from_db()
    assert record.status == "rejected" and REASON in record.note
    assert total(world.cadre_a, record.date.year) == 0
    makeup = Makeup.objects.get(source=dispatch)
    assert (makeup.status, makeup.reason) == (MakeupStatus.OWED, "absence")
    assert done.makeup_owed == makeup
    process = makeup_processes(makeup, "NEW").get()
    assert open_task(process, "schedule")
    assert AuditEvent.objects.filter(verb="hours.reject", target_id=str(record.pk)).exists()
    assert AuditEvent.objects.filter(verb="makeup.owe", target_id=str(makeup.pk)).exists()
    # The makeup is told in the correction's message: one message each, not two.
    assert told(dispatch) == ["dave", "lily"]
    assert not Notification.objects.filter(event=Event.MAKEUP_OWED).exists()


def test_corrected_back_and_forth_the_one_record_and_the_one_makeup_follow(
    world, staff, klass, client
):
    """present → absent → present → absent: one hour record and one makeup per dispatch,
    changed in place each time; each owed makeup gets a flow of its own."""
    dispatch = recorded(client, world, staff, klass, "present")
    correct(dispatch, "absent", actor=world.rita)
    correct(dispatch, "present", actor=world.rita, reason="复核签到表后确认出勤")
    record = HourRecord.objects.get(source_key=f"dispatch:{dispatch.pk}")
    assert record.status == "recognized" and record.note == klass.name
    assert total(world.cadre_a, record.date.year) == klass.credit_hours
    makeup = Makeup.objects.get(source=dispatch)
    assert makeup.status == MakeupStatus.CANCELLED

    done = correct(dispatch, "withdrawn", 10, actor=world.rita, reason="中途离班")
    makeup.refresh_from_db()
    assert done.makeup_owed == makeup
    assert (makeup.status, makeup.reason) == (MakeupStatus.OWED, "withdrawn")
    assert makeup_processes(makeup, "NEW").count() == 1
    assert makeup_processes(makeup).count() == 2
    assert HourRecord.objects.filter(cadre=world.cadre_a).count() == 1
    assert total(world.cadre_a, record.date.year) == 0


def test_other_leave_changes_the_hours_credited_in_place(world, staff, klass, client):
    dispatch = recorded(client, world, staff, klass, "present")
    record = HourRecord.objects.get(source_key=f"dispatch:{dispatch.pk}")

    correct(dispatch, "present", 4, actor=world.rita)

    dispatch.refresh_from_db()
    assert (dispatch.status, dispatch.leave_hours) == (DispatchStatus.ATTENDED, 4)
    assert dispatch.hours_credited == klass.credit_hours - 4
    record.refresh_from_db()
    assert record.hours == klass.credit_hours - 4 and record.status == "recognized"
    assert record.days == Decimal(klass.days) * record.hours / klass.credit_hours
    assert total(world.cadre_a, record.date.year) == klass.credit_hours - 4
    assert HourRecord.objects.count() == 1
    assert AuditEvent.objects.filter(verb="hours.correct", target_id=str(record.pk)).exists()
    assert not Makeup.objects.exists()


def test_too_much_leave_still_withdraws(world, staff, klass, client):
    dispatch = recorded(client, world, staff, klass, "present")
    done = correct(dispatch, "present", 10, actor=world.rita)  # over 1/7 of 40 hours
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.WITHDRAWN and dispatch.leave_hours == 10
    assert done.makeup_owed.reason == "withdrawn"


def test_absent_and_withdrawn_swap_and_the_makeup_reason_follows(world, staff, klass, client):
    dispatch = run_to_absence(client, world, staff, klass, world.cadre_a)
    makeup = Makeup.objects.get(source=dispatch)

    done = correct(dispatch, "withdrawn", 2, actor=world.rita)
    dispatch.refresh_from_db()
    makeup.refresh_from_db()
    assert (dispatch.status, dispatch.leave_hours) == (DispatchStatus.WITHDRAWN, 2)
    assert not dispatch.flagged_for_circular
    assert (makeup.status, makeup.reason) == (MakeupStatus.OWED, "withdrawn")
    assert done.makeup_owed is None and done.makeup_cancelled is None
    assert makeup_processes(makeup).count() == 1  # the same flow goes on
    event = AuditEvent.objects.get(verb="makeup.reason")
    assert (event.before["reason"], event.after["reason"], event.note) == (
        "absence",
        "withdrawn",
        REASON,
    )

    correct(dispatch, "absent", actor=world.rita, reason="核实为未报到")
    dispatch.refresh_from_db()
    makeup.refresh_from_db()
    assert (dispatch.status, dispatch.leave_hours) == (DispatchStatus.ABSENT, 0)
    assert dispatch.flagged_for_circular and makeup.reason == "absence"
    assert not HourRecord.objects.exists()
    assert told(dispatch) == ["dave", "dave", "lily", "lily"]  # once per correction


# -- refusals ---------------------------------------------------------------------------------


def refused(dispatch, result="present", leave=0, *, actor, reason=REASON, error=ValidationError):
    with pytest.raises(error) as caught:
        correct(dispatch, result, leave, actor=actor, reason=reason)
    return " ".join(getattr(caught.value, "messages", [str(caught.value)]))


def test_a_makeup_already_scheduled_is_not_cancelled(world, staff, klass, client):
    dispatch = run_to_absence(client, world, staff, klass, world.cadre_a)
    Makeup.objects.filter(source=dispatch).update(status=MakeupStatus.SCHEDULED)
    with translation.override("en"):
        message = refused(dispatch, actor=world.rita)
    assert "already Scheduled" in message
    assert Dispatch.objects.get(pk=dispatch.pk).status == DispatchStatus.ABSENT
    # Absent ↔ withdrawn cancels nothing: still open.
    correct(dispatch, "withdrawn", actor=world.rita)


def test_past_the_window_nothing_is_corrected(world, staff, klass, client, settings):
    dispatch = run_to_absence(client, world, staff, klass, world.cadre_a)
    settings.XUNDIAO_ATTENDANCE_CORRECTION_DAYS = 30
    ended = timezone.localdate() - dt.timedelta(days=31)
    TrainingClass.objects.filter(pk=klass.pk).update(
        start_date=ended, end_date=ended, report_date=ended
    )
    dispatch.refresh_from_db()
    assert policy.attendance_correction_refusal(dispatch)
    refused(dispatch, "withdrawn", actor=world.rita)
    TrainingClass.objects.filter(pk=klass.pk).update(
        start_date=ended + dt.timedelta(days=1), end_date=ended + dt.timedelta(days=1)
    )
    dispatch.refresh_from_db()
    assert policy.attendance_correction_refusal(dispatch) is None  # the 30th day still is


def test_a_makeup_dispatch_is_not_corrected(world, staff, klass, client):
    dispatch = run_to_absence(client, world, staff, klass, world.cadre_a)
    Dispatch.objects.filter(pk=dispatch.pk).update(kind="makeup")
    with translation.override("en"):
        assert "makeup dispatch" in refused(dispatch, actor=world.rita)


def test_present_only_once_the_class_has_ended(world, staff, klass, client):
    dispatch = run_to_absence(client, world, staff, klass, world.cadre_a)
    today = timezone.localdate()
    TrainingClass.objects.filter(pk=klass.pk).update(end_date=today + dt.timedelta(days=2))
    refused(dispatch, actor=world.rita)
    correct(dispatch, "withdrawn", actor=world.rita)  # absences and withdrawals may


def test_no_reason_and_no_change_are_refused(world, staff, klass, client):
    dispatch = run_to_absence(client, world, staff, klass, world.cadre_a)
    with pytest.raises(ValidationError) as caught:
        correct(dispatch, "present", actor=world.rita, reason="  ")
    assert "reason" in caught.value.message_dict
    refused(dispatch, "absent", actor=world.rita)
    refused(dispatch, "absent", 3, actor=world.rita)  # an absentee takes no leave
    assert not AuditEvent.objects.filter(verb="dispatch.attendance_correct").exists()


def test_only_the_classs_registrar_corrects(world, staff, klass, client):
    dispatch = run_to_absence(client, world, staff, klass, world.cadre_a)
    other = unit("中共某县委党校", world.county, kind=UnitKind.INSTITUTION)
    Institution.objects.create(unit=other, kind=InstitutionKind.PARTY_SCHOOL)
    outsider = user("ruth", "registrar", other)
    for person in (staff.lily, world.bob, outsider):
        refused(dispatch, actor=person, error=PermissionDenied)
    assert Dispatch.objects.get(pk=dispatch.pk).status == DispatchStatus.ABSENT
    assert Makeup.objects.get(source=dispatch).status == MakeupStatus.OWED


def test_a_cadre_booked_since_into_an_overlapping_class_is_not_made_present(
    world, staff, klass, client
):
    dispatch = run_to_absence(client, world, staff, klass, world.cadre_a)
    today = timezone.localdate()
    other = training_class(world.city_od, world.school, today, days=1)
    Dispatch.objects.create(
        training_class=other,
        cadre=world.cadre_a,
        unit=world.a,
        status=DispatchStatus.ATTENDED,
        confirm_due=timezone.now(),
    )
    assert other.name in refused(dispatch, actor=world.rita)


# -- the page ---------------------------------------------------------------------------------


def test_the_registrar_corrects_on_the_page_from_the_roster(world, staff, klass, client):
    dispatch = run_to_absence(client, world, staff, klass, world.cadre_a)
    client.force_login(world.rita)
    roster = client.get(f"/classes/{klass.pk}/attendance/").content.decode()
    assert f'href="{url(dispatch)}"' in roster
    page = client.get(url(dispatch))
    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()

    response = client.post(url(dispatch), {"result": "absent", "leave_hours": "0", "reason": ""})
    assert response.status_code == 200
    assert "xd-error-summary" in response.content.decode()

    data = {"result": "present", "hours": klass.credit_hours, "leave_hours": "0", "reason": REASON}
    response = client.post(url(dispatch), data)
    assert response.status_code == 302
    assert response["Location"] == f"/classes/{klass.pk}/attendance/"
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ATTENDED
    page = client.get(response["Location"]).content.decode()
    assert world.cadre_a.name in page


def test_a_refusal_is_shown_on_the_page(world, staff, klass, client):
    dispatch = run_to_absence(client, world, staff, klass, world.cadre_a)
    Makeup.objects.filter(source=dispatch).update(status=MakeupStatus.SCHEDULED)
    client.force_login(world.rita)
    data = {"result": "present", "hours": klass.credit_hours, "leave_hours": "0", "reason": REASON}
    response = client.post(url(dispatch), data)
    assert response.status_code == 200
    assert "xd-error-summary" in response.content.decode()
    assert Dispatch.objects.get(pk=dispatch.pk).status == DispatchStatus.ABSENT


def test_no_link_and_no_form_past_the_window(world, staff, klass, client):
    dispatch = run_to_absence(client, world, staff, klass, world.cadre_a)
    ended = timezone.localdate() - dt.timedelta(days=60)
    TrainingClass.objects.filter(pk=klass.pk).update(
        start_date=ended, end_date=ended, report_date=ended
    )
    client.force_login(world.rita)
    assert url(dispatch) not in client.get(f"/classes/{klass.pk}/attendance/").content.decode()
    page = client.get(url(dispatch)).content.decode()
    assert 'id="correction-refused"' in page and 'name="reason"' not in page
    data = {"result": "present", "leave_hours": "0", "reason": REASON}
    assert client.post(url(dispatch), data).status_code == 200
    assert Dispatch.objects.get(pk=dispatch.pk).status == DispatchStatus.ABSENT


def test_outsiders_get_404_and_other_roles_403(world, staff, klass, client):
    dispatch = run_to_absence(client, world, staff, klass, world.cadre_a)
    other = unit("中共某县委党校", world.county, kind=UnitKind.INSTITUTION)
    Institution.objects.create(unit=other, kind=InstitutionKind.PARTY_SCHOOL)
    client.force_login(user("ruth", "registrar", other))
    assert client.get(url(dispatch)).status_code == 404
    # A dispatch of another class of the registrar's own institution.
    another = training_class(world.city_od, world.school, timezone.localdate())
    client.force_login(world.rita)
    assert client.get(url(dispatch, another)).status_code == 404
    for person in (staff.lily, world.bob):  # they reach it, but do not record attendance
        client.force_login(person)
        assert client.get(url(dispatch)).status_code == 403
        assert client.post(url(dispatch), {"result": "present"}).status_code == 403
    assert Dispatch.objects.get(pk=dispatch.pk).status == DispatchStatus.ABSENT


def test_the_roster_with_correction_links_reads_in_as_many_queries(world, staff, klass, client):
    """The link asks the policy for each recorded row without a query of its own."""
    dispatch = run_to_absence(client, world, staff, klass, world.cadre_a)
    client.force_login(world.rita)
    roster = f"/classes/{klass.pk}/attendance/"
    client.get(roster)  # warm caches
    with CaptureQueriesContext(connection) as one:
        assert url(dispatch) in client.get(roster).content.decode()
    for i in range(3):
        person = cadre(f"学员{i}", world.a, world.city_od)
        Dispatch.objects.create(
            training_class=klass,
            cadre=person,
            unit=world.a,
            status=DispatchStatus.ABSENT,
            attendance="absent",
            confirm_due=timezone.now(),
        )
    with CaptureQueriesContext(connection) as four:
        page = client.get(roster).content.decode()
    assert page.count("/correct/") == 4
    assert len(four) == len(one)


def test_a_correction_a_circular_already_counted_is_told_to_its_dispatchers(
    world, staff, klass, client
):
    """The circular keeps what it counted when issued; its dispatchers hear once that an
    attendance it counted was corrected, naming it. A circular of another department
    (the county's, not holding unit A) tells nobody."""
    from circulars.models import Circular, CircularPeriod, CircularStatus

    dispatch = run_to_absence(client, world, staff, klass, world.cadre_a)
    start = Dispatch.objects.get(pk=dispatch.pk).training_class.start_date  # as it ran
    issued = {
        "period_kind": CircularPeriod.CUSTOM,
        "period_start": start - dt.timedelta(days=10),
        "period_end": start + dt.timedelta(days=10),
        "status": CircularStatus.ISSUED,
    }
    Circular.objects.create(
        org_department=world.city_od,
        title="调训情况通报",
        document_number="X组通〔2026〕41号",
        **issued,
    )
    Circular.objects.create(
        org_department=world.county_od, title="县通报", document_number="Y组通〔2026〕3号", **issued
    )

    correct(dispatch, "present", actor=world.rita)

    told_dispatchers = Notification.objects.filter(key__endswith=":circulars")
    assert sorted(told_dispatchers.values_list("recipient__username", flat=True)) == ["bob"]
    message = told_dispatchers.get()
    assert "X组通〔2026〕41号" in message.body and "Y组通" not in message.body
    assert "缺训" in message.body and "出勤" in message.body
    assert told(dispatch) == ["bob", "dave", "lily"]  # the liaison and trainee as before
