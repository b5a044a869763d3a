"""Reads, filtered to what a user may see.

Jurisdiction: a user holds a permission on some units (directly or through a group);
the permission reaches those units and every unit below them. Each selector below is a
single SQL query: the grants are joined in a subquery on the materialized path, never
expanded in Python.
"""

from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.db.models.lookups import StartsWith
from django.utils import timezone

from org.models import (
    Cadre,
    Delegation,
    OrgDepartment,
    Unit,
    UnitGroupObjectPermission,
    UnitUserObjectPermission,
)
from org.roles import NON_INHERITED, ROLE_PERMISSIONS

READ = "read_scope"


def _grant_covers(grants: QuerySet) -> Exists:
    """True for an outer Unit row when one of `grants` is on that unit or an ancestor."""
    return Exists(grants.filter(StartsWith(OuterRef("path"), F("content_object__path"))))


def _grants(model, who: Q, perm: str):
    return model.objects.filter(
        who, permission__codename=perm, permission__content_type__app_label="org"
    )


def units_in_reach(user, perm: str = READ) -> QuerySet[Unit]:
    """Units on which `user` holds `perm` — directly, through a group, or through an
    active delegation from someone who holds it — and, unless the permission is one of
    `NON_INHERITED`, every unit below them. One query."""
    if not user.is_authenticated or not user.is_active:
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    today = timezone.localdate()
    delegators = Delegation.objects.filter(
        delegate=user,
        permission=f"org.{perm}",
        revoked=False,
        starts_on__lte=today,
        ends_on__gte=today,
    ).values("delegator")
    user_grants = _grants(UnitUserObjectPermission, Q(user=user) | Q(user__in=delegators), perm)
    group_grants = _grants(UnitGroupObjectPermission, Q(group__user=user), perm)
    if perm in NON_INHERITED:
        return Unit.objects.filter(
            Q(pk__in=user_grants.values("content_object"))
            | Q(pk__in=group_grants.values("content_object"))
        )
    return Unit.objects.filter(_grant_covers(user_grants) | _grant_covers(group_grants))


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


def unit_list(user) -> QuerySet[Unit]:
    return units_in_reach(user).select_related("parent")


def org_department_list(user) -> QuerySet[OrgDepartment]:
    """Organization departments whose own unit is in reach (the admin's list, the API)."""
    return OrgDepartment.objects.filter(unit__in=units_in_reach(user)).select_related(
        "unit", "jurisdiction"
    )


def cadre_for_user(user, pk: int) -> Cadre | None:
    return cadre_list(user).filter(pk=pk).first()


def task_reach(user) -> Q:
    """Viewflow tasks the user may claim: the task's permission is held on its scope unit
    (or above it). Used by `workflow.models.ScopedTaskQuerySet`."""
    codenames = sorted({c for perms in ROLE_PERMISSIONS.values() for c in perms})
    condition = Q(pk__in=[])
    for codename in codenames:
        scope_pks = (
            units_in_reach(user, codename)
            .annotate(pk_text=Cast("pk", output_field=CharField()))
            .values("pk_text")
        )
        condition |= Q(owner_permission=f"org.{codename}", owner_permission_obj_pk__in=scope_pks)
    return condition


# Overdue work, for /dispatches/overdue/: open dispatches past a due moment, approval
# decisions overdue or escalated, and units that have not nominated by the deadline. Each
# list is one query: jurisdiction, the open task and whether the user may reassign it are
# subqueries.


def users_reaching(unit, perm: str) -> QuerySet:
    """Active users whose grant of `perm` (direct or through a group) covers `unit`, and —
    by the rule of `units_in_reach` — the deputies of a direct holder while a delegation
    of `perm` runs (not revoked, today within its dates): whoever may act is told. One
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


def delegation_given(user, pk: int | None):
    """One of the head's own delegations, or None."""
    return delegations_given(user).filter(pk=pk or 0).first()


def org_departments(pks) -> QuerySet:
    """The organization departments with these ids (a cadre's current ones)."""
    from org.models import OrgDepartment

    return OrgDepartment.objects.filter(pk__in=pks).select_related("unit")
