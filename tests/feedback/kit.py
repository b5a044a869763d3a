"""Bringing trainees of a class to the point the feedback tests start from."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from dispatch.flows.attendance import class_attendance_record
from dispatch.models import ClassSession, Dispatch, TrainingClass
from org.models import Cadre
from tests.factories import cadre, user
from tests.flowtools import act, issue_roll_call, open_task, process_of


def trainees(world, count, unit=None):
    """`count` cadres of unit A (or `unit`), each with a trainee account."""
    people = []
    for n in range(count):
        person = cadre(f"学员{n}号", unit or world.a, world.city_od)
        account = user(f"trainee{person.pk}", "trainee")
        Cadre.objects.filter(pk=person.pk).update(user=account)
        person.refresh_from_db()
        people.append(person)
    return people


def sessions(klass, count=2):
    return [
        ClassSession.objects.create(
            training_class=klass,
            date=klass.start_date + dt.timedelta(days=n),
            title=f"专题{n + 1}",
            hours=Decimal("3"),
            teacher=f"教师{n + 1}",
            content="theory",
        )
        for n in range(count)
    ]


def on_its_last_day(klass):
    """Move the class so that it ends today (trainees evaluate it from its last day on)."""
    today = timezone.localdate()
    start = today - dt.timedelta(days=4)
    TrainingClass.objects.filter(pk=klass.pk).update(
        start_date=start, end_date=today, report_date=start
    )
    klass.refresh_from_db()


def attended(client, world, staff, klass, people, absent=()):
    """Name `people` (and `absent`) for `klass`, confirm, acknowledge, hold the class
    until today (its last day) and record the roster as the school's registrar:
    `people` present."""
    issue_roll_call(client, world, klass, [*people, *absent])
    dispatches = list(Dispatch.objects.filter(training_class=klass).select_related("cadre"))
    for dispatch in dispatches:
        process = process_of(dispatch, "DispatchFlow")
        client.force_login(staff.lily)
        act(client, open_task(process, "confirm"), {"action": "confirm"})
        ack = open_task(process, "acknowledge")
        client.force_login(ack.owner or staff.lily)
        act(client, ack, {"confirm": "on"})
    on_its_last_day(klass)
    absent_ids = {c.pk for c in absent}
    class_attendance_record(
        actor=world.rita,
        training_class=klass,
        rows={
            d.pk: ("absent" if d.cadre_id in absent_ids else "present", Decimal(0))
            for d in dispatches
        },
    )
    return dispatches
