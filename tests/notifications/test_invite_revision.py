"""A calendar entry may name the event it updates (`uid`) and its revision (`sequence`):
the invite then publishes that event again, one SEQUENCE on; without them, the event is
the notification's own, at SEQUENCE 0 (`notifications.ics`)."""

import icalendar
import pytest

from notifications import ics

ENTRY = {"summary": "全市专题班", "start": "2026-05-11", "end": "2026-05-15"}


def event(calendar, uid="document:7:issued@xundiao"):
    [vevent] = icalendar.Calendar.from_ical(ics.build_ics(calendar, uid=uid)).walk("VEVENT")
    return vevent


def test_an_entry_of_its_own_is_the_notifications_event_at_sequence_0():
    vevent = event(ics.normalize(ENTRY))
    assert str(vevent["UID"]) == "document:7:issued@xundiao"
    assert int(vevent["SEQUENCE"]) == 0


def test_an_entry_naming_an_event_updates_it():
    entry = ics.normalize({**ENTRY, "uid": "document:3:issued@xundiao", "sequence": 2})
    assert entry["uid"] == "document:3:issued@xundiao" and entry["sequence"] == 2
    vevent = event(entry)
    assert str(vevent["UID"]) == "document:3:issued@xundiao"
    assert int(vevent["SEQUENCE"]) == 2


@pytest.mark.parametrize("sequence", [-1, "1", 1.5, True])
def test_a_sequence_is_a_whole_number(sequence):
    with pytest.raises(ValueError):
        ics.normalize({**ENTRY, "uid": "x@xundiao", "sequence": sequence})
