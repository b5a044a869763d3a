"""Who hears that a class changed under a notice they hold, through `notifications.notify`:
the trainee — or, for a cadre without an account, the unit's liaisons who 签收 for them —
gets the reissued notice in ONE message (`Event.NOTICE_ISSUED`, its template's "changed"
wording), keyed by the new document, so each change tells them once. Its calendar invite
updates the event the replaced notice's invite put in their calendar (same UID, the next
SEQUENCE: `calendar_revision`) instead of adding a second one. And the units, whose
liaisons hold the roll call's 调训通知 with the class as it was: each liaison of a unit
with cadres still dispatched to the class hears the change ONCE, naming them by unit
(`units_told`)."""

from django.urls import reverse
from django.utils.translation import pgettext

from core.i18n import in_site_language
from dispatch.grouped_notices import cadre_lines
from dispatch.models import Dispatch, DispatchStatus
from dispatch.models.dispatch import OPEN_DISPATCH_STATUSES
from dispatch.notices import (
    class_context,
    group_of,
    liaison_shares,
    trainee_or_liaisons,
    unit_shares,
)
from notifications.ics import event_uid
from notifications.models import Event, Notification
from notifications.services import Entry, notify, notify_each


@in_site_language
def changed_items(changed) -> str:
    """What changed, as the message names it: 培训时间、报到日期、地点…"""
    items = []
    if {"start_date", "end_date"} & changed:
        items.append(pgettext("what changed in a class", "dates"))
    if "report_date" in changed:
        items.append(pgettext("what changed in a class", "report date"))
    if "location" in changed:
        items.append(pgettext("what changed in a class", "place"))
    if "institution_id" in changed:
        items.append(pgettext("what changed in a class", "institution"))
    if "kind" in changed:
        items.append(pgettext("what changed in a class", "way of training"))
    return pgettext("between names in a list", ", ").join(items)


def calendar_revision(previous) -> dict:
    """The event a notice replacing `previous` updates in the recipients' calendars:
    {"uid": the UID of the invite sent with `previous` — its own, or the one it updated
    in turn — "sequence": one more than that invite's}; empty when `previous` went out
    with no invite (the new one is then an event of its own)."""
    if previous is None:
        return {}
    sent = (
        Notification.objects.filter(document=previous, calendar__isnull=False)
        .order_by("pk")
        .values_list("key", "calendar")
        .first()
    )
    if sent is None:
        return {}
    key, calendar = sent
    return {
        "uid": calendar.get("uid") or event_uid(key),
        "sequence": int(calendar.get("sequence") or 0) + 1,
    }


def notice_reissued(dispatch, document, *, previous, changed):
    """The dispatch's notice issued again because its class changed (`changed`, fields of
    `services.classes.NOTICE_FIELDS`): the new PDF and calendar invite, naming what changed
    and the notice it replaces; the invite updates the replaced notice's calendar event
    (`calendar_revision`). A notified dispatch's asks 签收, as the old one did: its
    acknowledgement task is still open, and the 签收 of the old notice is refused
    (`receivers.on_notice_acknowledged`). An acknowledged dispatch's asks none: its
    acknowledgement stands (its flow has moved on to attendance, and its notices no
    longer await 签收, `dispatch.acknowledgement`); the message says so."""
    klass = dispatch.training_class
    user = dispatch.cadre.user
    notify(
        event=Event.NOTICE_ISSUED,
        recipients=trainee_or_liaisons(dispatch),
        key=f"document:{document.pk}:issued",
        context={
            "notice_title": document.title,
            "notice_kind": str(document.get_kind_display()),
            "document_number": document.document_number,
            "previous_number": previous.document_number if previous is not None else "",
            "changed": changed_items(changed),
            "cadre_name": dispatch.cadre.name,
            "unit_name": dispatch.unit.name,
            "on_behalf": not (user is not None and user.is_active),
            **class_context(klass),
        },
        document=document,
        calendar={
            "summary": klass.name,
            "start": klass.start_date,
            "end": klass.end_date,
            "location": klass.location,
            "description": document.document_number,
            **calendar_revision(previous),
        },
        # Asked instead of 签收, a request leaves the notice to be acknowledged if refused.
        requires_ack=dispatch.status in (DispatchStatus.NOTIFIED, DispatchStatus.REQUESTED),
        group=group_of(dispatch),
        url=f"/documents/{document.pk}/",
    )


def units_told(training_class, changed, *, change_key: str) -> None:
    """The class changed what the roll call's 调训通知 printed of it (`changed`): each
    liaison of a unit with cadres still dispatched to it — named and not yet answered,
    asked off, notified or acknowledged; by a roll call or as a makeup — gets ONE message
    naming what changed, the class as it is now and those cadres by unit
    ("办公室（3人）：张三、李四、王五"), whatever the number of cadres and units they
    serve. `change_key` tells this change from the class's others (its audit event): a
    repeated call writes nothing more. The trainees hear it with their reissued notices
    (`notice_reissued`), not here."""
    dispatches = list(
        Dispatch.objects.filter(training_class=training_class, status__in=OPEN_DISPATCH_STATUSES)
        .select_related("cadre", "unit")
        .order_by("pk")
    )
    if not dispatches:
        return
    shares = unit_shares(dispatches)
    _lists, served = liaison_shares(shares)
    context = {
        **class_context(training_class),
        "report": training_class.report_date,
        "changed": changed_items(changed),
    }
    entries = []
    for user, unit_ids in served.values():
        cadres = [d for unit_id in unit_ids for d in shares[unit_id][1]]
        entries.append(
            Entry(
                user,
                f"class:{training_class.pk}:changed:{change_key}",
                {**context, "lines": cadre_lines(cadres), "cadre_count": len(cadres)},
                reverse("home"),
            )
        )
    notify_each(
        event=Event.NOTICE_ISSUED,
        entries=entries,
        template="notifications/events/class_changed.txt",
        group=f"class:{training_class.pk}",
    )
