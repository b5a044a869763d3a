"""Who hears that a class changed under a notice they hold, through `notifications.notify`:
the trainee with an account gets their reissued notice in ONE message
(`Event.NOTICE_ISSUED`, its template's "changed" wording), keyed by the new document, so
each change tells them once. Its calendar invite updates the event the replaced notice's
invite put in their calendar (same UID, the next SEQUENCE: `calendar_revision`) instead
of adding a second one. And the units, whose liaisons hold the roll call's 调训通知 with
the class as it was: each liaison of a unit with cadres still dispatched to the class
hears the change ONCE, naming them by unit, and carrying the reissued notices of their
cadres without an account — to pass on, and to 签收 for them in one go (`units_told`):
a liaison of 40 such cadres gets one message, not 41.
"""

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


def on_behalf(dispatch) -> bool:
    """The cadre has no active account: the unit's liaisons receive and 签收 their notice."""
    user = dispatch.cadre.user
    return not (user is not None and user.is_active)


#: A reissued notice asks 签收 while its dispatch is notified — or asked off instead of
#: 签收: refused, the notice stands and is to be acknowledged.
ASKS_ACKNOWLEDGEMENT = (DispatchStatus.NOTIFIED, DispatchStatus.REQUESTED)


def notice_reissued(dispatch, document, *, previous, changed):
    """The dispatch's notice issued again because its class changed (`changed`, fields of
    `services.classes.NOTICE_FIELDS`), told to its trainee (a cadre with an account; the
    liaisons hear of the others' in `units_told`): the new PDF and calendar invite, naming
    what changed and the notice it replaces; the invite updates the replaced notice's
    calendar event (`calendar_revision`). A notified dispatch's asks 签收, as the old one
    did: its acknowledgement task is still open, and the 签收 of the old notice is refused
    (`receivers.on_notice_acknowledged`). An acknowledged dispatch's asks none: its
    acknowledgement stands (its flow has moved on to attendance, and its notices no
    longer await 签收, `dispatch.acknowledgement`); the message says so."""
    if on_behalf(dispatch):
        return
    klass = dispatch.training_class
    notify(
        event=Event.NOTICE_ISSUED,
        recipients=[dispatch.cadre.user],
        key=f"document:{document.pk}:issued",
        context={
            "notice_title": document.title,
            "notice_kind": str(document.get_kind_display()),
            "document_number": document.document_number,
            "previous_number": previous.document_number if previous is not None else "",
            "changed": changed_items(changed),
            "cadre_name": dispatch.cadre.name,
            "unit_name": dispatch.unit.name,
            "on_behalf": False,
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
        requires_ack=dispatch.status in ASKS_ACKNOWLEDGEMENT,
        group=group_of(dispatch),
        url=f"/documents/{document.pk}/",
    )


def units_told(training_class, changed, *, change_key: str, reissued=()) -> None:
    """The class changed what the roll call's 调训通知 printed of it (`changed`): each
    liaison of a unit with cadres still dispatched to it — named and not yet answered,
    asked off, notified or acknowledged; by a roll call or as a makeup — gets ONE message
    naming what changed, the class as it is now and those cadres by unit
    ("办公室（3人）：张三、李四、王五"), whatever the number of cadres and units they
    serve. `reissued` — (dispatch, new document, replaced document) of the cadres without
    an account whose notices were issued again — rides on the same message: each of its
    liaisons' cadres' new notice listed and enclosed (`Notification.enclosure_ids`), and
    the message asks 签收 when one of them does: that one 签收 acknowledges each of them
    still awaiting it (`receivers.on_notice_acknowledged`; `context["acknowledges"]`,
    [dispatch pk, notice number]). `change_key` tells this change from the class's
    others (its audit event): a repeated call writes nothing more. The trainees with an
    account hear it with their reissued notices (`notice_reissued`), not here."""
    dispatches = list(
        Dispatch.objects.filter(training_class=training_class, status__in=OPEN_DISPATCH_STATUSES)
        .select_related("cadre", "unit")
        .order_by("pk")
    )
    if not dispatches:
        return
    shares = unit_shares(dispatches)
    _lists, served = liaison_shares(shares)
    notices_of_unit: dict[int, list] = {}
    for dispatch, document, previous in sorted(reissued, key=lambda r: (r[0].cadre.name, r[0].pk)):
        notices_of_unit.setdefault(dispatch.unit_id, []).append((dispatch, document, previous))
    context = {
        **class_context(training_class),
        "report": training_class.report_date,
        "changed": changed_items(changed),
    }
    asking, telling = [], []
    for user, unit_ids in served.values():
        cadres = [d for unit_id in unit_ids for d in shares[unit_id][1]]
        notices = [n for unit_id in unit_ids for n in notices_of_unit.get(unit_id, [])]
        acknowledges = [
            [d.pk, document.document_number]
            for d, document, _previous in notices
            if d.status in ASKS_ACKNOWLEDGEMENT
        ]
        entry = Entry(
            user,
            f"class:{training_class.pk}:changed:{change_key}",
            {
                **context,
                "lines": cadre_lines(cadres),
                "cadre_count": len(cadres),
                "notices": [_notice_line(*notice) for notice in notices],
                "enclosures": [document.pk for _d, document, _p in notices],
                "acknowledges": acknowledges,
                "on_behalf": bool(acknowledges),
            },
            reverse("home"),
        )
        (asking if acknowledges else telling).append(entry)
    for entries, requires_ack in ((asking, True), (telling, False)):
        notify_each(
            event=Event.NOTICE_ISSUED,
            entries=entries,
            template="notifications/events/class_changed.txt",
            requires_ack=requires_ack,
            group=f"class:{training_class.pk}",
        )


@in_site_language
def _notice_line(dispatch, document, previous) -> str:
    """A reissued notice as the liaison's message lists it:
    张三（办公室）：入学通知 某组〔2026〕12号，代替某组〔2026〕3号，待代为签收"""
    if dispatch.status == DispatchStatus.NOTIFIED:
        state = pgettext("a reissued notice", "to acknowledge on their behalf")
    elif dispatch.status == DispatchStatus.REQUESTED:
        state = pgettext("a reissued notice", "to acknowledge if the request is refused")
    else:
        state = pgettext("a reissued notice", "the earlier one was acknowledged: none needed")
    line = pgettext("a reissued notice", "%(cadre)s (%(unit)s): %(kind)s %(number)s") % {
        "cadre": dispatch.cadre.name,
        "unit": dispatch.unit.name,
        "kind": document.get_kind_display(),
        "number": document.document_number,
    }
    if previous is not None:
        line += pgettext("a reissued notice", ", replacing %(number)s") % {
            "number": previous.document_number
        }
    return line + pgettext("a reissued notice", ", %(state)s") % {"state": state}
