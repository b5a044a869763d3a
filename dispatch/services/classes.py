"""Writes. Each function is one business action: atomic, permission-checked where a
user acts, and recorded as an audit event in the same transaction."""

from django.db import transaction

from audit.services import save_audited
from dispatch import capacity
from dispatch.models import TrainingClass
from org import policy


@transaction.atomic
def training_class_save(*, actor, training_class: TrainingClass) -> TrainingClass:
    """Create or change a class; only the organizing department's dispatchers may, and
    only with the seats its institution has left on its dates (`dispatch.capacity`)."""
    policy.require_unit_permission(actor, "issue_dispatch", training_class.organizer.unit)
    capacity.require_capacity(
        training_class.institution,
        training_class.start_date,
        training_class.end_date,
        training_class.quota,
        field="quota",
        exclude_classes=[training_class.pk],
    )
    return save_audited(actor=actor, instance=training_class, verb_prefix="class")
