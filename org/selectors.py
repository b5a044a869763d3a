"""Reads, filtered to what a user may see.

Jurisdiction: a user holds a permission on some units (directly or through a group);
the permission reaches those units and every unit below them. The grants are read once
per request (`grant_roots`: a handful of rows, the units where each permission is held);
each selector below is then a single SQL query on ranges of the materialized path.
"""

from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from org import grant_statement, reachcache
from org.models import (
    Cadre,
    Delegation,
    OrgDepartment,
    PathWithin,
    Unit,
    UnitGroupObjectPermission,
    UnitKind,
    UnitUserObjectPermission,
)
from org.roles import NON_INHERITED, ROLE_PERMISSIONS

READ = "read_scope"


def grant_roots(user) -> dict[str, tuple[tuple[int, str], ...]]:
    """{codename: ((unit id, unit path), ...)}: the units on which `user` holds each `org`
    permission — directly, through a group, or through a running delegation (not revoked,
    today within its dates, its delegator active) of that permission from someone who
    holds it directly. One statement (`org.grant_statement`), remembered for the request
    (`org.reachcache`)."""
    if not user.is_authenticated or not user.is_active:
        return {}

    def compute():
        rows = grant_statement.grant_rows(user, timezone.localdate())
        roots: dict[str, set] = {}
        for codename, unit_pk, path in rows:
            roots.setdefault(codename, set()).add((unit_pk, path))
        return {codename: tuple(sorted(units)) for codename, units in roots.items()}

    return reachcache.remembered(("roots", user.pk), compute)


def reach_key(user) -> tuple:
    """What the reach selectors build a user's statements from — who they are and the
    grants `grant_roots` read — as a key for statements compiled once (`core.statements`):
    a grant, role or delegation that changes a reach changes its key."""
    if not user.is_authenticated:
        return (None,)
    return (user.pk, user.is_superuser, user.is_active, tuple(sorted(grant_roots(user).items())))


def _topmost(paths) -> list[str]:
    """The paths not below another of them (a grant on an ancestor covers the rest)."""
    result: list[str] = []
    for path in sorted(set(paths)):
        if not result or not path.startswith(result[-1]):
            result.append(path)
    return result


def _within_any(paths) -> Q:
    """Units in the subtree of any of `paths`: a range on the path index per subtree."""
    condition = Q(pk__in=[])
    for path in _topmost(paths):
        condition |= Q(PathWithin(F("path"), path))
    return condition


def units_in_reach(user, perm: str = READ) -> QuerySet[Unit]:
    """Units on which `user` holds `perm` — directly, through a group, or through an
    active delegation from someone who holds it — and, unless the permission is one of
    `NON_INHERITED`, every unit below them. One simple query on the path index (the
    grants read once per request by `grant_roots`)."""
    if not user.is_authenticated or not user.is_active:
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    roots = grant_roots(user).get(perm, ())
    if not roots:
        return Unit.objects.none()
    if perm in NON_INHERITED:
        return Unit.objects.filter(pk__in=[pk for pk, _path in roots])
    return Unit.objects.filter(_within_any(path for _pk, path in roots))


def cadres_in_reach(user, perm: str = READ) -> QuerySet[Cadre]:
    """Cadres of units in reach; a trainee also reaches their own record.

    Reading also reaches the cadres an organization department in reach manages or
    co-manages: a dual-managed cadre's record is open to the co-managing department's
    people even when the cadre's unit lies outside its jurisdiction (dual management may
    cross jurisdictions). Acting on a cadre (naming, importing hours) stays with the
    jurisdiction of the cadre's unit. One query."""
    if not user.is_authenticated or not user.is_active:
        return Cadre.objects.none()
    if user.is_superuser:
        return Cadre.objects.all()
    units = units_in_reach(user, perm)
    condition = Q(unit__in=units)
    if perm == READ:
        condition |= Q(user=user) | managed_in_reach(units)
    return Cadre.objects.filter(condition)


def managed_in_reach(units: QuerySet[Unit], prefix: str = "") -> Q:
    """Cadres (or, with `prefix` "cadre__", rows of a cadre) managed or co-managed by an
    organization department whose unit is among `units`."""
    departments = OrgDepartment.objects.filter(unit__in=units).values("pk")
    return Q(**{f"{prefix}managing_org_department__in": departments}) | Q(
        **{f"{prefix}co_managing_org_department__in": departments}
    )


#: The cadre pickers of the forms (core.widgets.MultiPicker) and the permission whose
#: reach each offers: the roll call's named cadres, the filing's participants, the nominees.
PICK_PURPOSES = {
    "roll_call": ("issue_dispatch",),
    "filing": ("act_as_liaison",),
    # the unit's liaison, or a dispatcher of it (an escalated nomination task)
    "nomination": ("act_as_liaison", "issue_dispatch"),
}
#: the most cadres one search of a picker returns
PICK_LIMIT = 50


def may_pick(user, purpose: str) -> bool:
    """Whether `user` holds the permission of a picker's `purpose` anywhere (the grants
    already read for the request: no query)."""
    perms = PICK_PURPOSES.get(purpose)
    if perms is None or not user.is_authenticated or not user.is_active:
        return False
    roots = grant_roots(user)
    return user.is_superuser or any(roots.get(perm) for perm in perms)


def cadres_offered(user, purpose: str, *, unit_id: int | None = None) -> QuerySet[Cadre]:
    """The cadres a picker offers for `purpose`, the one definition its form and its search
    (/cadres/pick/) share: the cadres of the units in reach for the purpose's permission;
    the nominees, of the allotted unit `unit_id` and the units below it, when that unit is
    in reach. Nothing for an unknown purpose."""
    perms = PICK_PURPOSES.get(purpose)
    if perms is None:
        return Cadre.objects.none()
    if purpose == "nomination":
        allotted = Unit.objects.filter(pk=unit_id or 0).first()
        if allotted is None or not any(has_unit_permission(user, p, allotted) for p in perms):
            return Cadre.objects.none()
        return Cadre.objects.filter(unit__path__startswith=allotted.path)
    return Cadre.objects.filter(unit__in=units_in_reach(user, perms[0]))


def cadre_pick(
    user, purpose: str, *, search: str = "", unit_id: int | None = None
) -> tuple[list[Cadre], bool]:
    """At most PICK_LIMIT of the cadres offered for `purpose` whose name, position or unit
    holds `search`, in tree order, and whether there are more. One query."""
    cadres = cadres_offered(user, purpose, unit_id=unit_id).select_related("unit")
    if search:
        cadres = cadres.filter(
            Q(name__contains=search) | Q(position__contains=search) | Q(unit__name__contains=search)
        )
    found = list(cadres.order_by("unit__path", "name", "pk")[: PICK_LIMIT + 1])
    return found[:PICK_LIMIT], len(found) > PICK_LIMIT


def has_unit_permission(user, perm: str, unit: Unit) -> bool:
    return units_in_reach(user, perm).filter(pk=unit.pk).exists()


def cadre_list(user, *, search: str = "", unit_id: int | None = None) -> QuerySet[Cadre]:
    qs = cadres_in_reach(user).select_related(
        "unit", "managing_org_department__unit", "co_managing_org_department__unit"
    )
    if search:
        qs = qs.filter(Q(name__contains=search) | Q(position__contains=search))
    if unit_id:
        unit = Unit.objects.filter(pk=unit_id).first()
        qs = qs.filter(unit__path__startswith=unit.path) if unit else qs.none()
    return qs


def unit_list(user, *, search: str = "") -> QuerySet[Unit]:
    """The units in reach, in tree order; those whose name or code holds `search`."""
    units = units_in_reach(user).select_related("parent").order_by("path")
    if search:
        units = units.filter(Q(name__contains=search) | Q(code__icontains=search))
    return units


def org_department_list(user) -> QuerySet[OrgDepartment]:
    """Organization departments whose own unit is in reach (the admin's list, the API)."""
    return OrgDepartment.objects.filter(unit__in=units_in_reach(user)).select_related(
        "unit", "jurisdiction"
    )


def reach_sides(user) -> dict[str, bool]:
    """Whether the user's reach holds an organization department's unit ("organizer":
    its roll calls, plans, surveys and classes), an institution's ("institution": the
    classes held there), and any cadre ("cadres": their dispatches, hours and documents —
    none for a registrar whose institution's own staff are not on record): which working
    pages can ever list anything for them. One query (none for a superuser, who reaches
    everything)."""
    if user.is_superuser:
        return {"organizer": True, "institution": True, "cadres": True}
    sides = set(
        units_in_reach(user)
        .annotate(has_cadres=Exists(Cadre.objects.filter(unit=OuterRef("pk"))))
        .filter(Q(kind__in=(UnitKind.ORG_DEPARTMENT, UnitKind.INSTITUTION)) | Q(has_cadres=True))
        .values_list("kind", "has_cadres")
        .distinct()
    )
    return {
        "organizer": any(kind == UnitKind.ORG_DEPARTMENT for kind, _cadres in sides),
        "institution": any(kind == UnitKind.INSTITUTION for kind, _cadres in sides),
        "cadres": any(has_cadres for _kind, has_cadres in sides),
    }


def own_cadre_pk(user) -> int | None:
    """The id of the cadre record linked to `user`'s account (a trainee's own), or None."""
    return Cadre.objects.filter(user=user).values_list("pk", flat=True).first()


def cadre_for_user(user, pk: int) -> Cadre | None:
    return cadre_list(user).filter(pk=pk).first()


def task_reach(user) -> Q:
    """Viewflow tasks the user may claim: the task's permission is held on its scope unit
    (or above it, unless the permission is `NON_INHERITED`). Used by
    `workflow.models.ScopedTaskQuerySet`.

    A short predicate, not a subquery per permission and grant table: permissions held on
    the same units share one condition, `owner_permission IN (…) AND
    owner_permission_obj_pk IN (…)`, whose units are the ids themselves (not inherited) or
    one SELECT of ranges on the path index (inherited)."""
    codenames = {c for perms in ROLE_PERMISSIONS.values() for c in perms}
    if user.is_superuser and user.is_active:
        every_unit = Unit.objects.annotate(pk_text=Cast("pk", output_field=CharField()))
        return Q(
            owner_permission__in=[f"org.{c}" for c in sorted(codenames)],
            owner_permission_obj_pk__in=every_unit.values("pk_text"),
        )
    roots = grant_roots(user)
    shared: dict[tuple, list[str]] = {}
    for codename, units in roots.items():
        if codename not in codenames:
            continue
        if codename in NON_INHERITED:
            key = ("ids", tuple(sorted(str(pk) for pk, _path in units)))
        else:
            key = ("paths", tuple(_topmost(path for _pk, path in units)))
        shared.setdefault(key, []).append(f"org.{codename}")
    condition = Q(pk__in=[])
    for (kind, values), permissions in sorted(shared.items()):
        if kind == "ids":
            scope_pks = list(values)
        else:
            scope_pks = (
                Unit.objects.filter(_within_any(values))
                .annotate(pk_text=Cast("pk", output_field=CharField()))
                .values("pk_text")
            )
        condition |= Q(
            owner_permission__in=sorted(permissions), owner_permission_obj_pk__in=scope_pks
        )
    return condition


def users_reaching(unit, perm: str) -> QuerySet:
    """Active users whose grant of `perm` (direct or through a group) covers `unit`, and —
    by the rule of `units_in_reach` — the deputies of a direct holder while a delegation
    of `perm` runs (not revoked, today within its dates, the holder active): whoever may
    act is told. One
    query."""
    from django.contrib.auth import get_user_model

    def covering(grants):
        grants = grants.filter(permission__codename=perm, permission__content_type__app_label="org")
        if perm in NON_INHERITED:
            return grants.filter(content_object=unit)
        return grants.filter(
            Exists(
                Unit.objects.filter(pk=unit.pk, path__startswith=OuterRef("content_object__path"))
            )
        )

    direct = covering(UnitUserObjectPermission.objects.filter(user=OuterRef("pk")))
    via_group = covering(UnitGroupObjectPermission.objects.filter(group__user=OuterRef("pk")))
    today = timezone.localdate()
    delegated = Delegation.objects.filter(
        Exists(covering(UnitUserObjectPermission.objects.filter(user=OuterRef("delegator")))),
        delegate=OuterRef("pk"),
        delegator__is_active=True,
        permission=f"org.{perm}",
        revoked=False,
        starts_on__lte=today,
        ends_on__gte=today,
    )
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Exists(direct) | Exists(via_group) | Exists(delegated))
    )


def delegations_given(user) -> QuerySet:
    """The delegations a head has given, newest first."""
    from org.models import Delegation

    return (
        Delegation.objects.filter(delegator=user).select_related("delegate").order_by("-starts_on")
    )


def delegations_received(user) -> QuerySet:
    """The delegations to `user` that run today or start later (not revoked, from an
    active account), soonest first: what a deputy acts on, or will."""
    return (
        Delegation.objects.filter(
            delegate=user,
            delegator__is_active=True,
            revoked=False,
            ends_on__gte=timezone.localdate(),
        )
        .select_related("delegator")
        .order_by("starts_on", "pk")
    )


def delegation_given(user, pk: int | None):
    """One of the head's own delegations, or None."""
    return delegations_given(user).filter(pk=pk or 0).first()


def org_departments(pks) -> QuerySet:
    """The organization departments with these ids (a cadre's current ones)."""
    from org.models import OrgDepartment

    return OrgDepartment.objects.filter(pk__in=pks).select_related("unit")
