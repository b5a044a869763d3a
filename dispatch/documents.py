"""Official documents for the dispatch domain: turn roll calls, dispatches and makeups
into the plain data the documents service (`notifications`) renders and numbers.

The admission notice (入学通知) of one trainee is issued in the same transaction as the
dispatch step that sends it, so its number is the dispatch's notice reference. The
dispatch notice (调训通知) of a whole roll call can run to many pages; it is queued after
commit as a Celery task (run in-process when no broker is configured).

Announcing (the notice plus the "dispatched" notifications) is idempotent and
recoverable. It writes the notice, the notifications and one `dispatch.announce` audit
event per dispatch in one transaction, under a lock on the roll call; a dispatch with
that event is announced and is never announced again. `announce_pending` (beat every
minute, or `manage.py announce_dispatches` from cron) announces what the queued task
did not: broker down, worker crash, render error.
"""

import datetime as dt
import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import record_event, record_events
from core.hooks import Readers
from dispatch.models.classes import ClassKind
from notifications.documents import builders, render
from notifications.documents.context import Issuer, contact_note
from notifications.documents.seals import seal_bytes
from notifications.models import IssuedDocument, Notification
from notifications.services import issue_document


def issuer_of(org_department) -> Issuer:
    """The issuing organ; its seal read through storage (no local path needed), and whom
    its documents name to ask (附注: the department's contact person and phone)."""
    return Issuer(
        name=org_department.unit.name,
        code=org_department.issuer_code,
        seal=seal_bytes(org_department.seal),
        contact=contact_note(org_department.contact_person, org_department.contact_phone),
    )


#: (training_class) -> what the class's notice cites as its basis (依据), or "". Plans
#: live above this app: the planning app registers the published plan the class was
#: made from (`register_basis`).
_bases = Readers()
register_basis = _bases.register


def class_info(training_class) -> dict:
    return {
        "name": training_class.name,
        "basis": _bases.first(training_class, default=""),
        "start_date": training_class.start_date,
        "end_date": training_class.end_date,
        "report_date": training_class.report_date,
        "location": training_class.location,
        "institution": training_class.institution.unit.name,
        "credit_hours": str(training_class.credit_hours),
        # studied online: the notices say where to log in, not where to report
        "online": training_class.kind == ClassKind.ONLINE,
    }


def cadre_row(cadre) -> dict:
    return {
        "name": cadre.name,
        "unit": cadre.unit.name,
        "position": cadre.position,
        "id_number": cadre.masked_id_number,
        "gender": cadre.get_gender_display(),
    }


def issuing_department(dispatch):
    """Who signs a dispatch's notices: the roll call's department, else the cadre's."""
    if dispatch.roll_call_id:
        return dispatch.roll_call.org_department
    return dispatch.cadre.managing_org_department


def authorised_by(dispatch):
    """Who a dispatch's notices are issued for: the dispatcher who issued its roll call
    (None for a dispatch without one: the flow issues it on its own)."""
    return dispatch.roll_call.created_by if dispatch.roll_call_id else None


def admission_notice_context(dispatch, *, supersedes: str = ""):
    department = issuing_department(dispatch)
    return builders.admission_notice(
        issuer=issuer_of(department),
        training_class=class_info(dispatch.training_class),
        trainee=cadre_row(dispatch.cadre),
        date=timezone.localdate(),
        printed_by=department.unit.name,
        supersedes=supersedes,
    )


def issue_admission_notice(dispatch):
    """入学通知 to one trainee, numbered now; returns the IssuedDocument."""
    return issue_document(
        actor=authorised_by(dispatch),
        kind="admission_notice",
        context=admission_notice_context(dispatch),
        subject=dispatch,
    )


def notice_of(dispatch) -> IssuedDocument | None:
    """The trainee's notice the dispatch holds (its `notice_reference`), or None."""
    if not dispatch.notice_reference:
        return None
    return (
        IssuedDocument.objects.filter(document_number=dispatch.notice_reference)
        .order_by("-version")
        .first()
    )


def reissue_notice(dispatch, *, actor, previous: IssuedDocument | None) -> IssuedDocument:
    """The trainee's notice (入学通知, or 补训通知 for a makeup) issued again, numbered now,
    after its class changed: it prints the class as it is now, says that it replaces
    `previous`, and supersedes it (`issue_document`, audited as `document.reissue`) —
    unless `previous` cannot be superseded by it (another kind or issuer code, e.g. the
    department's code changed since; or superseded already), when it is issued afresh."""
    from dispatch.models import DispatchKind

    makeup = dispatch.kind == DispatchKind.MAKEUP
    kind = "makeup_notice" if makeup else "admission_notice"
    number = previous.document_number if previous is not None else ""
    context = (
        makeup_notice_context(dispatch, supersedes=number)
        if makeup
        else admission_notice_context(dispatch, supersedes=number)
    )
    chained = (
        previous is not None
        and previous.kind == kind
        and previous.issuer_code == (context.issuer.code or "").strip()
        and not IssuedDocument.objects.filter(supersedes=previous).exists()
    )
    return issue_document(
        actor=actor,
        kind=kind,
        context=context,
        subject=dispatch,
        supersedes=previous if chained else None,
    )


def dispatch_notice_context(roll_call, dispatches, *, on=None):
    department = roll_call.org_department
    rows = [
        cadre_row(d.cadre)
        for d in sorted(dispatches, key=lambda d: (d.cadre.unit.path, d.cadre.name))
    ]
    return builders.dispatch_notice(
        issuer=issuer_of(department),
        training_class=class_info(roll_call.training_class),
        cadres=rows,
        date=on or timezone.localdate(),
        # the roll call's own deadline, as its page and the liaisons' messages give it —
        # or the later one its late nominees were given to answer by (`answer_due`)
        reply_by=max(
            [roll_call.response_deadline, *(d.confirm_due for d in dispatches if d.confirm_due)]
        ),
        printed_by=department.unit.name,
    )


def issue_dispatch_notice(roll_call, dispatches, *, on=None):
    """调训通知 for the roll call (附件1 the named cadres, 附件2 the reply slip), dated
    today or `on` (the demo's notice of a class already under way, dated before it)."""
    render.expect_long_table(len(dispatches))  # its render processes start meanwhile
    return issue_document(
        actor=roll_call.created_by,
        kind="dispatch_notice",
        context=dispatch_notice_context(roll_call, dispatches, on=on),
        subject=roll_call,
    )


logger = logging.getLogger(__name__)

ANNOUNCE_VERB = "dispatch.announce"
# The queued task normally announces within seconds; the sweep leaves it this long.
ANNOUNCE_GRACE = dt.timedelta(seconds=60)


def announced(queryset):
    """Annotate `is_announced` on a Dispatch queryset: its announcement is on record (a
    `dispatch.announce` audit event), or it predates those events and its "dispatched"
    notification exists (the key of `notices.dispatched`)."""
    from dispatch.models import Dispatch

    pk = Cast(OuterRef("pk"), output_field=CharField())
    return queryset.annotate(
        is_announced=Exists(
            AuditEvent.objects.filter(
                verb=ANNOUNCE_VERB,
                target_type=ContentType.objects.get_for_model(Dispatch),
                target_id=pk,
            )
        )
        | Exists(
            Notification.objects.filter(
                key=Concat(Value("dispatch:"), pk, Value(":dispatched"), output_field=CharField())
            )
        )
    )


def _announceable(queryset):
    from dispatch.models.dispatch import OPEN_DISPATCH_STATUSES, DispatchKind, RollCallStatus

    return announced(
        queryset.filter(
            kind=DispatchKind.REGULAR,
            roll_call__isnull=False,
            roll_call__status=RollCallStatus.OPEN,
            status__in=OPEN_DISPATCH_STATUSES,
        )
    ).filter(is_announced=False)


def announce(roll_call_id: int, dispatch_ids, *, on=None) -> IssuedDocument | None:
    """Issue the dispatch notice for those of `dispatch_ids` not yet announced and notify
    each of them (trainee and unit), in one transaction with their `dispatch.announce`
    events. Returns the notice, or None when there was nothing left to announce — a
    repeated or redelivered call, or a cancelled roll call. Concurrent calls for one roll
    call wait for each other on the roll call's row (PostgreSQL; SQLite has one writer)."""
    from dispatch import notices
    from dispatch.models import Dispatch, RollCall

    with transaction.atomic():
        roll_call = (
            RollCall.objects.select_for_update(of=("self",))
            .select_related("org_department__unit", "training_class__institution__unit")
            .filter(pk=roll_call_id)
            .first()
        )
        if roll_call is None:
            return None
        dispatches = list(
            _announceable(Dispatch.objects.filter(pk__in=list(dispatch_ids), roll_call=roll_call))
            .select_related("cadre__user", "cadre__unit", "unit", "training_class")
            .order_by("pk")
        )
        if not dispatches:
            return None
        document = issue_dispatch_notice(roll_call, dispatches, on=on)
        notices.dispatched(dispatches, document=document)
        record_events(
            actor=None, verb=ANNOUNCE_VERB, targets=dispatches, note=document.document_number
        )
    return document


def pending_announcements(*, older_than: dt.timedelta = ANNOUNCE_GRACE) -> list:
    """(roll call id, [dispatch ids]) for every batch committed at least `older_than` ago
    and not announced yet, for a class that has not ended. A named roll call is one
    batch; a quota roll call one batch per allocation (the unit's accepted nominees)."""
    from dispatch.models import Dispatch, QuotaAllocation

    rows = list(
        _announceable(
            Dispatch.objects.filter(
                created_at__lte=timezone.now() - older_than,
                training_class__end_date__gte=timezone.localdate(),
            )
        )
        .order_by("roll_call_id", "pk")
        .values_list("roll_call_id", "cadre_id", "pk")
    )
    if not rows:
        return []
    Nominees = QuotaAllocation.nominees.through
    allocation_of = {
        (roll_call_id, cadre_id): allocation_id
        for roll_call_id, cadre_id, allocation_id in Nominees.objects.filter(
            quotaallocation__roll_call_id__in={r for r, _, _ in rows}
        ).values_list("quotaallocation__roll_call_id", "cadre_id", "quotaallocation_id")
    }
    batches: dict[tuple, list[int]] = {}
    for roll_call_id, cadre_id, pk in rows:
        batch = (roll_call_id, allocation_of.get((roll_call_id, cadre_id)))
        batches.setdefault(batch, []).append(pk)
    return [(roll_call_id, ids) for (roll_call_id, _), ids in batches.items()]


# A batch that keeps failing (a render error that needs a fix, not a retry) is retried
# with backoff: after n failed attempts the next waits 2^n minutes (at most
# ANNOUNCE_BACKOFF_MAX). Each failure is an audit event on the roll call naming the
# batch's dispatches; after ANNOUNCE_ALERT_AFTER of them the roll call's dispatchers are
# told, once, that the notice could not be issued. Both can be set in settings
# (XUNDIAO_ANNOUNCE_BACKOFF_MAX, XUNDIAO_ANNOUNCE_ALERT_AFTER).
ANNOUNCE_FAILED_VERB = "dispatch.announce_failed"
ANNOUNCE_BACKOFF_MAX = dt.timedelta(hours=1)
ANNOUNCE_ALERT_AFTER = 5


def announce_backoff(failures: int) -> dt.timedelta:
    """How long after the last of `failures` failed attempts the next one waits."""
    limit = getattr(settings, "XUNDIAO_ANNOUNCE_BACKOFF_MAX", ANNOUNCE_BACKOFF_MAX)
    if failures <= 0:
        return dt.timedelta(0)
    return min(dt.timedelta(minutes=2 ** min(failures, 30)), limit)


def announce_failures(batches) -> dict[tuple, list]:
    """{(roll call id, first dispatch id): [failure time, ...]} for `batches`: the recorded
    failed attempts naming any of the batch's dispatches (they are all still unannounced,
    so every such failure counts). One query."""
    from dispatch.models import RollCall

    roll_call_ids = {roll_call_id for roll_call_id, _ids in batches}
    rows = AuditEvent.objects.filter(
        verb=ANNOUNCE_FAILED_VERB,
        target_type=ContentType.objects.get_for_model(RollCall),
        target_id__in=[str(pk) for pk in roll_call_ids],
    ).values_list("target_id", "created_at", "after")
    by_roll_call: dict[int, list] = {}
    for target_id, created_at, after in rows:
        named = set((after or {}).get("dispatches") or [])
        by_roll_call.setdefault(int(target_id), []).append((created_at, named))
    return {
        (roll_call_id, min(ids)): sorted(
            at for at, named in by_roll_call.get(roll_call_id, []) if named & set(ids)
        )
        for roll_call_id, ids in batches
    }


def _record_failure(roll_call_id: int, ids, error: Exception, attempt: int) -> None:
    """Write the failed attempt (and, from the ANNOUNCE_ALERT_AFTER-th on, the dispatchers'
    alert, sent once) in a transaction of its own: the announcement's rolled back."""
    from dispatch import notices
    from dispatch.models import RollCall

    with transaction.atomic():
        roll_call = (
            RollCall.objects.select_related("training_class", "org_department", "created_by")
            .filter(pk=roll_call_id)
            .first()
        )
        if roll_call is None:
            return
        message = f"{type(error).__name__}: {error}"[:500]
        record_event(
            actor=None,
            verb=ANNOUNCE_FAILED_VERB,
            target=roll_call,
            after={"dispatches": sorted(ids), "attempt": attempt, "error": message},
            note=message,
        )
        if attempt >= getattr(settings, "XUNDIAO_ANNOUNCE_ALERT_AFTER", ANNOUNCE_ALERT_AFTER):
            notices.announcement_failed(roll_call, dispatch_count=len(ids), attempts=attempt)


def announce_pending(*, older_than: dt.timedelta = ANNOUNCE_GRACE) -> dict[str, int]:
    """Announce every pending batch (see `pending_announcements`). A failing batch is
    logged, recorded and retried with backoff (`announce_backoff`; until then it counts
    as deferred); after `ANNOUNCE_ALERT_AFTER` failures the roll call's dispatchers are
    told once. Returns counts of notices issued, batches failed and batches deferred."""
    counts = {"issued": 0, "failed": 0, "deferred": 0}
    batches = pending_announcements(older_than=older_than)
    failures = announce_failures(batches) if batches else {}
    now = timezone.now()
    for roll_call_id, ids in batches:
        past = failures.get((roll_call_id, min(ids)), [])
        if past and now < past[-1] + announce_backoff(len(past)):
            counts["deferred"] += 1
            continue
        try:
            if announce(roll_call_id, ids) is not None:
                counts["issued"] += 1
        except Exception as error:
            counts["failed"] += 1
            logger.exception(
                "Announcing roll call %s failed (attempt %s); retried after %s.",
                roll_call_id,
                len(past) + 1,
                announce_backoff(len(past) + 1),
            )
            try:
                _record_failure(roll_call_id, ids, error, len(past) + 1)
            except Exception:
                logger.exception("Could not record the failed announcement of %s.", roll_call_id)
    return counts


def issue_makeup_notice(dispatch):
    """补训通知 for a makeup dispatch, numbered now."""
    return issue_document(
        actor=authorised_by(dispatch),
        kind="makeup_notice",
        context=makeup_notice_context(dispatch),
        subject=dispatch,
    )


def makeup_notice_context(dispatch, *, supersedes: str = ""):
    makeup = dispatch.makes_up
    department = issuing_department(dispatch)
    return builders.makeup_notice(
        issuer=issuer_of(department),
        makeup_class=class_info(dispatch.training_class),
        cadres=[
            {
                "name": dispatch.cadre.name,
                "unit": dispatch.unit.name,
                "position": dispatch.cadre.position,
                "missed_class": makeup.source.training_class.name,
                "reason": makeup.get_reason_display(),
            }
        ],
        date=timezone.localdate(),
        # Its due date: the notice states it only while it is ahead and the class ends by
        # it (an overdue makeup goes into a later class, `check_makeup_class`).
        deadline=makeup.due_date,
        printed_by=department.unit.name,
        supersedes=supersedes,
    )
