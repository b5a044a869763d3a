"""Calling a class off (取消班次) before anyone is dispatched to it: the class is kept,
marked cancelled with its reason, and counts no more — no roll call, makeup, seat or
circular takes it (`TrainingClassQuerySet.held`). The institution's registrars are told
once each. A class with a roll call or a dispatch that is not cancelled is not called off
here: cancel its roll calls first (`roll_call_cancel`), which tells the units."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import change
from core.formatting import format_span
from core.validation import require_reason
from dispatch import policy
from dispatch.models import Dispatch, DispatchStatus, RollCall, RollCallStatus, TrainingClass
from notifications.models import Event
from notifications.services import notify
from org.selectors import users_reaching


def class_cancel_refusal(training_class: TrainingClass, today=None) -> str | None:
    """Why the class cannot be called off now, or None: already cancelled, begun, or
    someone is (or is being) dispatched to it. The one rule of the service, the class
    page and the plan's publication."""
    if training_class.cancelled_at is not None:
        return _("This class has been cancelled.")
    if training_class.start_date <= (today or timezone.localdate()):
        return _("The class has already started or finished.")
    live_roll_calls = RollCall.objects.filter(training_class=training_class).exclude(
        status=RollCallStatus.CANCELLED
    )
    live_dispatches = Dispatch.objects.filter(training_class=training_class).exclude(
        status=DispatchStatus.CANCELLED
    )
    if live_roll_calls.exists() or live_dispatches.exists():
        return _(
            "Cadres are being dispatched to this class: cancel its roll calls first, which "
            "tells the units."
        )
    return None


@transaction.atomic
def class_cancel(*, actor, training_class: TrainingClass, reason: str) -> TrainingClass:
    """Call the class off, with the reason, audited (`class.cancel`): the organizer's
    dispatchers may (`policy.may_edit_class`)."""
    if not policy.may_edit_class(actor, training_class):
        raise PermissionDenied(_("This unit is outside your jurisdiction."))
    return _cancel(actor, training_class, reason)


@transaction.atomic
def planned_class_cancel(*, actor, training_class: TrainingClass, reason: str) -> TrainingClass:
    """The same, for a class taken out of its plan by a new version that `actor`, the
    department's head, publishes (`planning.publishing`, which requires the approver)."""
    return _cancel(actor, training_class, reason)


def _cancel(actor, training_class: TrainingClass, reason: str) -> TrainingClass:
    """The class row is locked and read again: a roll call issued meanwhile holds the
    same lock (`rollcall.seats_left`) and is seen here, or finds the class cancelled
    there."""
    reason = require_reason(reason, _("Please give the reason for cancelling."))
    training_class = (
        TrainingClass.objects.select_for_update(of=("self",))
        .select_related("institution__unit", "organizer__unit")
        .get(pk=training_class.pk)
    )
    if refusal := class_cancel_refusal(training_class):
        raise ValidationError(refusal)
    change(
        actor=actor,
        instance=training_class,
        verb="class.cancel",
        note=reason,
        cancelled_at=timezone.now(),
        cancellation_reason=reason,
    )
    _tell_registrars(training_class, reason)
    return training_class


def _tell_registrars(training_class: TrainingClass, reason: str) -> None:
    """The institution's registrars: one message each."""
    notify(
        event=Event.CANCELLED,
        recipients=users_reaching(training_class.institution.unit, "record_attendance"),
        key=f"class:{training_class.pk}:cancelled",
        template="notifications/events/class_cancelled.txt",
        context={
            "class_name": training_class.name,
            "dates": format_span(training_class.start_date, training_class.end_date),
            "org_department": training_class.organizer.unit.name,
            "reason": reason,
        },
        url=reverse("class_detail", args=[training_class.pk]),
    )
