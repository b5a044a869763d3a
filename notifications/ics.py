"""Calendar invites (.ics, RFC 5545) for class dates, built with the icalendar package.

A calendar entry is plain JSON-safe data, stored on the notification:
    {"summary": str, "start": date | datetime | ISO string,
     "end": date | datetime | ISO string, "location": str = "", "description": str = "",
     "uid": str = "", "sequence": int = 0}
Dates mean whole days and `end` is the LAST day of the class (inclusive); the invite's
DTEND is the day after, as RFC 5545 wants for all-day events. Datetimes are kept as times.

Each notification's invite is its own event (UID `event_uid(key)`), unless the entry names
the event it updates: `uid`, that event's UID, and `sequence`, its revision (RFC 5545
SEQUENCE, one more than the invite it replaces). Published again with the same UID and a
higher SEQUENCE, the event replaces the one already in the calendar instead of adding a
second (a notice reissued on a class change, `dispatch.class_change_notices`).
"""

from __future__ import annotations

import datetime as dt

import icalendar
from django.utils import timezone, translation
from django.utils.translation import gettext as _

REQUIRED = ("summary", "start", "end")
ALLOWED = {*REQUIRED, "location", "description", "uid", "sequence"}


def event_uid(key: str) -> str:
    """The UID of the event a notification's invite publishes: its event key's."""
    return f"{key}@xundiao"


def _parse(value):
    if isinstance(value, dt.datetime | dt.date):
        return value
    if isinstance(value, str):
        if "T" in value or " " in value.strip():
            return dt.datetime.fromisoformat(value)
        return dt.date.fromisoformat(value)
    raise ValueError(f"Not a date or datetime: {value!r}")


def normalize(calendar: dict | None) -> dict | None:
    """Check a calendar entry and return it with ISO-string dates (for the JSON field).
    Raises ValueError for missing or unknown keys, unreadable dates or end before start."""
    if calendar is None:
        return None
    missing = [k for k in REQUIRED if not calendar.get(k)]
    unknown = set(calendar) - ALLOWED
    if missing or unknown:
        raise ValueError(f"Calendar entry: missing {missing}, unknown {sorted(unknown)}.")
    start, end = _parse(calendar["start"]), _parse(calendar["end"])
    if isinstance(start, dt.datetime) != isinstance(end, dt.datetime):
        raise ValueError("Calendar entry: start and end must both be dates or both datetimes.")
    if end < start:
        raise ValueError("Calendar entry: the end is before the start.")
    entry = {
        "summary": str(calendar["summary"]),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "location": str(calendar.get("location") or ""),
        "description": str(calendar.get("description") or ""),
    }
    if calendar.get("uid"):
        entry["uid"] = str(calendar["uid"])
    if calendar.get("sequence") is not None:
        sequence = calendar["sequence"]
        if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
            raise ValueError(f"Calendar entry: a sequence is a whole number >= 0: {sequence!r}")
        entry["sequence"] = sequence
    return entry


def build_ics(
    calendar: dict, *, uid: str, stamp: dt.datetime | None = None, organizer: str = ""
) -> bytes:
    """One VEVENT in a VCALENDAR (METHOD:PUBLISH), as bytes: the event `uid` — or the one
    the entry updates (its own `uid`), at the entry's `sequence` (0 unless it says). RFC
    5546 requires an ORGANIZER in a published event: `organizer` (an e-mail address;
    default DEFAULT_FROM_EMAIL)."""
    from django.conf import settings

    organizer = organizer or settings.DEFAULT_FROM_EMAIL
    start, end = _parse(calendar["start"]), _parse(calendar["end"])
    if not isinstance(start, dt.datetime):
        end = end + dt.timedelta(days=1)  # DTEND of an all-day event is exclusive
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Xundiao//Training dispatch//ZH")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", calendar.get("uid") or uid)
    event.add("sequence", int(calendar.get("sequence") or 0))
    address = icalendar.vCalAddress(f"mailto:{organizer}")
    with translation.override(settings.LANGUAGE_CODE):
        address.params["cn"] = icalendar.vText(_("Xundiao training dispatch"))
    event.add("organizer", address)
    event.add("dtstamp", stamp or timezone.now())
    event.add("summary", calendar["summary"])
    event.add("dtstart", start)
    event.add("dtend", end)
    if calendar.get("location"):
        event.add("location", calendar["location"])
    if calendar.get("description"):
        event.add("description", calendar["description"])
    cal.add_component(event)
    return cal.to_ical()
