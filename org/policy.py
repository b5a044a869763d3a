"""Who may do what on the organization's records — one predicate per rule, asked by the
services (which refuse), the views (which narrow forms, hide or 403) and the template
tags (which hide links)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.lookups import StartsWith
from django.utils import timezone
from django.utils.translation import gettext as _

from org import selectors
from org.models import (
    Cadre,
    OrgDepartment,
    PathWithin,
    Unit,
    UnitGroupObjectPermission,
    UnitUserObjectPermission,
)
from org.roles import HEAD_PERMISSION, Role, group_name

#: the dispatcher's permission: roll calls, plans, surveys, circulars, hours imports
DISPATCHER_PERMISSION = "issue_dispatch"

#: who keeps cadre records: a dispatcher of the unit's jurisdiction or the unit's liaison
CADRE_KEEPERS = ("issue_dispatch", "act_as_liaison")


def require_reach(user) -> None:
    """Pages of the jurisdiction (cadres, units, classes) are for users who reach a unit."""
    if not (user.is_superuser or selectors.units_in_reach(user).exists()):
        raise PermissionDenied


def may(user, perm: str, unit) -> bool:
    """`perm` is a codename on Unit (e.g. "act_as_liaison"); the system (None) may all."""
    return user is None or selectors.has_unit_permission(user, perm, unit)


def require_any(user, perms: tuple[str, ...], unit) -> None:
    """`user` holds one of `perms` on `unit`, or is refused."""
    if not any(may(user, perm, unit) for perm in perms):
        raise PermissionDenied(_("This unit is outside your jurisdiction."))


def require_unit_permission(user, perm: str, unit) -> None:
    """`user` holds `perm` (a codename on Unit) on `unit`; the system (None) may all."""
    require_any(user, (perm,), unit)


def is_dispatcher(user) -> bool:
    """Is `user` a dispatcher somewhere — holding `issue_dispatch` on some unit (directly,
    through a group or by a running delegation)? The start of every dispatcher's flow
    (roll call, plan, survey, circular) and the dispatcher-only pages (a new class, the
    hours import) ask it; what they then act on is checked against its own unit. A
    grant's unit always exists, so the grants remembered for the request answer it
    without a query."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(selectors.grant_roots(user).get(DISPATCHER_PERMISSION))


# -- cadre records ---------------------------------------------------------------------


def cadre_units(user) -> QuerySet[Unit]:
    """Units whose cadre records the user may register or change."""
    if user.is_superuser:
        return Unit.objects.all()
    return selectors.units_in_reach(user, "issue_dispatch") | selectors.units_in_reach(
        user, "act_as_liaison"
    )


def may_edit_cadre(user, cadre=None) -> bool:
    """May `user` keep this cadre's record — or, without a cadre, register one at all?
    A dispatcher of the unit's jurisdiction or the unit's liaison may."""
    if user is None or user.is_superuser:
        return True
    if not user.is_authenticated:
        return False
    if cadre is None:
        return cadre_units(user).exists()
    return any(may(user, perm, cadre.unit) for perm in CADRE_KEEPERS)


# -- ID numbers ------------------------------------------------------------------------


def may_see_id_number(user, cadre) -> bool:
    """May `user` see `cadre`'s whole ID number — on the cadre form, in the cadre
    downloads and in the API? Those who keep the record (`may_edit_cadre`: a dispatcher of
    the unit's jurisdiction, the unit's liaison; the system): they change the number on
    the form and import the cadres by it. Everyone else in reach (a head, a deputy, an org
    department head, an auditor, a registrar, a department reading a cadre it only
    co-manages, the trainee) gets `Cadre.masked_id_number`. `id_number_shown` is the same
    rule in SQL, for lists."""
    return cadre is not None and may_edit_cadre(user, cadre)


def id_number_units(user) -> QuerySet[Unit]:
    """The units whose cadres' whole ID numbers `user` may see (`may_see_id_number`)."""
    return cadre_units(user)


def id_number_shown(user, unit_ref: str = "unit"):
    """`may_see_id_number` as an SQL boolean on a list's rows, whose cadre's unit is the
    column `unit_ref` ("unit" on Cadre rows): one subquery for the whole list, not one
    query per row. Annotate with it (`id_number_shown=…`) and mask where it is false."""
    if user is None or user.is_superuser:
        return Value(True, output_field=BooleanField())
    return Case(
        # An empty set of units compiles to no WHEN at all: every row takes the default.
        When(Q(**{f"{unit_ref}__in": id_number_units(user)}), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def may_choose_departments(user, unit=None) -> bool:
    """Only a dispatcher whose jurisdiction holds `unit` chooses the organization
    departments that manage its cadres; a liaison keeps them as they are. Without a unit:
    may the user choose them for some unit (a new cadre's form)?"""
    if user is None or user.is_superuser:
        return True
    if unit is None:
        return is_dispatcher(user)
    return may(user, DISPATCHER_PERMISSION, unit)


def choosable_departments(user, *, managing: bool, current=()) -> QuerySet[OrgDepartment]:
    """The organization departments `user` may choose for a cadre: those their dispatcher
    jurisdiction covers — for the managing one, only those whose jurisdiction also holds
    a unit the user keeps records of — besides the cadre's `current` ones."""
    if user is None or user.is_superuser:
        return OrgDepartment.objects.select_related("unit")
    covered = OrgDepartment.objects.filter(
        unit__in=selectors.units_in_reach(user, "issue_dispatch")
    )
    if managing:
        holds_a_unit = Exists(
            cadre_units(user).filter(StartsWith(F("path"), OuterRef("jurisdiction__path")))
        )
        covered = covered.filter(holds_a_unit)
    return OrgDepartment.objects.filter(
        Q(pk__in=covered.values("pk")) | Q(pk__in=[pk for pk in current if pk])
    ).select_related("unit")


def nearest_org_department(unit) -> OrgDepartment | None:
    """The organization department with the narrowest jurisdiction that holds `unit`:
    the one that manages a cadre a liaison registers (of two with one jurisdiction, the
    first by its own unit's place in the tree)."""
    return (
        OrgDepartment.objects.filter(StartsWith(Value(unit.path), F("jurisdiction__path")))
        .select_related("unit")
        .order_by("-jurisdiction__depth", "unit__path")
        .first()
    )


def department_choice_refusal(
    *, managing: bool, chosen, current, chooses: bool, nearest, allowed, unit_name: str
) -> str:
    """Why a cadre's managing (`managing`) or co-managing department may not become
    `chosen` (an id or None), or "" — the one rule `cadre_save` and the cadre import ask.

    `current`: the department now (None for a new cadre); `chooses`: the actor may choose
    departments for the unit (`may_choose_departments`); `nearest`: the unit's
    `nearest_org_department` id; `allowed(pk)`: whether `chosen` is among
    `choosable_departments`. Keeping a department is always allowed; a new cadre of an
    actor who does not choose (a liaison) is managed by the nearest department and gets
    no co-managing one."""
    if chosen == current:
        return ""
    if not chooses:
        if current is None and managing and chosen == nearest:
            return ""
        return _(
            "Only a dispatcher whose jurisdiction holds %(unit)s may choose the organization "
            "departments of its cadres."
        ) % {"unit": unit_name}
    if chosen is not None and not allowed(chosen):
        return _("This organization department is outside your jurisdiction.")
    return ""


# -- delegation ------------------------------------------------------------------------


def _grants(users, **lookups):
    """Grants (direct, through a group) of unit permissions to `users`."""
    lookups["permission__content_type__app_label"] = "org"
    return (
        UnitUserObjectPermission.objects.filter(user=users, **lookups),
        UnitGroupObjectPermission.objects.filter(group__user=users, **lookups),
    )


def deputy_candidates(user) -> QuerySet:
    """Whom a department head may delegate to: the other people of the head's own
    unit(s) — those holding a role granted on that very unit (a deputy head, say) — but
    not its liaisons, who prepare the requests the head decides, nor anybody granted on
    a unit above (dispatchers, org department heads, auditors)."""
    units = set()
    for held in _grants(user, permission__codename="approve_as_head"):
        units.update(held.values_list("content_object_id", flat=True))
    on_unit = _grants(OuterRef("pk"), content_object_id__in=units)
    liaison = _grants(
        OuterRef("pk"), content_object_id__in=units, permission__codename="act_as_liaison"
    )
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(pk=user.pk)
        .filter(Exists(on_unit[0]) | Exists(on_unit[1]))
        .exclude(Exists(liaison[0]) | Exists(liaison[1]))
        .order_by("first_name", "last_name", "username")
    )


def may_delegate(user) -> bool:
    """Department heads delegate their decisions (and only those)."""
    return selectors.units_in_reach(user, "approve_as_head").exists()


def delegation_revocable(delegation, today=None) -> bool:
    """A delegation is revoked while it runs or before it starts: not once revoked, nor
    once ended (it hands over nothing any more)."""
    return not delegation.revoked and delegation.ends_on >= (today or timezone.localdate())


#: the one permission a delegation hands over
DELEGATED_PERMISSION = HEAD_PERMISSION


def id_number_refusal_neutral() -> str:
    return _("This ID number cannot be registered. Please check with the organization department.")


def id_number_refusal(user, id_number: str, cadre_pk: int | None = None) -> str:
    """Why `id_number` cannot be registered for the cadre `cadre_pk` (new: None), or "".
    A number is registered once in the whole city; the user learns that it is taken only
    when the cadre holding it is within their reach (the system, None, reaches all).
    Otherwise the refusal is neutral, so nobody probes which numbers exist elsewhere."""
    holders = Cadre.objects.filter(id_number=id_number).exclude(pk=cadre_pk)
    if not holders.exists():
        return ""
    if user is None or selectors.cadres_in_reach(user).filter(pk__in=holders).exists():
        return _("A cadre with this ID number already exists.")
    return id_number_refusal_neutral()


# -- roles and accounts ----------------------------------------------------------------

#: roles that act for an organization department itself (dispatch, sign, inspect):
#: a dispatcher gives them only below their own department, never beside or above it
DEPARTMENT_ROLES = frozenset({Role.DISPATCHER, Role.ORG_HEAD, Role.AUDITOR})


def _dispatcher_paths(actor) -> tuple[str, ...]:
    return tuple(path for _pk, path in selectors.grant_roots(actor).get(DISPATCHER_PERMISSION, ()))


def may_grant_role(actor, role: str, unit=None, cadre=None) -> bool:
    """May `actor` give `role` on `unit` (a trainee: for `cadre`)? The system (None) and a
    superuser anything. A dispatcher: a unit role on a unit of their dispatcher
    jurisdiction; a department role (dispatcher, org department head, auditor) only on a
    unit strictly below their own department — so nobody names a co-signer of their own
    circulars or a second dispatcher of their own department; the trainee role for a
    cadre of that jurisdiction. Nobody else anything. Asked by `services.role_grant` and
    by the accounts import (for each row's error)."""
    if actor is None or actor.is_superuser:
        return True
    if role == Role.TRAINEE:
        return (
            cadre is not None
            and selectors.cadres_in_reach(actor, DISPATCHER_PERMISSION).filter(pk=cadre.pk).exists()
        )
    if unit is None:
        return False
    paths = _dispatcher_paths(actor)
    if role in DEPARTMENT_ROLES:
        return any(unit.path.startswith(path) and unit.path != path for path in paths)
    return any(unit.path.startswith(path) for path in paths)


def may_manage_account(actor, account) -> bool:
    """May `actor` change `account`'s name, e-mail, phone and status, or give it another
    role? A superuser may; a dispatcher only for an account that is no administrator,
    whose every role `actor` could have granted (`may_grant_role`: a department role
    strictly below the dispatcher's own department), and whose linked cadre lies within
    the jurisdiction. For many accounts at once: `manageable_accounts`."""
    return account.pk in manageable_accounts(actor, [account])


def manageable_accounts(actor, accounts) -> set[int]:
    """The ids of those among `accounts` that `actor` may manage (`may_manage_account`),
    in a few queries however many accounts."""
    accounts = list(accounts)
    if actor is None or actor.is_superuser:
        return {account.pk for account in accounts}
    ids = {account.pk for account in accounts if not (account.is_superuser or account.is_staff)}
    if not ids:
        return set()
    department_roles = {group_name(role) for role in DEPARTMENT_ROLES}
    with_department_role = set(
        get_user_model()
        .groups.through.objects.filter(user__in=ids, group__name__in=department_roles)
        .values_list("user_id", flat=True)
    )
    paths = _dispatcher_paths(actor)
    for user_id, path in (
        UnitUserObjectPermission.objects.filter(user__in=ids)
        .values_list("user_id", "content_object__path")
        .distinct()
    ):
        within = [root for root in paths if path.startswith(root)]
        if not within or (user_id in with_department_role and all(path == root for root in within)):
            ids.discard(user_id)
    linked = dict(Cadre.objects.filter(user__in=ids).values_list("pk", "user_id"))
    if linked:
        reached = set(
            selectors.cadres_in_reach(actor, DISPATCHER_PERMISSION)
            .filter(pk__in=list(linked))
            .values_list("pk", flat=True)
        )
        ids -= {user_id for pk, user_id in linked.items() if pk not in reached}
    return ids


# -- the unit tree ---------------------------------------------------------------------


def unit_move_refusal(unit_path: str, landing_path: str, unit_name: str) -> str | None:
    """Why the unit at `unit_path` (with everything below it) may not move to land under
    the unit at `landing_path`, or None: every cadre of the subtree must stay within the
    jurisdiction of their managing and co-managing organization departments — a
    department whose jurisdiction lies above the new place, or moves along inside the
    subtree. Asked by `services.unit_save` and the unit import (the org department
    import asks the mirror question of a department's new jurisdiction)."""
    cadres = Cadre.objects.filter(PathWithin(F("unit__path"), unit_path)).order_by()
    stranded = 0
    for field in ("managing_org_department", "co_managing_org_department"):
        counts = (
            cadres.filter(**{f"{field}__isnull": False})
            .values(root=F(f"{field}__jurisdiction__path"))
            .annotate(n=Count("pk"))
        )
        stranded += sum(
            row["n"]
            for row in counts
            if not (landing_path.startswith(row["root"]) or row["root"].startswith(unit_path))
        )
    if not stranded:
        return None
    return _(
        "%(count)s cadres of %(unit)s would leave the jurisdiction of the organization "
        "department that manages them; change their managing departments first, or move "
        "the unit within that jurisdiction."
    ) % {"count": stranded, "unit": unit_name}


def jurisdiction_change_refusal(
    *, department_id: int, department_name: str, root_path: str, root_name: str
) -> str | None:
    """Why an organization department's jurisdiction may not move to the unit at
    `root_path`: cadres it manages would fall outside it (a cadre is managed only by a
    department whose jurisdiction holds the cadre's unit) — or None. Asked by the import
    of departments and by the department's admin page alike."""
    outside = (
        Cadre.objects.filter(managing_org_department=department_id)
        .exclude(PathWithin(F("unit__path"), root_path))
        .count()
    )
    if not outside:
        return None
    return _(
        "%(count)s cadres managed by %(name)s are outside the new "
        "jurisdiction %(root)s; change their managing department first."
    ) % {"count": outside, "name": department_name, "root": root_name}
