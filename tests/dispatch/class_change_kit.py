"""Bringing a trainee to hold a notice, and changing its class as a dispatcher does, for
the tests of what a class change does to the notices (reissued, their 签收, their
calendar invites)."""

import datetime as dt

from dispatch.models import Dispatch, DispatchStatus, TrainingClass
from dispatch.services import training_class_save
from tests.flowtools import act, issue_roll_call, open_task, process_of


def by_service(world, klass, **fields):
    """`klass` saved by the city dispatcher with `fields` changed (the class service)."""
    klass = TrainingClass.objects.get(pk=klass.pk)
    for field, value in fields.items():
        setattr(klass, field, value)
    training_class_save(actor=world.bob, training_class=klass)


def moved(klass, days=8, location="某市新华路88号"):
    """The class's fields `days` later, at `location`."""
    later = dt.timedelta(days=days)
    return {
        "start_date": klass.start_date + later,
        "end_date": klass.end_date + later,
        "report_date": klass.report_date + later,
        "location": location,
    }


def notified(client, world, staff, klass, cadres):
    """`cadres` named for `klass`; the first confirmed by the liaison (notified): its
    dispatch and process. The others are left unanswered."""
    issue_roll_call(client, world, klass, cadres)
    dispatch = Dispatch.objects.get(cadre=cadres[0])
    process = process_of(dispatch, "DispatchFlow")
    client.force_login(staff.lily)
    act(client, open_task(process, "confirm"), {"action": "confirm"})
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.NOTIFIED
    return dispatch, process
