"""Writes. Each function is one business action: atomic, permission-checked where a
user acts, and recorded as an audit event in the same transaction."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record_event, record_events, save_audited, snapshot
from core.validation import implausible_day_refusal
from org import policy, reachcache
from org.models import (
    Cadre,
    CadreTransfer,
    Delegation,
    TransferSource,
    Unit,
    UnitKind,
    UnitUserObjectPermission,
)
from org.roles import ROLE_PERMISSIONS, Role, group_name
from org.signals import cadres_changed, delegation_revoked, permissions_lost


@transaction.atomic
def role_grant(*, actor, user, role: str, unit: Unit | None = None):
    """Give `user` a role for `unit` and everything below it."""
    role_grant_many(actor=actor, grants=[(user, role, unit)])


@transaction.atomic
def role_grant_many(*, actor, grants):
    """`role_grant` for each (user, role, unit) of `grants`: the role's group and its
    permissions on the unit (kept if already held), one audit event per grant — in a
    handful of statements however many grants (the demo's 161 logins)."""
    grants = [(user, Role(role), unit) for user, role, unit in grants]
    for user, role, unit in grants:
        if ROLE_PERMISSIONS[role] and unit is None:
            raise ValueError(f"role {role} needs a unit")
        # A trainee's grant carries no unit: its cadre is linked (and checked) apart.
        if role != Role.TRAINEE and not policy.may_grant_role(actor, role, unit):
            raise PermissionDenied(
                _("You may not give the role %(role)s on %(unit)s.")
                % {"role": role.label, "unit": unit}
            )
        if actor is not None and not actor.is_superuser and user.pk == actor.pk:
            raise PermissionDenied(_("You cannot grant roles to your own account."))
        if user.pk is not None and not policy.may_manage_account(actor, user):
            # An existing account holding roles beyond the actor's reach gains none.
            raise PermissionDenied(_manage_refusal(user))
    groups = {
        role: Group.objects.get_or_create(name=group_name(role))[0]
        for role in dict.fromkeys(role for _user, role, _unit in grants)
    }
    membership = get_user_model().groups.through
    membership.objects.bulk_create(
        [membership(user_id=user.pk, group_id=groups[role].pk) for user, role, _unit in grants],
        ignore_conflicts=True,
    )
    permissions = {
        permission.codename: permission
        for permission in Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(Unit),
            codename__in={c for _user, role, _unit in grants for c in ROLE_PERMISSIONS[role]},
        )
    }
    UnitUserObjectPermission.objects.bulk_create(
        [
            UnitUserObjectPermission(
                user=user, permission=permissions[codename], content_object=unit
            )
            for user, role, unit in grants
            for codename in ROLE_PERMISSIONS[role]
        ],
        ignore_conflicts=True,
    )
    reachcache.forget()
    record_events(
        actor=actor,
        verb="role.grant",
        targets=[user for user, _role, _unit in grants],
        afters=[
            {"role": role.value, "unit": unit.pk if unit else None} for _user, role, unit in grants
        ],
    )


def held_roles(roles, codenames) -> set[str]:
    """Which of `roles` (a user's) the permissions `codenames` the user holds on one unit
    show held there: each whose permissions are all there — except a role whose
    permissions are only part of another one's held there (read_scope alone, a deputy's or
    an auditor's, is no role where a liaison's grant gives it). The accounts import
    names and takes away roles by this reading too."""
    fits = [r for r in roles if ROLE_PERMISSIONS.get(r) and set(ROLE_PERMISSIONS[r]) <= codenames]
    return {
        r
        for r in fits
        if not any(set(ROLE_PERMISSIONS[r]) < set(ROLE_PERMISSIONS[o]) for o in fits)
    }


@transaction.atomic
def role_revoke(*, actor, user, role: str, unit: Unit, keeping=()):
    """Take `role` on `unit` away from `user`; who may is who may give it
    (`policy.may_grant_role`). Its permissions on the unit go, except those another role
    `user` holds there still needs (`held_roles`, and `keeping`: roles the caller is
    granting there too); its group goes once the role is held on no unit. One audit
    event; nothing happens (and nothing is recorded) when the role is not held there.
    The tasks `user` (or a deputy of theirs) claimed and may no longer do go back to the
    queue (`org.signals.permissions_lost`)."""
    role = Role(role)
    if ROLE_PERMISSIONS[role] and not policy.may_grant_role(actor, role, unit):
        raise PermissionDenied(
            _("You may not take the role %(role)s on %(unit)s away.")
            % {"role": role.label, "unit": unit}
        )
    roles = {name.removeprefix("role:") for name in user.groups.values_list("name", flat=True)}
    held: dict[int, set[str]] = {}
    for unit_id, codename in UnitUserObjectPermission.objects.filter(user=user).values_list(
        "content_object_id", "permission__codename"
    ):
        held.setdefault(unit_id, set()).add(codename)
    here = held.get(unit.pk, set())
    if role not in held_roles(roles, here):
        return
    others = (held_roles(roles, here) | {Role(r) for r in keeping}) - {role}
    dropped = sorted(set(ROLE_PERMISSIONS[role]) - {c for r in others for c in ROLE_PERMISSIONS[r]})
    UnitUserObjectPermission.objects.filter(
        user=user, content_object=unit, permission__codename__in=dropped
    ).delete()
    held[unit.pk] = here - set(dropped)
    if not any(role in held_roles(roles, codenames) for codenames in held.values()):
        user.groups.remove(Group.objects.get(name=group_name(role)))
    reachcache.forget()
    record_event(
        actor=actor,
        verb="role.revoke",
        target=user,
        before={"role": role.value, "unit": unit.pk, "permissions": dropped},
    )
    permissions = [f"org.{codename}" for codename in dropped]
    deputies = Delegation.objects.filter(delegator=user, permission__in=permissions)
    permissions_lost.send(
        Unit,
        user_ids=[user.pk, *deputies.values_list("delegate", flat=True).distinct()],
        permissions=permissions,
        actor=actor,
        reason="role_revoked",
    )


@transaction.atomic
def account_set_active(*, actor, user, active: bool) -> bool:
    """Activate or deactivate `user` (nothing is deleted): who may is who may manage the
    account (`policy.may_manage_account`), never oneself. One audit event; nothing happens
    when it already is so. A deactivated account's delegations stop counting
    (`org.selectors`): the tasks it or its deputies claimed and may no longer do go back
    to the queue (`org.signals.permissions_lost`). Whether anything changed."""
    if user.is_active == active:
        return False
    if actor is not None and user.pk == actor.pk and not active:
        raise PermissionDenied(_("You cannot deactivate your own account."))
    if not policy.may_manage_account(actor, user):
        raise PermissionDenied(_manage_refusal(user))
    user.is_active = active
    user.save(update_fields=["is_active"])
    reachcache.forget()
    record_event(
        actor=actor,
        verb="account.activate" if active else "account.deactivate",
        target=user,
        before={"is_active": not active},
        after={"is_active": active},
    )
    if not active:
        deputies = Delegation.objects.filter(delegator=user).values_list("delegate", flat=True)
        permissions_lost.send(
            get_user_model(),
            user_ids=[user.pk, *deputies.distinct()],
            permissions=sorted({f"org.{c}" for codes in ROLE_PERMISSIONS.values() for c in codes}),
            actor=actor,
            reason="account_deactivated",
        )
    return True


def _manage_refusal(user) -> str:
    return _(
        "The account %(username)s holds roles outside your jurisdiction: you may not change "
        "it or give it roles."
    ) % {"username": user.username}


def units_held_to_kind(unit_ids) -> dict[int, tuple[str, str]]:
    """{unit id: (the kind it must keep, the record that holds it there)} for the units
    a record exists on that only a unit of one kind may bear: an organization department
    (组织部门), a training institution (培训机构, dispatch's) — each declares that kind in
    its one-to-one field's `limit_choices_to`. Their users' roles, headers and imports
    rest on that record."""
    held: dict[int, tuple[str, str]] = {}
    ids = list(unit_ids)
    for relation in Unit._meta.related_objects:
        limit = relation.field.remote_field.limit_choices_to
        if not relation.one_to_one or not isinstance(limit, dict) or "kind" not in limit:
            continue
        model, name = relation.related_model, relation.field.name
        record = str(model._meta.verbose_name)
        for start in range(0, len(ids), 500):
            rows = model.objects.filter(**{f"{name}__in": ids[start : start + 500]})
            for unit_id in rows.values_list(name, flat=True):
                held[unit_id] = (limit["kind"], record)
    return held


def unit_kind_refusal(code: str, name: str, kind: str, held: tuple[str, str] | None) -> str:
    """Why a unit (`held` as `units_held_to_kind` tells) may not take `kind`, or ""."""
    if held is None or held[0] == kind:
        return ""
    return _(
        "The unit %(code)s (%(name)s) is registered as %(record)s, so its kind must stay "
        "%(kind)s; it cannot become %(new)s."
    ) % {
        "code": code,
        "name": name,
        "record": held[1],
        "kind": UnitKind(held[0]).label,
        "new": UnitKind(kind).label if kind in UnitKind.values else kind,
    }


@transaction.atomic
def unit_save(*, actor, unit: Unit) -> Unit:
    """Create or change a unit; the actor must reach its (new) parent. A unit bearing an
    organization department or an institution keeps its kind (`units_held_to_kind`)."""
    check_unit(actor, unit)
    saved = save_audited(actor=actor, instance=unit, verb_prefix="unit")
    reachcache.forget()  # a move rewrites the paths that reaches are ranges of
    return saved


def check_unit(actor, unit: Unit) -> None:
    """What `unit_save` refuses (PermissionDenied, ValidationError), asked before the
    write by every door — the admin's form among them."""
    if unit.parent_id:
        policy.require_unit_permission(actor, "issue_dispatch", unit.parent)
    elif actor is not None and not actor.is_superuser:
        raise PermissionDenied(_("Only an administrator may create a top-level unit."))
    if unit.pk:
        held = units_held_to_kind([unit.pk]).get(unit.pk)
        refusal = unit_kind_refusal(unit.code, unit.name, unit.kind, held)
        if refusal:
            raise ValidationError({"kind": refusal})
    old = Unit.objects.filter(pk=unit.pk).values("parent_id", "path").first() if unit.pk else None
    if old is not None and old["parent_id"] != unit.parent_id:
        landing = unit.parent.path if unit.parent_id else ""
        refusal = policy.unit_move_refusal(old["path"], landing, unit.name)
        if refusal:
            raise ValidationError(refusal)


DEPARTMENT_FIELDS = ("managing_org_department", "co_managing_org_department")


@transaction.atomic
def cadre_save(*, actor, cadre: Cadre) -> Cadre:
    """Register a cadre or change their record (`policy.may_edit_cadre`: a dispatcher of
    the unit's jurisdiction or the unit's liaison, for the old unit and the new). Only a
    dispatcher whose jurisdiction holds the unit chooses the organization departments,
    among `policy.choosable_departments`; a cadre a liaison registers is managed by the
    department with the narrowest jurisdiction over the unit. A change of name or
    category refreshes what other apps keep (`cadres_changed`); a change of unit is kept
    in the history (`CadreTransfer`)."""
    old = check_cadre(actor, cadre)
    return _cadre_written(actor, cadre, old)


def check_cadre(actor, cadre: Cadre) -> Cadre | None:
    """What `cadre_save` refuses (PermissionDenied, ValidationError by field), asked
    before the write by every door — the admin's form among them; a new cadre a liaison
    registers gets the nearest department here. Returns the stored record (None if new)."""
    old = Cadre.objects.select_related("unit").filter(pk=cadre.pk).first() if cadre.pk else None
    if actor is not None and not (
        policy.may_edit_cadre(actor, cadre) and (old is None or policy.may_edit_cadre(actor, old))
    ):
        raise PermissionDenied(_("This unit is outside your jurisdiction."))
    chooses = policy.may_choose_departments(actor, cadre.unit)
    if old is None and not chooses and cadre.managing_org_department_id is None:
        cadre.managing_org_department = policy.nearest_org_department(cadre.unit)
    _check_departments(actor, cadre, old, chooses)
    if cadre.managing_org_department_id is None:
        raise ValidationError(
            {"unit": _("No organization department has jurisdiction over this unit.")}
        )
    refusal = policy.id_number_refusal(actor, cadre.id_number, cadre.pk)
    if refusal:
        raise ValidationError({"id_number": refusal})
    return old


def _cadre_written(actor, cadre: Cadre, old: Cadre | None) -> Cadre:
    try:
        with transaction.atomic():
            saved = save_audited(actor=actor, instance=cadre, verb_prefix="cadre")
    except IntegrityError as exc:
        # Someone registered the same ID number meanwhile: the neutral refusal, as for a
        # number held outside the actor's reach.
        if policy.id_number_refusal(None, cadre.id_number, cadre.pk):
            raise ValidationError({"id_number": policy.id_number_refusal_neutral()}) from exc
        raise
    if old is None or (old.name, old.category) != (saved.name, saved.category):
        # What other apps keep copies of (ledger's compliance standings).
        cadres_changed.send(Cadre, cadre_ids=[saved.pk], using="default")
    if old is not None and old.unit_id != saved.unit_id:
        # The history keeps the old unit (任职单位变动).
        CadreTransfer.objects.create(
            cadre=saved,
            from_unit_id=old.unit_id,
            to_unit_id=saved.unit_id,
            changed_by=actor if getattr(actor, "is_authenticated", False) else None,
            source=TransferSource.FORM,
        )
    return saved


def _check_departments(actor, cadre, old, chooses: bool) -> None:
    """Refuse departments the actor may not choose (`policy.department_choice_refusal`)."""
    current = [getattr(old, f"{f}_id") for f in DEPARTMENT_FIELDS] if old else []
    nearest = None
    for field in DEPARTMENT_FIELDS:
        managing = field == "managing_org_department"
        if old is None and managing and not chooses:
            nearest = getattr(policy.nearest_org_department(cadre.unit), "pk", None)
        refusal = policy.department_choice_refusal(
            managing=managing,
            chosen=getattr(cadre, f"{field}_id"),
            current=getattr(old, f"{field}_id") if old else None,
            chooses=chooses,
            nearest=nearest,
            allowed=lambda pk, managing=managing: (
                policy.choosable_departments(actor, managing=managing, current=current)
                .filter(pk=pk)
                .exists()
            ),
            unit_name=str(cadre.unit),
        )
        if refusal:
            raise ValidationError({field: refusal})


@transaction.atomic
def delegation_create(*, actor, delegate, starts_on, ends_on) -> Delegation:
    """A department head lets a deputy decide approval steps in their place between the
    two dates (inclusive): only someone holding a role on the head's own unit, not its
    liaisons (`policy.deputy_candidates`), and only the head's decisions."""
    if not policy.may_delegate(actor):
        raise PermissionDenied(_("Only a department head may delegate decisions."))
    if delegate == actor:
        raise ValidationError(_("You cannot delegate to yourself."))
    if not policy.deputy_candidates(actor).filter(pk=delegate.pk).exists():
        raise ValidationError(
            {
                "delegate": _(
                    "You may delegate only to another person holding a role on your own unit "
                    "(not its liaisons)."
                )
            }
        )
    if ends_on < starts_on:
        raise ValidationError(_("The delegation must end on or after the day it starts."))
    if ends_on < timezone.localdate():
        raise ValidationError({"ends_on": _("A delegation cannot end before today.")})
    for field, day in (("starts_on", starts_on), ("ends_on", ends_on)):
        if refusal := implausible_day_refusal(day, years_ahead=1):
            raise ValidationError({field: refusal})
    delegation = Delegation.objects.create(
        delegator=actor,
        delegate=delegate,
        permission=policy.DELEGATED_PERMISSION,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    reachcache.forget()
    record_event(
        actor=actor, verb="approval.delegate", target=delegation, after=snapshot(delegation)
    )
    return delegation


@transaction.atomic
def delegation_revoke(*, actor, delegation: Delegation) -> Delegation:
    """End a delegation early (nothing is deleted; once only). The apps above are told
    (`org.signals.delegation_revoked`): the deputy's claimed tasks that asked for the
    delegated permission go back to the queue (`workflow.claims`)."""
    if delegation.delegator != actor and not actor.is_superuser:
        raise PermissionDenied
    delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
    if delegation.revoked:
        return delegation  # revoked already (a second click): nothing more happens
    if not policy.delegation_revocable(delegation):
        raise ValidationError(_("The delegation has already ended: there is nothing to revoke."))
    before = snapshot(delegation)
    delegation.revoked = True
    delegation.save(update_fields=["revoked"])
    reachcache.forget()
    record_event(
        actor=actor,
        verb="approval.delegation_revoke",
        target=delegation,
        before=before,
        after=snapshot(delegation),
    )
    delegation_revoked.send(Delegation, delegation=delegation, actor=actor)
    return delegation
