"""Roll calls: the org department names cadres for a class, or allots seats to units."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import PROCESS

from audit.services import change, record_event, record_events, snapshot
from core.deadlines import deadline_in
from core.validation import require_reason
from dispatch import cancel_notices, policy
from dispatch.models import (
    Dispatch,
    DispatchStatus,
    Makeup,
    MakeupStatus,
    QuotaAllocation,
    QuotaStatus,
    RollCall,
    RollCallMode,
    RollCallStatus,
)
from dispatch.models.dispatch import BUSY_DISPATCH_STATUSES, OPEN_DISPATCH_STATUSES
from dispatch.selectors import dispatches_ruling_out
from org import selectors as org_selectors
from org.locks import lock_cadres
from org.models import Cadre, PathWithin
from org.policy import require_any
from workflow.runtime import cancel_process, processes_of


def class_start_moment(training_class) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(training_class.start_date, dt.time.min))


def answer_due(training_class) -> dt.datetime:
    """When a step begun now is due: at 18:00 `XUNDIAO_APPROVAL_DAYS` days on, at the
    latest 18:00 the day before the class starts, and never less than an hour from now."""
    return deadline_in(settings.XUNDIAO_APPROVAL_DAYS, eve_of=training_class.start_date)


def check_class_open(training_class) -> None:
    if training_class.cancelled_at is not None:
        raise ValidationError(_("This class has been cancelled."))
    if training_class.start_date <= timezone.localdate():
        raise ValidationError(_("The class has already started or finished."))


def check_deadline(training_class, deadline) -> None:
    if deadline <= timezone.now():
        raise ValidationError({"response_deadline": _("The response deadline is already past.")})
    if deadline > class_start_moment(training_class):
        raise ValidationError(
            {"response_deadline": _("The response deadline must fall before the class starts.")}
        )


def clashes(cadres, training_class):
    """The cadres' dispatches that keep them from this class (`dispatches_ruling_out`)."""
    return (
        dispatches_ruling_out(training_class)
        .filter(cadre__in=cadres)
        .select_related("cadre", "training_class")
    )


def seats_left(training_class) -> int:
    """Seats not yet taken: the quota less the class's live dispatches and the seats
    allotted to units that have not yet filled them. Locks the class row so that two
    roll calls cannot both take the last seat, nor a class be called off under a roll call
    (`class_cancel` locks it too): one cancelled meanwhile is refused here."""
    from django.db.models import Sum

    from dispatch.models import TrainingClass

    locked = (
        TrainingClass.objects.select_for_update()
        .filter(pk=training_class.pk)
        .values_list("cancelled_at", flat=True)
    )
    if locked.first() is not None:
        raise ValidationError(_("This class has been cancelled."))
    taken = Dispatch.objects.filter(
        training_class=training_class, status__in=BUSY_DISPATCH_STATUSES
    ).count()
    allotted = (
        QuotaAllocation.objects.filter(roll_call__training_class=training_class)
        .exclude(status__in=[QuotaStatus.ACCEPTED, QuotaStatus.CANCELLED])
        .aggregate(n=Sum("seats"))["n"]
        or 0
    )
    return training_class.quota - taken - allotted


def check_seats(training_class, wanted: int, field: str) -> None:
    left = seats_left(training_class)
    if wanted > left:
        raise ValidationError(
            {
                field: _(
                    "%(count)d seats wanted but only %(left)d of the class's %(quota)d are left."
                )
                % {"count": wanted, "left": max(left, 0), "quota": training_class.quota}
            }
        )


def check_cadres_free(cadres, training_class) -> None:
    """Refuse if any of the cadres already has a dispatch to this class (not cancelled) or
    a live one to a class that overlaps it (`clashes`). Locks the cadres first
    (`lock_cadres`), then the class's row: the answer holds until commit."""
    cadres = list(cadres)
    lock_cadres(cadres)
    # Then the class's row, and its dates as they are now: a move of this class racing the
    # booking either committed first (its new dates are read here) or waits for this
    # transaction and then finds the cadre among the class's trainees
    # (`classes.trainees_clash_refusal`).
    from dispatch.models import TrainingClass

    dates = (
        TrainingClass.objects.select_for_update()
        .filter(pk=training_class.pk)
        .values_list("start_date", "end_date")
        .first()
    )
    if dates is not None:
        training_class.start_date, training_class.end_date = dates
    clash = clashes(cadres, training_class).first()
    if clash is not None and clash.training_class_id == training_class.pk:
        raise ValidationError(
            _(
                "%(name)s has already been dispatched to this class (%(status)s); a cadre "
                "is dispatched to a class once."
            )
            % {"name": clash.cadre.name, "status": clash.get_status_display()}
        )
    if clash is not None:
        raise ValidationError(
            _("%(name)s is already dispatched to %(klass)s, which overlaps this class.")
            % {"name": clash.cadre.name, "klass": clash.training_class.name}
        )


def _require_organizers(organizer, outside: list[str], field: str) -> None:
    """A class's roll call names cadres and allots seats within its organizer's
    jurisdiction only — whoever issues it, however far their own reach goes (a city
    dispatcher issuing a county's class names no one outside the county). `outside`:
    the names of those that are not."""
    if outside:
        raise ValidationError(
            {
                field: _("Outside the jurisdiction of %(department)s: %(names)s")
                % {"department": organizer.unit.name, "names": "、".join(outside)}
            }
        )


@transaction.atomic
def roll_call_issue(
    *, actor, training_class, mode, response_deadline, cadres=(), allocations=(), partner=None
) -> RollCall:
    """Order cadres to a class. `cadres` for a named roll call; `allocations`, a list of
    (unit, seats), for quota allocation. Everything is checked before anything is written.

    `partner`: the partner organization department (对口支援) whose dispatcher chose the
    named `cadres` in its own jurisdiction, in seats a plan offered it
    (`planning.services.partner_nominate`). The cadres must then lie in the partner's
    jurisdiction instead of the actor's and the organizer's; every other check is the
    same. Otherwise the cadres named, and the units allotted seats, lie in both the
    actor's reach and the organizer's jurisdiction (`_require_organizers`)."""
    if partner is not None and mode != RollCallMode.NAMED:
        raise ValueError("A partner's nominees are named: a partner roll call is NAMED.")
    organizer = training_class.organizer
    require_any(actor, ("issue_dispatch",), organizer.unit)
    check_class_open(training_class)
    check_deadline(training_class, response_deadline)
    cadres = list(cadres)
    allocations = list(allocations)
    if mode == RollCallMode.NAMED:
        if not cadres:
            raise ValidationError({"cadres": _("Name at least one cadre.")})
        if len({c.pk for c in cadres}) != len(cadres):
            raise ValidationError({"cadres": _("The same cadre is named twice.")})
        if len(cadres) > training_class.quota:
            raise ValidationError(
                {
                    "cadres": _("%(count)d cadres named but the class has %(quota)d seats.")
                    % {"count": len(cadres), "quota": training_class.quota}
                }
            )
        if partner is not None:
            root = partner.jurisdiction.path
            outside = [c.name for c in cadres if not c.unit.path.startswith(root)]
            if outside:
                raise PermissionDenied(
                    _("Outside your jurisdiction: %(names)s") % {"names": "、".join(outside)}
                )
        else:
            if actor is not None:
                reachable = set(
                    org_selectors.cadres_in_reach(actor, "issue_dispatch")
                    .filter(pk__in=[c.pk for c in cadres])
                    .values_list("pk", flat=True)
                )
                outside = [c.name for c in cadres if c.pk not in reachable]
                if outside:
                    raise PermissionDenied(
                        _("Outside your jurisdiction: %(names)s") % {"names": "、".join(outside)}
                    )
            inside = set(
                Cadre.objects.filter(
                    PathWithin(F("unit__path"), organizer.jurisdiction.path),
                    pk__in=[c.pk for c in cadres],
                ).values_list("pk", flat=True)
            )
            _require_organizers(organizer, [c.name for c in cadres if c.pk not in inside], "cadres")
        check_cadres_free(cadres, training_class)
        check_seats(training_class, len(cadres), "cadres")
    elif mode == RollCallMode.QUOTA:
        if not allocations:
            raise ValidationError({"allocations": _("Give seats to at least one unit.")})
        units = [unit for unit, _seats in allocations]
        if len({u.pk for u in units}) != len(units):
            raise ValidationError({"allocations": _("The same unit is given seats twice.")})
        if any(seats < 1 for _unit, seats in allocations):
            raise ValidationError({"allocations": _("Each unit needs at least one seat.")})
        total = sum(seats for _unit, seats in allocations)
        if total > training_class.quota:
            raise ValidationError(
                {
                    "allocations": _("%(count)d seats allotted but the class has %(quota)d.")
                    % {"count": total, "quota": training_class.quota}
                }
            )
        for unit in units:
            require_any(actor, ("issue_dispatch",), unit)
        root = organizer.jurisdiction.path
        _require_organizers(
            organizer, [u.name for u in units if not u.path.startswith(root)], "allocations"
        )
        check_seats(training_class, total, "allocations")
    else:
        raise ValidationError({"mode": _("Unknown roll call mode.")})

    roll_call = RollCall.objects.create(
        training_class=training_class,
        org_department=organizer,
        mode=mode,
        response_deadline=response_deadline,
        created_by=actor,
    )
    roll_call.named_cadres.set(cadres)
    record_event(
        actor=actor,
        verb="rollcall.issue",
        target=roll_call,
        # The cadres named with it: a set leaves no row of its own in the event otherwise.
        after={**snapshot(roll_call), "named_cadres": sorted(c.pk for c in cadres)},
        note=f"partner:{partner.pk}" if partner is not None else "",
    )
    for unit, seats in allocations:
        allocation = QuotaAllocation.objects.create(roll_call=roll_call, unit=unit, seats=seats)
        record_event(actor=actor, verb="quota.allot", target=allocation, after=snapshot(allocation))
    return roll_call


@transaction.atomic
def dispatches_create(*, actor, roll_call, cadres) -> list[Dispatch]:
    """Name each cadre for the roll call's class: one dispatch each, checked for clashes
    together, written and audited in bulk. Confirmation is due by the roll call's response
    deadline; a cadre named once it has passed (an accepted nomination) gets a due moment
    of their own."""
    cadres = list(cadres)
    check_cadres_free(cadres, roll_call.training_class)
    confirm_due = roll_call.response_deadline
    if confirm_due <= timezone.now():
        confirm_due = answer_due(roll_call.training_class)
    dispatches = Dispatch.objects.bulk_create(
        Dispatch(
            roll_call=roll_call,
            training_class=roll_call.training_class,
            cadre=cadre,
            unit=cadre.unit,
            confirm_due=confirm_due,
        )
        for cadre in cadres
    )
    if any(d.pk is None for d in dispatches):  # backends without RETURNING
        dispatches = list(roll_call.dispatches.filter(cadre__in=cadres))
    record_events(actor=actor, verb="dispatch.name", targets=dispatches)
    return dispatches


@transaction.atomic
def roll_call_cancel(*, actor, roll_call, reason: str) -> list[Dispatch]:
    """Cancel the roll call and every open dispatch and allocation under it, and the
    makeups still owed under it (`_cancel_makeups_owed`). Returns the dispatches cancelled
    (their processes are cancelled by the caller, in this transaction)."""
    require_reason(reason, _("Please give the reason for cancelling."))
    roll_call = RollCall.objects.select_for_update().get(pk=roll_call.pk)
    policy.require_manage_roll_call(actor, roll_call)
    if roll_call.status != RollCallStatus.OPEN:
        raise ValidationError(_("This roll call is no longer open."))
    change(
        actor=actor,
        instance=roll_call,
        verb="rollcall.cancel",
        note=reason,
        status=RollCallStatus.CANCELLED,
        cancel_reason=reason.strip(),
    )
    cancelled = [
        _cancel_dispatch(actor, dispatch, reason)
        for dispatch in roll_call.dispatches.filter(status__in=OPEN_DISPATCH_STATUSES)
    ]
    for allocation in roll_call.allocations.exclude(status=QuotaStatus.ACCEPTED):
        change(
            actor=actor,
            instance=allocation,
            verb="quota.cancel",
            note=reason,
            status=QuotaStatus.CANCELLED,
        )
    makeup_dispatches, excused = _cancel_makeups_owed(
        actor=actor, roll_call=roll_call, reason=reason
    )
    cancelled.extend(makeup_dispatches)
    cancel_notices.roll_call_cancelled(roll_call, [*cancelled, *excused], reason)
    return cancelled


def _cancel_dispatch(actor, dispatch, reason: str) -> Dispatch:
    """One dispatch cancelled with the roll call, audited with the reason."""
    return change(
        actor=actor,
        instance=dispatch,
        verb="dispatch.cancel",
        note=reason,
        status=DispatchStatus.CANCELLED,
        cancel_reason=reason.strip(),
        closed_at=timezone.now(),
    )


def _cancel_makeups_owed(*, actor, roll_call, reason: str) -> tuple[list, list]:
    """A makeup owed for a leave or a deferral is owed to the order the roll call gave (a
    class is never cancelled, its roll call is): once the order is withdrawn, nothing is
    owed under it. (A makeup owed for an absence or a withdrawal stays: the class was
    held and the cadre missed it.) Each such makeup not yet settled is cancelled,
    audited with the reason, and its MakeupFlow ended here (the caller knows only
    dispatches). A scheduled makeup goes with its makeup dispatch: the cadre was sent to
    that class only to make up this one, like everyone else named here they are
    released, the seat is freed, and no makeup is left to reopen for a withdrawn order
    should they miss it. Returns those makeup dispatches, whose processes the caller
    ends as it ends the roll call's own, and the dispatches the makeups were owed for."""
    # The makeup dispatches' rows before the makeups', in the order recording attendance
    # takes them (`attendance_record`, then `makeup_outcome`); read again under the
    # makeups' locks, which `makeup_schedule` holds while it books one.
    live = Dispatch.objects.select_for_update(of=("self",)).filter(
        makes_up__source__roll_call=roll_call,
        makes_up__source__status=DispatchStatus.DEFERRED,
        status__in=OPEN_DISPATCH_STATUSES,
    )
    list(live.order_by("pk").values_list("pk"))
    makeups = Makeup.objects.select_for_update(of=("self",)).filter(
        source__roll_call=roll_call,
        source__status=DispatchStatus.DEFERRED,
        status__in=[MakeupStatus.OWED, MakeupStatus.SCHEDULED],
    )
    cancelled, excused = [], []
    for makeup in makeups.order_by("pk"):
        cancelled.extend(
            _cancel_dispatch(actor, dispatch, reason) for dispatch in live.filter(makes_up=makeup)
        )
        makeup_cancel(actor=actor, makeup=makeup, reason=reason)
        excused.append(makeup.source)
    return cancelled, excused


def makeup_cancel(*, actor, makeup, reason: str) -> Makeup:
    """The makeup is owed no more (its roll call cancelled, its absence corrected): it is
    cancelled with the reason, audited, and its MakeupFlow ends. In the caller's
    transaction, the makeup locked by the caller."""
    change(
        actor=actor,
        instance=makeup,
        verb="makeup.cancel",
        note=reason,
        status=MakeupStatus.CANCELLED,
    )
    for process in processes_of(makeup).filter(status=PROCESS.NEW):
        cancel_process(process)
    return makeup


# Quota allocation: nominate → department head → dispatcher


def _lock(allocation):
    return (
        QuotaAllocation.objects.select_for_update(of=("self",))
        .select_related("roll_call__training_class")
        .get(pk=allocation.pk)
    )


def _expect(allocation, status):
    if allocation.status != status:
        raise ValidationError(_("This step has already been completed by someone else."))


@transaction.atomic
def nomination_submit(*, actor, allocation, cadres) -> QuotaAllocation:
    """The unit liaison nominates up to the unit's seats."""
    allocation = _lock(allocation)
    # The liaison nominates; once the deadline has passed the dispatcher may do it for them.
    require_any(actor, ("act_as_liaison", "issue_dispatch"), allocation.unit)
    _expect(allocation, QuotaStatus.AWAITING_NOMINATION)
    cadres = list(cadres)
    if not cadres:
        raise ValidationError({"cadres": _("Nominate at least one cadre.")})
    if len(cadres) > allocation.seats:
        raise ValidationError(
            {
                "cadres": _("%(count)d nominated but the unit has %(seats)d seats.")
                % {"count": len(cadres), "seats": allocation.seats}
            }
        )
    outside = [c.name for c in cadres if not c.unit.path.startswith(allocation.unit.path)]
    if outside:
        raise ValidationError(
            {"cadres": _("Not in your unit: %(names)s") % {"names": "、".join(outside)}}
        )
    check_cadres_free(cadres, allocation.roll_call.training_class)
    before = list(allocation.nominees.values_list("pk", flat=True))
    allocation.nominees.set(cadres)
    return change(
        actor=actor,
        instance=allocation,
        verb="quota.nominate",
        members={"nominees": (before, [c.pk for c in cadres])},
        status=QuotaStatus.AWAITING_HEAD,
        return_reason="",
        nominated_by=actor,
    )


@transaction.atomic
def nomination_head_decide(
    *, actor, allocation, approve: bool, reason: str = ""
) -> QuotaAllocation:
    allocation = _lock(allocation)
    require_any(actor, ("approve_as_head",), allocation.unit)
    _expect(allocation, QuotaStatus.AWAITING_HEAD)
    policy.require_not_own_nomination(actor, allocation)
    if approve:
        return change(
            actor=actor,
            instance=allocation,
            verb="quota.head_approve",
            status=QuotaStatus.AWAITING_DISPATCHER,
        )
    require_reason(reason, _("Please give the reason for returning."))
    return change(
        actor=actor,
        instance=allocation,
        verb="quota.head_return",
        note=reason,
        status=QuotaStatus.AWAITING_NOMINATION,
        return_reason=reason.strip(),
    )


@transaction.atomic
def nomination_review(*, actor, allocation, accept: bool, reason: str = "") -> QuotaAllocation:
    """The dispatcher accepts the nominees, or returns the nomination with a reason (退回)."""
    allocation = _lock(allocation)
    require_any(actor, ("issue_dispatch",), allocation.unit)
    _expect(allocation, QuotaStatus.AWAITING_DISPATCHER)
    policy.require_not_nominee(actor, allocation)
    if accept:
        check_cadres_free(list(allocation.nominees.all()), allocation.roll_call.training_class)
        return change(
            actor=actor, instance=allocation, verb="quota.accept", status=QuotaStatus.ACCEPTED
        )
    require_reason(reason, _("Please give the reason for returning."))
    return change(
        actor=actor,
        instance=allocation,
        verb="quota.return",
        note=reason,
        status=QuotaStatus.AWAITING_NOMINATION,
        return_reason=reason.strip(),
        times_returned=allocation.times_returned + 1,
    )


@transaction.atomic
def nomination_escalate(*, allocation) -> QuotaAllocation:
    """The response deadline passed without a nomination: the dispatcher takes it over
    (the roll call tells its dispatchers of all its silent units at once:
    `roll_call_escalated`)."""
    allocation = _lock(allocation)
    record_event(actor=None, verb="quota.escalate", target=allocation)
    return allocation
