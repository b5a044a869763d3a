from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from audit.services import record_event, snapshot
from org import selectors as org_selectors


def may(user, perm: str, unit) -> bool:
    """`perm` is a codename on Unit (e.g. "act_as_liaison"); the system (None) may all."""
    return user is None or org_selectors.has_unit_permission(user, perm, unit)


def require_any(user, perms: tuple[str, ...], unit) -> None:
    if not any(may(user, perm, unit) for perm in perms):
        raise PermissionDenied(_("This unit is outside your jurisdiction."))


def change(*, actor, instance, verb: str, note: str = "", **fields):
    """Set fields on `instance`, save them, and audit the change (before/after)."""
    before = snapshot(instance)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.save(update_fields=list(fields))
    record_event(
        actor=actor, verb=verb, target=instance, before=before, after=snapshot(instance), note=note
    )
    return instance


def require_reason(reason, message) -> str:
    """A step that refuses, returns or cancels must say why; returns the stripped reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    return reason
