"""A class's curriculum: its sessions, added and changed by the organizing department's
dispatchers or the institution's registrars (`dispatch.teaching.may_edit_curriculum`)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from audit.services import save_audited
from core.formatting import format_hours
from dispatch import teaching, twins
from dispatch.models import ClassSession, TrainingClass
from dispatch.policy import cancelled_refusal


@transaction.atomic
def class_session_save(*, actor, session: ClassSession) -> ClassSession:
    """Add a session to a class's curriculum, or change one. The class is locked, so
    two sessions saved at once cannot together exceed its credit hours, nor be the same
    session twice (`twins.session_twin_refusal`)."""
    training_class = (
        TrainingClass.objects.select_for_update(of=("self",))
        .select_related("organizer__unit", "institution__unit")
        .get(pk=session.training_class_id)
    )
    if not teaching.may_edit_curriculum(actor, training_class):
        raise PermissionDenied(
            _(
                "Only the organizer's dispatchers and the institution's registrars may "
                "change the curriculum."
            )
        )
    if refusal := cancelled_refusal(training_class):
        raise ValidationError(refusal)
    if session.pk is not None:
        stored = ClassSession.objects.filter(pk=session.pk).values("training_class_id").first()
        if stored is None or stored["training_class_id"] != training_class.pk:
            raise ValidationError(_("This session belongs to another class."))
    if refusal := twins.session_twin_refusal(session):
        raise ValidationError({"title": refusal})
    errors = {}
    if session.date and not training_class.start_date <= session.date <= training_class.end_date:
        errors["date"] = _("A session is held within the class's dates.")
    if refusal := teaching.session_hours_refusal(session.hours):
        errors["hours"] = refusal
    elif session.hours is not None:
        others = (
            training_class.sessions.exclude(pk=session.pk).aggregate(total=Sum("hours"))["total"]
            or 0
        )
        if others + session.hours > training_class.credit_hours:
            errors["hours"] = _(
                "The sessions would total %(total)s hours, more than the class's %(hours)s "
                "credit hours."
            ) % {
                "total": format_hours(others + session.hours),
                "hours": format_hours(training_class.credit_hours),
            }
    if errors:
        raise ValidationError(errors)
    return save_audited(actor=actor, instance=session, verb_prefix="class_session")
