"""Writing audit events. Every service that changes state calls `record_event` inside
its own transaction, so the change and its audit row commit or roll back together."""

from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from audit.context import get_request_id
from audit.models import AuditEvent
from core.masking import mask_id_number

# Fields whose values must never be copied in clear into the audit trail.
MASKED_FIELDS = {"id_number", "password"}


def snapshot(instance: models.Model) -> dict:
    """The concrete field values of `instance`, JSON-ready, sensitive values masked."""
    data = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if field.name in MASKED_FIELDS:
            value = mask_id_number(value)
        elif isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, models.fields.files.FieldFile):
            value = value.name or ""
        data[field.attname] = value
    return data


def record_event(
    *, actor, verb: str, target: models.Model, before=None, after=None, note="", label=""
):
    """Append one audit event for `target`. `actor` may be None for system actions.
    `label` names the target in the trail instead of `str(target)` (a workflow task:
    its step and subject, `workflow.services.task_label`)."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        verb=verb,
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id=str(target.pk),
        target_repr=(label or str(target))[:255],
        before=before,
        after=after,
        note=note,
        request_id=get_request_id(),
    )


def record_events(*, actor, verb: str, targets, note="", afters=None):
    """Append one event per target in a single INSERT (same fields as `record_event`);
    each event's `after` is the target's snapshot, or the matching item of `afters`."""
    targets = list(targets)
    if not targets:
        return []
    afters = list(afters) if afters is not None else [snapshot(t) for t in targets]
    target_type = ContentType.objects.get_for_model(targets[0], for_concrete_model=False)
    request_id = get_request_id()
    return AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            verb=verb,
            target_type=target_type,
            target_id=str(target.pk),
            target_repr=str(target)[:255],
            after=after,
            note=note,
            request_id=request_id,
        )
        for target, after in zip(targets, afters, strict=True)
    )


def save_audited(*, actor, instance, verb_prefix: str):
    """Validate, save and audit a model instance (create or update)."""
    model = type(instance)
    before = snapshot(model.objects.get(pk=instance.pk)) if instance.pk else None
    instance.full_clean()
    instance.save()
    verb = f"{verb_prefix}.{'update' if before else 'create'}"
    record_event(actor=actor, verb=verb, target=instance, before=before, after=snapshot(instance))
    return instance


def change(*, actor, instance, verb: str, note: str = "", members=None, **fields):
    """Set fields on `instance`, save them, and audit the change (before/after).
    `members`: {relation: (ids before, ids after)} of many-to-many sets changed with it
    (a nomination's nominees, a filing's participants), kept in the event too — a set
    replaced leaves no row of its own behind."""
    before = snapshot(instance)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.save(update_fields=list(fields))
    after = snapshot(instance)
    for relation, (old, new) in (members or {}).items():
        before[relation], after[relation] = sorted(old), sorted(new)
    record_event(actor=actor, verb=verb, target=instance, before=before, after=after, note=note)
    return instance
