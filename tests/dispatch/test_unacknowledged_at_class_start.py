"""A notice still not acknowledged when the class begins: the trainee came or did not,
and the institution records which. The acknowledgement step ends at the class's start
(an interrupting timer of DispatchFlow.acknowledge) and the dispatch waits for the
registrar like any other — it used to wait for an acknowledgement forever, out of the
roster's reach, never recorded absent and never owing a makeup."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from viewflow.workflow.status import STATUS

from dispatch.models import DispatchStatus, Makeup
from tests.flowtools import act, named, open_task

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
