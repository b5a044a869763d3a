"""A notice reissued on a class change updates the calendar event its first notice put in
the trainee's calendar: the e-mails, read back with Python's `email` package and
`icalendar`, publish the same UID with a higher SEQUENCE each time (METHOD:PUBLISH), so a
calendar replaces the entry instead of adding a second one."""

import datetime as dt
import email

import icalendar
import pytest

from dispatch.models import TrainingClass
from notifications import outbox
from notifications.models import Notification
from tests.dispatch.class_change_kit import by_service, moved, notified

pytestmark = [
    pytest.mark.klass(name="全市专题培训班", credit_hours=40),
    pytest.mark.usefixtures("media"),
]


def invite_of(notification) -> icalendar.Calendar:
    """The .ics of the notification's e-mail, as the recipient's mail program reads it."""
    message = outbox.email_message(notification, "dave@example.org")
    parsed = email.message_from_bytes(message.message().as_bytes())
    [invite] = [
        part
        for part in parsed.walk()
        if part.get_content_type() == "text/calendar"
        and part.get_content_disposition() == "attachment"
    ]
    assert invite.get_param("method") == "PUBLISH"
    return icalendar.Calendar.from_ical(invite.get_payload(decode=True))


def event_of(calendar):
    assert str(calendar["METHOD"]) == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    return event


def test_each_reissue_updates_the_same_calendar_event(world, staff, klass, client):
    dispatch, _process = notified(client, world, staff, klass, [world.cadre_a])
    fields = moved(klass)
    by_service(world, klass, **fields)
    by_service(world, klass, location="某市人民路1号")

    first, second, third = Notification.objects.filter(
        event="notice_issued", recipient=world.dave, document__subject_id=dispatch.pk
    ).order_by("pk")
    events = [event_of(invite_of(n)) for n in (first, second, third)]

    uids = {str(e["UID"]) for e in events}
    assert len(uids) == 1, uids
    assert [int(e["SEQUENCE"]) for e in events] == [0, 1, 2]
    klass = TrainingClass.objects.get(pk=klass.pk)
    assert events[1]["DTSTART"].dt == fields["start_date"]
    assert events[2]["DTEND"].dt == klass.end_date + dt.timedelta(days=1)
    assert str(events[2]["LOCATION"]) == "某市人民路1号"
    assert str(events[2]["DESCRIPTION"]) == third.document.document_number


def test_a_notice_of_another_dispatch_is_an_event_of_its_own(world, staff, klass, client):
    """Two trainees' notices of the same class are two events, each updated on its own."""
    from dispatch.models import Dispatch
    from org.models import Cadre
    from tests.factories import user
    from tests.flowtools import act, open_task, process_of

    # Both with an account: a liaison signing for a cadre gets no invite.
    Cadre.objects.filter(pk=world.cadre_a1.pk).update(user=user("liyue", "trainee"))
    dispatch, _process = notified(client, world, staff, klass, [world.cadre_a, world.cadre_a1])
    other = Dispatch.objects.get(cadre=world.cadre_a1)
    act(client, open_task(process_of(other, "DispatchFlow"), "confirm"), {"action": "confirm"})
    by_service(world, klass, **moved(klass))

    def uids(dispatch):
        return {
            str(event_of(invite_of(n))["UID"])
            for n in Notification.objects.filter(
                event="notice_issued", document__subject_id=dispatch.pk
            )
        }

    assert len(uids(dispatch)) == 1 and len(uids(other)) == 1
    assert uids(dispatch) != uids(other)
