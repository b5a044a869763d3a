"""Writes. Each function is one business action: atomic, permission-checked where a
user acts, and recorded as an audit event in the same transaction."""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from audit.services import record_event, snapshot

from .. import selectors
from ..models import Cadre, TrainingClass, Unit
from ..roles import ROLE_PERMISSIONS, Role, group_name


def _save_with_audit(*, actor, instance, verb_prefix: str):
    """Validate, save and audit a model instance (create or update)."""
    model = type(instance)
    before = snapshot(model.objects.get(pk=instance.pk)) if instance.pk else None
    instance.full_clean()
    instance.save()
    verb = f"{verb_prefix}.{'update' if before else 'create'}"
    record_event(actor=actor, verb=verb, target=instance, before=before, after=snapshot(instance))
    return instance


@transaction.atomic
def role_grant(*, actor, user, role: str, unit: Unit | None = None):
    """Give `user` a role for `unit` and everything below it."""
    role = Role(role)
    group, _created = Group.objects.get_or_create(name=group_name(role))
    user.groups.add(group)
    codenames = ROLE_PERMISSIONS[role]
    if codenames and unit is None:
        raise ValueError(f"role {role} needs a unit")
    for codename in codenames:
        assign_perm(f"dispatch.{codename}", user, unit)
    record_event(
        actor=actor,
        verb="role.grant",
        target=user,
        after={"role": role.value, "unit": unit.pk if unit else None},
    )


@transaction.atomic
def role_revoke(*, actor, user, role: str, unit: Unit):
    role = Role(role)
    for codename in ROLE_PERMISSIONS[role]:
        remove_perm(f"dispatch.{codename}", user, unit)
    record_event(
        actor=actor, verb="role.revoke", target=user, before={"role": role.value, "unit": unit.pk}
    )


def _require(user, perm: str, unit: Unit):
    if user is not None and not selectors.has_unit_permission(user, perm, unit):
        raise PermissionDenied(_("This unit is outside your jurisdiction."))


@transaction.atomic
def unit_save(*, actor, unit: Unit) -> Unit:
    """Create or change a unit; the actor must reach its (new) parent."""
    if unit.parent_id:
        _require(actor, "issue_dispatch", unit.parent)
    elif actor is not None and not actor.is_superuser:
        raise PermissionDenied(_("Only an administrator may create a top-level unit."))
    return _save_with_audit(actor=actor, instance=unit, verb_prefix="unit")


@transaction.atomic
def cadre_save(*, actor, cadre: Cadre) -> Cadre:
    """Register a cadre or change their record. Dispatchers of the unit's jurisdiction
    and the unit's liaison may do so."""
    if actor is not None:
        allowed = selectors.has_unit_permission(actor, "issue_dispatch", cadre.unit) or (
            selectors.has_unit_permission(actor, "act_as_liaison", cadre.unit)
        )
        if cadre.pk:
            old_unit = Cadre.objects.select_related("unit").get(pk=cadre.pk).unit
            allowed = allowed and (
                selectors.has_unit_permission(actor, "issue_dispatch", old_unit)
                or selectors.has_unit_permission(actor, "act_as_liaison", old_unit)
            )
        if not allowed:
            raise PermissionDenied(_("This unit is outside your jurisdiction."))
    return _save_with_audit(actor=actor, instance=cadre, verb_prefix="cadre")


@transaction.atomic
def training_class_save(*, actor, training_class: TrainingClass) -> TrainingClass:
    """Create or change a class; only the organizing department's dispatchers may."""
    _require(actor, "issue_dispatch", training_class.organizer.unit)
    return _save_with_audit(actor=actor, instance=training_class, verb_prefix="class")
