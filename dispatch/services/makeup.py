"""After the class: makeup training and circulars."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import change, record_event, snapshot
from core.formatting import format_date
from dispatch import deadline_notices, notices
from dispatch.models import (
    Dispatch,
    DispatchKind,
    DispatchStatus,
    Makeup,
    MakeupStatus,
    TrainingClass,
)
from dispatch.models.dispatch import SETTLED_MAKEUP_STATUSES
from dispatch.services.rollcall import (
    answer_due,
    check_cadres_free,
    check_class_open,
    check_seats,
)
from org import selectors as org_selectors
from org.policy import require_any

# Makeup training (补训)


def makeup_scope(makeup):
    """The unit whose dispatchers schedule this makeup: the cadre's managing department's."""
    return makeup.cadre.managing_org_department.jurisdiction


def makeup_is_past_due(makeup, today: dt.date | None = None) -> bool:
    return makeup.due_date < (today or timezone.localdate())


def check_makeup_class(makeup, training_class) -> None:
    """A makeup is scheduled into a class that ends by its due date: its cadre is recorded
    present only once the class has ended (`policy.attendance_refusal`), so a class still
    running on the due date would leave the makeup overdue, escalated and named in a
    circular while the cadre sits in it. Once the due date has passed (the makeup is
    overdue and escalated) no class can, so any later class is accepted: the makeup stays
    overdue until attended."""
    if training_class.end_date > makeup.due_date and not makeup_is_past_due(makeup):
        raise ValidationError(
            {
                "training_class": _(
                    "The makeup is due by %(due)s but %(klass)s ends on %(end)s, after the "
                    "due date. Choose a class that ends by the due date."
                )
                % {
                    "due": format_date(makeup.due_date),
                    "klass": training_class.name,
                    "end": format_date(training_class.end_date),
                }
            }
        )


@transaction.atomic
def makeup_schedule(*, actor, makeup, training_class) -> Dispatch:
    """Put an owed makeup into a later class of the dispatcher's jurisdiction that ends
    by the makeup's due date (any later class once it is overdue): a dispatch of kind
    makeup."""
    makeup = (
        Makeup.objects.select_for_update(of=("self",))
        .select_related("cadre__unit")
        .get(pk=makeup.pk)
    )
    require_any(actor, ("issue_dispatch",), makeup.cadre.unit)
    if makeup.status != MakeupStatus.OWED:
        raise ValidationError(_("This step has already been completed by someone else."))
    require_any(actor, ("issue_dispatch",), training_class.organizer.unit)
    check_class_open(training_class)
    check_makeup_class(makeup, training_class)
    # The cadre's row, then the class's: the order of every booking path (`lock_cadres`).
    check_cadres_free([makeup.cadre], training_class)
    check_seats(training_class, 1, "training_class")
    confirm_due = answer_due(training_class)
    dispatch = Dispatch.objects.create(
        training_class=training_class,
        cadre=makeup.cadre,
        unit=makeup.cadre.unit,
        kind=DispatchKind.MAKEUP,
        makes_up=makeup,
        confirm_due=confirm_due,
    )
    record_event(actor=actor, verb="dispatch.name", target=dispatch, after=snapshot(dispatch))
    change(actor=actor, instance=makeup, verb="makeup.schedule", status=MakeupStatus.SCHEDULED)
    notices.dispatched([dispatch])
    return dispatch


@transaction.atomic
def makeup_outcome(*, dispatch) -> Makeup:
    """A makeup dispatch closed: attended settles the makeup, and so does an approved
    exemption (免训 excuses the cadre from the training, the makeup as much as a first
    dispatch); anything else (absent, withdrawn, deferred, cancelled) leaves it owed."""
    makeup = Makeup.objects.select_for_update().get(pk=dispatch.makes_up_id)
    if dispatch.status == DispatchStatus.ATTENDED:
        return change(
            actor=None, instance=makeup, verb="makeup.attend", status=MakeupStatus.ATTENDED
        )
    if dispatch.status == DispatchStatus.EXEMPT:
        return change(actor=None, instance=makeup, verb="makeup.exempt", status=MakeupStatus.EXEMPT)
    return change(actor=None, instance=makeup, verb="makeup.reopen", status=MakeupStatus.OWED)


#: at most this many makeups escalated in one batch (the rest by the next timer or sweep)
ESCALATE_BATCH = 500


@transaction.atomic
def makeup_escalate(*, makeup) -> Makeup:
    """Past its due date and not yet attended (owed, or scheduled into a class not yet
    attended): escalated once, the dispatchers and the unit told, and named in the next
    circular. Escalating again, or a makeup attended or cancelled, changes nothing.

    Escalated with it: every other makeup already past its due date and not escalated
    (a roster's absences fall due together), so that each dispatcher and each unit's
    heads and liaisons hear of all of theirs in ONE message
    (`deadline_notices.makeups_escalated`). The makeups are claimed under row locks that
    skip those another batch holds: two timers firing at once never escalate one twice.
    """
    claimable = (
        Makeup.objects.filter(escalated=False)
        .exclude(status__in=SETTLED_MAKEUP_STATUSES)
        .select_related("cadre__managing_org_department__jurisdiction", "source__unit")
        .select_for_update(skip_locked=True, of=("self",))
    )
    lead = list(claimable.filter(pk=makeup.pk))
    if not lead:
        return Makeup.objects.get(pk=makeup.pk)
    others = claimable.filter(due_date__lt=timezone.localdate()).exclude(pk=makeup.pk)
    batch = lead + list(others.order_by("due_date", "pk")[: ESCALATE_BATCH - 1])
    for overdue in batch:
        change(actor=None, instance=overdue, verb="makeup.escalate", escalated=True)
    deadline_notices.makeups_escalated(batch)
    return batch[0]


def overdue_unescalated_makeups(today: dt.date | None = None):
    """Makeups past their due date, not attended, not yet escalated (for the sweep)."""
    return Makeup.objects.filter(
        escalated=False,
        status__in=[MakeupStatus.OWED, MakeupStatus.SCHEDULED],
        due_date__lt=today or timezone.localdate(),
    ).order_by("due_date", "id")


def makeup_class_suggestions(makeup, *, user=None, limit=5):
    """Later classes the cadre could make up in, same kind first, then those of at least
    the missed class's credit hours (a shorter class leaves the cadre short of the hours
    the makeup stands for), then the earliest: not started, ending by the makeup's due
    date (any later class once it is overdue), organized within `user`'s jurisdiction to
    dispatch, with a seat left, and not clashing with the cadre's other classes."""
    from django.db.models import Sum

    from dispatch.models import QuotaAllocation, QuotaStatus
    from dispatch.models.dispatch import BUSY_DISPATCH_STATUSES

    source = makeup.source.training_class
    today = timezone.localdate()
    busy = Dispatch.objects.filter(cadre=makeup.cadre, status__in=BUSY_DISPATCH_STATUSES)
    # Never a class the cadre already has a dispatch to (the one the makeup is owed for
    # among them): a cadre is dispatched to a class once (`dispatches_ruling_out`).
    classes = (
        TrainingClass.objects.held()
        .filter(start_date__gt=today)
        .exclude(
            pk__in=Dispatch.objects.filter(cadre=makeup.cadre)
            .exclude(status=DispatchStatus.CANCELLED)
            .values("training_class")
        )
    )
    if not makeup_is_past_due(makeup, today):
        classes = classes.filter(end_date__lte=makeup.due_date)
    if user is not None:
        classes = classes.filter(
            organizer__unit__in=org_selectors.units_in_reach(user, "issue_dispatch")
        )
    classes = list(classes.select_related("institution__unit").order_by("start_date")[:100])
    ids = [klass.pk for klass in classes]
    taken = dict(
        Dispatch.objects.filter(training_class__in=ids, status__in=BUSY_DISPATCH_STATUSES)
        .values_list("training_class")
        .annotate(n=Count("id"))
    )
    allotted = dict(
        QuotaAllocation.objects.filter(roll_call__training_class__in=ids)
        .exclude(status__in=[QuotaStatus.ACCEPTED, QuotaStatus.CANCELLED])
        .values_list("roll_call__training_class")
        .annotate(n=Sum("seats"))
    )
    clashing = list(busy.values_list("training_class__start_date", "training_class__end_date"))
    ranked = []
    for klass in classes:
        if klass.quota - taken.get(klass.pk, 0) - (allotted.get(klass.pk) or 0) <= 0:
            continue
        if any(s <= klass.end_date and e >= klass.start_date for s, e in clashing):
            continue
        rank = (klass.kind != source.kind, klass.credit_hours < source.credit_hours)
        ranked.append((rank, klass.start_date, klass))
    return [klass for _rank, _start, klass in sorted(ranked, key=lambda t: t[:2])[:limit]]


# Circulars (通报)
