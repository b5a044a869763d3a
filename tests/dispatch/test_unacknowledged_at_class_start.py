"""A dispatch still unanswered by its unit, or its notice still unacknowledged, when the
class begins: the cadre came or did not, and the institution records which. The step ends
at the class's start (an interrupting timer of DispatchFlow.confirm / .acknowledge, armed
in bulk for a roll call's dispatches too) and the dispatch waits for the registrar like any
other — it used to wait for an answer forever, out of the roster's reach, never recorded
absent and never owing a makeup; and the unit could still confirm or excuse the cadre
after the class, a notice issued for a class already over."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from viewflow.workflow.status import STATUS

from dispatch import services
from dispatch.models import DispatchStatus, Makeup, TrainingClass
from tests.flowtools import act, issue_roll_call, named, open_task, process_of

pytestmark = pytest.mark.klass(name="全市专题培训班", credit_hours=40)


def at(day: dt.date, hour: int):
    moment = dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())
    return time_machine.travel(moment, tick=False)


def test_the_registrar_records_a_trainee_who_never_acknowledged(world, staff, klass, client):
    dispatch, process = named(client, world, klass, world.cadre_a)
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED
    acknowledge = open_task(process, "acknowledge")

    with at(klass.start_date - dt.timedelta(days=1), 20):
        call_command("workflow_timers")
    acknowledge.refresh_from_db()
    assert acknowledge.status in (STATUS.NEW, STATUS.ASSIGNED)  # the eve: still open

    with at(klass.start_date, 8):
        call_command("workflow_timers")
        acknowledge.refresh_from_db()
        assert acknowledge.status == STATUS.CANCELED
        client.force_login(world.rita)
        roster = client.get(f"/classes/{klass.pk}/attendance/").content.decode()
        assert world.cadre_a.name in roster and f'name="d{dispatch.pk}-result"' in roster
        # The trainee can no longer acknowledge a notice of a class under way.
        client.force_login(world.dave)
        assert world.cadre_a.name not in client.get("/tasks/").content.decode()
        # A no-show is recorded absent on the first day, and owes a makeup.
        client.force_login(world.rita)
        act(client, open_task(process, "record_attendance"), {"result": "absent"})
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ABSENT
    assert Makeup.objects.filter(source=dispatch).exists()


def test_a_cadre_the_unit_never_answered_for_is_recorded_by_the_registrar(
    world, staff, klass, client
):
    issue_roll_call(client, world, klass, [world.cadre_a])  # started in bulk
    dispatch = klass.dispatches.get()
    process = process_of(dispatch, "DispatchFlow")
    confirm = open_task(process, "confirm")

    with at(klass.start_date, 8):
        # Before the timers run, the unit can no longer answer: the class has begun.
        with pytest.raises(ValidationError, match="开班"):
            services.dispatch_confirm(actor=staff.lily, dispatch=dispatch)
        with pytest.raises(ValidationError, match="开班"):
            services.dispatch_request(
                actor=staff.lily, dispatch=dispatch, kind="leave", reason="临时任务"
            )
        call_command("workflow_timers")
        confirm.refresh_from_db()
        assert confirm.status == STATUS.CANCELED
        client.force_login(world.rita)
        act(client, open_task(process, "record_attendance"), {"result": "absent"})
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ABSENT
    assert Makeup.objects.filter(source=dispatch).exists()


def test_a_class_moved_later_gives_the_unit_its_answer_back(world, staff, klass, client):
    """The timer was armed for the old first day; when it fires the class has not begun,
    so the step is asked again (and its timer armed for the new first day)."""
    dispatch, process = named(client, world, klass, world.cadre_a)
    old_start = klass.start_date
    moved = old_start + dt.timedelta(days=14)
    TrainingClass.objects.filter(pk=klass.pk).update(
        start_date=moved, end_date=moved + dt.timedelta(days=4), report_date=moved
    )
    with at(old_start, 8):
        call_command("workflow_timers")
    confirm = open_task(process, "confirm")
    assert confirm.status in (STATUS.NEW, STATUS.ASSIGNED)
    assert not process.task_set.filter(flow_task=process.flow_class.record_attendance).exists()
    with at(moved, 8):
        call_command("workflow_timers")
    confirm.refresh_from_db()
    assert confirm.status == STATUS.CANCELED
    assert open_task(process, "record_attendance")


def test_a_late_acknowledgement_in_the_inbox_is_recorded_on_the_dispatch(
    world, staff, klass, client
):
    """签收 in the inbox after the class began (its acknowledgement step ended) records
    the receipt on the dispatch, as on time — not only on the message."""
    from notifications.models import Event, Notification

    dispatch, process = named(client, world, klass, world.cadre_a)
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    notice = Notification.objects.get(recipient=world.dave, event=Event.NOTICE_ISSUED)
    with at(klass.start_date, 9):
        call_command("workflow_timers")
        client.force_login(world.dave)
        assert client.post(f"/inbox/{notice.pk}/acknowledge/").status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.ACKNOWLEDGED and dispatch.acknowledged_at
    assert open_task(process, "record_attendance")


def test_a_late_reminder_link_tells_the_trainee_the_step_has_ended(world, staff, klass, client):
    from tests.flowtools import task_url

    _dispatch, process = named(client, world, klass, world.cadre_a)
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    acknowledge = open_task(process, "acknowledge")
    with at(klass.start_date, 8):
        call_command("workflow_timers")
        client.force_login(world.dave)
        response = client.get(task_url(acknowledge, "execute"), follow=True)
    page = response.content.decode()
    assert "该事项已结束" in page  # told the step ended, not refused
    assert "无权" not in page
