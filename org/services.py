"""Writes. Each function is one business action: atomic, permission-checked where a
user acts, and recorded as an audit event in the same transaction."""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from audit.services import record_event, save_audited
from org import policy
from org import selectors as org_selectors
from org.models import Cadre, Unit
from org.roles import ROLE_PERMISSIONS, Role, group_name


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
        assign_perm(f"org.{codename}", user, unit)
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
        remove_perm(f"org.{codename}", user, unit)
    record_event(
        actor=actor, verb="role.revoke", target=user, before={"role": role.value, "unit": unit.pk}
    )


@transaction.atomic
def unit_save(*, actor, unit: Unit) -> Unit:
    """Create or change a unit; the actor must reach its (new) parent."""
    if unit.parent_id:
        policy.require_unit_permission(actor, "issue_dispatch", unit.parent)
    elif actor is not None and not actor.is_superuser:
        raise PermissionDenied(_("Only an administrator may create a top-level unit."))
    return save_audited(actor=actor, instance=unit, verb_prefix="unit")


@transaction.atomic
def cadre_save(*, actor, cadre: Cadre) -> Cadre:
    """Register a cadre or change their record. Dispatchers of the unit's jurisdiction
    and the unit's liaison may do so."""
    if actor is not None:
        allowed = org_selectors.has_unit_permission(actor, "issue_dispatch", cadre.unit) or (
            org_selectors.has_unit_permission(actor, "act_as_liaison", cadre.unit)
        )
        if cadre.pk:
            old_unit = Cadre.objects.select_related("unit").get(pk=cadre.pk).unit
            allowed = allowed and (
                org_selectors.has_unit_permission(actor, "issue_dispatch", old_unit)
                or org_selectors.has_unit_permission(actor, "act_as_liaison", old_unit)
            )
        if not allowed:
            raise PermissionDenied(_("This unit is outside your jurisdiction."))
    return save_audited(actor=actor, instance=cadre, verb_prefix="cadre")
