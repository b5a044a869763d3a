"""Writes on approval requests. Every function is atomic and audited."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record_event, snapshot
from org.models import Delegation


@transaction.atomic
def delegation_create(*, actor, delegate, starts_on, ends_on, permission: str) -> Delegation:
    """Let `delegate` decide in the actor's place between the two dates (inclusive)."""
    if delegate == actor:
        raise ValidationError(_("You cannot delegate to yourself."))
    if ends_on < starts_on:
        raise ValidationError(_("The delegation must end on or after the day it starts."))
    delegation = Delegation.objects.create(
        delegator=actor,
        delegate=delegate,
        permission=permission,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    record_event(
        actor=actor, verb="approval.delegate", target=delegation, after=snapshot(delegation)
    )
    return delegation


@transaction.atomic
def delegation_revoke(*, actor, delegation: Delegation) -> Delegation:
    if delegation.delegator != actor and not actor.is_superuser:
        raise PermissionDenied
    before = snapshot(delegation)
    delegation.revoked = True
    delegation.save(update_fields=["revoked"])
    record_event(
        actor=actor,
        verb="approval.delegation_revoke",
        target=delegation,
        before=before,
        after=snapshot(delegation),
    )
    return delegation
