"""Whether a dispatch's notice still awaits 签收, for the inbox (`notifications.
acknowledgement`; `DispatchConfig.ready` registers `closed_notices`).

The notice (入学通知, 补训通知) asks for 签收 while its dispatch is notified — also once
the class has begun: a late 签收 is still the trainee's receipt
(`dispatch.receivers.on_notice_acknowledged`). Any other status means the dispatch no
longer awaits it: cancelled with its roll call, closed by an approved leave, deferral or
exemption asked instead of 签收 (the notice no longer in force; while the request
awaits its decision, 签收 waits too), attendance recorded (attended, absent, withdrawn),
or already acknowledged (on the task page, or by another recipient of a notice sent to
every liaison). A notice replaced by a newer one (its class changed) is not signed for
either: the newer one is. A message naming several notices at once (a liaison's reissued
notices, `named`) asks 签收 while one of them still awaits it.
"""

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from dispatch.models import Dispatch, DispatchStatus
from notifications.models import IssuedDocument

#: The one status in which a dispatch's notice awaits 签收.
AWAITING_ACKNOWLEDGEMENT = DispatchStatus.NOTIFIED

_ATTENDANCE_RECORDED = {DispatchStatus.ATTENDED, DispatchStatus.ABSENT, DispatchStatus.WITHDRAWN}

#: The statuses in which a dispatch's notice no longer stands (作废): the dispatch
#: cancelled with its roll call, or the cadre excused from the class (leave, deferral,
#: exemption approved). A notice replaced because its class changed is void too, but its
#: dispatch then names the newer notice (`notice_reference`), which stands. A notice whose
#: class was held (attendance recorded) stood, acknowledged or not.
NOTICE_VOIDED = (DispatchStatus.CANCELLED, DispatchStatus.DEFERRED, DispatchStatus.EXEMPT)


def refusal_reason(status: str) -> str | None:
    """Why a notice of a dispatch in `status` is no longer acknowledged, or None while it
    awaits acknowledgement."""
    if status == AWAITING_ACKNOWLEDGEMENT:
        return None
    if status == DispatchStatus.CANCELLED:
        return _("The dispatch has been cancelled: no acknowledgement is needed.")
    # A notice's dispatch is excused only by a request made instead of its 签收
    # (`services.dispatch_request_after_notice`): approved, the notice is no longer in force.
    if status == DispatchStatus.DEFERRED:
        return _(
            "Leave or deferral has been approved: the notice is no longer in force and "
            "needs no acknowledgement."
        )
    if status == DispatchStatus.EXEMPT:
        return _(
            "Exemption has been approved: the notice is no longer in force and needs no "
            "acknowledgement."
        )
    if status == DispatchStatus.REQUESTED:
        return _(
            "A request for leave, deferral or exemption awaits its decision: the notice "
            "is acknowledged if it is refused."
        )
    if status in _ATTENDANCE_RECORDED:
        return _("Attendance has been recorded (%(status)s): no acknowledgement is needed.") % {
            "status": DispatchStatus(status).label
        }
    if status == DispatchStatus.ACKNOWLEDGED:
        return _("The notice has already been acknowledged.")
    return _("This dispatch is not awaiting acknowledgement.")


def closed_notices(notifications, *, lock: bool = False) -> dict[int, str]:
    """{notification pk: reason} for those of `notifications` (awaiting 签收, document
    loaded) whose document is about a dispatch that no longer awaits acknowledgement
    (`refusal_reason`), or that a newer notice has replaced; two queries at most.
    `lock`: the dispatches' rows are locked."""
    reasons = _closed_groups(
        [n for n in notifications if n.document_id is None and named(n)], lock=lock
    )
    dispatch_type = ContentType.objects.get_for_model(Dispatch)
    about = {
        n.pk: n.document.subject_id
        for n in notifications
        if n.document_id is not None and n.document.subject_type_id == dispatch_type.pk
    }
    if not about:
        return reasons
    dispatches = Dispatch.objects.filter(pk__in=set(about.values()))
    if lock:
        dispatches = dispatches.select_for_update()
    status = dict(dispatches.order_by("pk").values_list("pk", "status"))
    for pk, dispatch_id in about.items():
        reason = refusal_reason(status[dispatch_id]) if dispatch_id in status else None
        if reason:
            reasons[pk] = reason
    # Still awaited, but on a newer notice: the class changed and its notice was reissued
    # (`documents.reissue_notice`); the new one is the one signed.
    documents = {
        n.pk: n.document_id for n in notifications if n.pk in about and n.pk not in reasons
    }
    newer = (
        dict(
            IssuedDocument.objects.filter(supersedes__in=set(documents.values())).values_list(
                "supersedes", "document_number"
            )
        )
        if documents
        else {}
    )
    for pk, document_id in documents.items():
        if document_id in newer:
            reasons[pk] = replaced_reason(newer[document_id])
    return reasons


def named(notification) -> list[tuple[int, str]]:
    """The notices one message asks 签收 for at once — a liaison's reissued notices of
    cadres without an account (`class_change_notices.units_told`) — as (dispatch pk,
    notice number)."""
    pairs = (notification.context or {}).get("acknowledges") or []
    return [(int(pk), str(number)) for pk, number in pairs]


def _in_force(notification, rows) -> list[tuple[int, str]]:
    """(dispatch pk, status) of the notices `notification` names that are still their
    dispatch's notice (not reissued since), from `rows` {pk: (status, notice number)}."""
    return [
        (pk, rows[pk][0])
        for pk, number in named(notification)
        if pk in rows and rows[pk][1] == number
    ]


def awaiting(notification, *, lock: bool = False) -> list[Dispatch]:
    """The dispatches whose notices `notification` names (`named`) that still await 签收
    of that very notice (`_in_force`, notified), in pk order."""
    wanted = [pk for pk, _number in named(notification)]
    if not wanted:
        return []
    dispatches = Dispatch.objects.filter(pk__in=wanted, status=AWAITING_ACKNOWLEDGEMENT)
    if lock:
        dispatches = dispatches.select_for_update(of=("self",))
    found = {d.pk: d for d in dispatches.order_by("pk")}
    rows = {pk: (d.status, d.notice_reference) for pk, d in found.items()}
    return [found[pk] for pk, _status in sorted(_in_force(notification, rows))]


def _closed_groups(notifications, *, lock: bool) -> dict[int, str]:
    """{pk: reason} for the messages among `notifications` naming notices (`named`) none
    of which awaits 签收 any more; one query."""
    if not notifications:
        return {}
    wanted = {pk for n in notifications for pk, _number in named(n)}
    dispatches = Dispatch.objects.filter(pk__in=wanted)
    if lock:
        dispatches = dispatches.select_for_update()
    rows = {
        pk: (status, reference)
        for pk, status, reference in dispatches.order_by("pk").values_list(
            "pk", "status", "notice_reference"
        )
    }
    reasons = {}
    for notification in notifications:
        still = {status for _pk, status in _in_force(notification, rows)}
        if AWAITING_ACKNOWLEDGEMENT in still:
            continue
        if DispatchStatus.REQUESTED in still:
            reasons[notification.pk] = refusal_reason(DispatchStatus.REQUESTED)
        else:
            reasons[notification.pk] = _(
                "None of the notices named here awaits acknowledgement any more: "
                "acknowledged, replaced by a newer one, or no longer in force."
            )
    return reasons


def replaced_reason(number: str) -> str:
    """Why a notice replaced by the notice numbered `number` is not signed for (as
    `receivers.on_notice_acknowledged` refuses it)."""
    return _(
        "This notice has been replaced by %(number)s, as its class changed: "
        "acknowledge the new notice instead."
    ) % {"number": number}
