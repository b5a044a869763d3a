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

from approvals.models import Delegation

from .models import (
    Cadre,
    TrainingClass,
    Unit,
    UnitGroupObjectPermission,
    UnitUserObjectPermission,
)
from .roles import NON_INHERITED, ROLE_PERMISSIONS

READ = "read_scope"


def _grant_covers(grants: QuerySet) -> Exists:
    """True for an outer Unit row when one of `grants` is on that unit or an ancestor."""
    return Exists(grants.filter(StartsWith(OuterRef("path"), F("content_object__path"))))


def _grants(model, who: Q, perm: str):
    return model.objects.filter(
        who, permission__codename=perm, permission__content_type__app_label="dispatch"
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
        permission=f"dispatch.{perm}",
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
    """Cadres of units in reach; a trainee also reaches their own record."""
    if not user.is_authenticated or not user.is_active:
        return Cadre.objects.none()
    if user.is_superuser:
        return Cadre.objects.all()
    condition = Q(unit__in=units_in_reach(user, perm))
    if perm == READ:
        condition |= Q(user=user)
    return Cadre.objects.filter(condition)


def classes_in_reach(user, perm: str = READ) -> QuerySet[TrainingClass]:
    """Classes organized by an org department in reach or held at an institution in reach."""
    if not user.is_authenticated or not user.is_active:
        return TrainingClass.objects.none()
    if user.is_superuser:
        return TrainingClass.objects.all()
    units = units_in_reach(user, perm)
    return TrainingClass.objects.filter(
        Q(organizer__unit__in=units) | Q(institution__unit__in=units)
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


def class_list(user) -> QuerySet[TrainingClass]:
    return classes_in_reach(user).select_related("institution__unit", "organizer__unit")


def unit_list(user) -> QuerySet[Unit]:
    return units_in_reach(user).select_related("parent")


def cadre_for_user(user, pk: int) -> Cadre | None:
    return cadre_list(user).filter(pk=pk).first()


def home_summary(user, roles) -> dict:
    """What each role's landing page shows, a handful of queries in all."""
    import datetime as dt

    from approvals.workflow import ScopedTask

    today = dt.date.today()
    summary = {
        "tasks_mine": ScopedTask.objects.filter(
            flow_task_type="HUMAN", owner=user, status="ASSIGNED"
        ).count(),
        "tasks_queue": ScopedTask.objects.user_queue(user).filter(status="NEW").count(),
    }
    if {"dispatcher", "org_head", "auditor", "registrar"} & set(roles):
        summary["upcoming_classes"] = list(
            class_list(user).filter(end_date__gte=today).order_by("start_date")[:8]
        )
    if set(roles) - {"trainee"}:
        cadres = cadres_in_reach(user)
        summary["unit_count"] = units_in_reach(user).count()
        summary["cadre_count"] = cadres.count()
        summary["dual_managed_count"] = cadres.filter(
            co_managing_org_department__isnull=False
        ).count()
    if {"unit_liaison", "department_head"} & set(roles):
        summary["own_cadres"] = list(cadre_list(user)[:10])
    if "trainee" in roles:
        summary["own_record"] = (
            Cadre.objects.select_related("unit", "managing_org_department__unit")
            .filter(user=user)
            .first()
        )
    return summary


def task_reach(user) -> Q:
    """Viewflow tasks the user may claim: the task's permission is held on its scope unit
    (or above it). Used by `approvals.workflow.ScopedTaskQuerySet` via settings."""
    codenames = sorted({c for perms in ROLE_PERMISSIONS.values() for c in perms})
    condition = Q(pk__in=[])
    for codename in codenames:
        scope_pks = (
            units_in_reach(user, codename)
            .annotate(pk_text=Cast("pk", output_field=CharField()))
            .values("pk_text")
        )
        condition |= Q(
            owner_permission=f"dispatch.{codename}", owner_permission_obj_pk__in=scope_pks
        )
    return condition


def dispatch_list(user, *, status: str | None = None) -> QuerySet:
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Subquery
    from viewflow.workflow.models import Task

    from .models import Dispatch

    open_task = Task.objects.filter(
        process__artifact_content_type=ContentType.objects.get_for_model(Dispatch),
        process__artifact_object_id=OuterRef("pk"),
        flow_task_type="HUMAN",
        status__in=["NEW", "ASSIGNED"],
    ).values("pk")[:1]
    qs = (
        Dispatch.objects.filter(unit__in=units_in_reach(user))
        .select_related("cadre", "unit", "training_class__institution__unit")
        .annotate(open_task_id=Subquery(open_task))
    )
    if status:
        qs = qs.filter(status=status)
    return qs


# Overdue work, for /dispatches/overdue/: open dispatches past a due moment, approval
# decisions overdue or escalated, and units that have not nominated by the deadline. Each
# list is one query: jurisdiction, the open task and whether the user may reassign it are
# subqueries.


def _open_task(model, outer="pk"):
    """The open human task of the processes about the outer row (a `model` instance)."""
    from django.contrib.contenttypes.models import ContentType
    from viewflow.workflow.models import Task

    return Task.objects.filter(
        process__artifact_content_type=ContentType.objects.get_for_model(model),
        process__artifact_object_id=OuterRef(outer),
        flow_task_type="HUMAN",
        status__in=["NEW", "ASSIGNED"],
    )


def _may_reassign(user, outer: str) -> Exists:
    """The user may reassign tasks scoped to the outer row's unit `outer` (see
    `services.tasks.may_reassign`)."""
    return Exists(units_in_reach(user, "issue_dispatch").filter(pk=OuterRef(outer)))


def overdue_dispatches(user, now=None) -> QuerySet:
    """Open dispatches past their confirmation or acknowledgement due moment."""
    from .models import DispatchStatus

    now = now or timezone.now()
    return (
        dispatch_list(user)
        .filter(
            Q(status=DispatchStatus.NAMED, confirm_due__lt=now)
            | Q(status=DispatchStatus.NOTIFIED, acknowledge_due__lt=now)
        )
        .annotate(may_reassign=_may_reassign(user, "unit_id"))
        .order_by("confirm_due", "pk")
    )


def overdue_approval_steps(user, now=None) -> QuerySet:
    """Undecided steps of pending approval requests in reach (the approvals' own rule:
    the department-head scope is in reach) that are past the request's decide-by moment
    or escalated, each with its open task."""
    from django.db.models import Subquery
    from django.db.models.functions import Cast

    from approvals.models import ApprovalRequest, ApprovalStep, Decision, RequestStatus
    from approvals.policy import HEAD_STAGE
    from approvals.services import requests_visible_to

    now = now or timezone.now()
    steps_of_request = ApprovalStep.objects.filter(request=OuterRef("request"))
    latest_round = steps_of_request.order_by("-round").values("round")[:1]
    head_scope = steps_of_request.filter(round=OuterRef("round"), stage=HEAD_STAGE).values(
        "scope_id"
    )[:1]
    # The step's task is the request's open task scoped to the step's authority (the
    # stages run one after the other; the departments of one stage differ).
    task = _open_task(ApprovalRequest, "request_id").filter(
        owner_permission_obj_pk=Cast(OuterRef("scope_id"), CharField())
    )
    return (
        ApprovalStep.objects.filter(
            request__in=requests_visible_to(user),
            request__status=RequestStatus.PENDING,
            decision=Decision.PENDING,
        )
        .filter(Q(request__due_at__lt=now) | Q(escalated=True))
        .annotate(latest_round=Subquery(latest_round))
        .filter(round=F("latest_round"))
        .annotate(open_task_id=Subquery(task.values("pk")[:1]), head_scope=Subquery(head_scope))
        .filter(open_task_id__isnull=False)
        .annotate(may_reassign=_may_reassign(user, "head_scope"))
        .select_related("request")
        .order_by("request__due_at", "pk")
    )


def overdue_nominations(user, now=None) -> QuerySet:
    """Seats of open roll calls in reach whose unit has not nominated by the deadline."""
    from django.db.models import Subquery

    from .models import QuotaAllocation, QuotaStatus, RollCallStatus

    now = now or timezone.now()
    return (
        QuotaAllocation.objects.filter(
            unit__in=units_in_reach(user),
            status=QuotaStatus.AWAITING_NOMINATION,
            roll_call__status=RollCallStatus.OPEN,
            roll_call__response_deadline__lt=now,
        )
        .select_related("unit", "roll_call__training_class")
        .annotate(
            open_task_id=Subquery(_open_task(QuotaAllocation).values("pk")[:1]),
            may_reassign=_may_reassign(user, "unit_id"),
        )
        .order_by("roll_call__response_deadline", "pk")
    )


def task_urls(task_ids) -> dict:
    """The task pages of these tasks, in one query."""
    from viewflow.workflow.models import Task

    tasks = Task.objects.filter(pk__in=[pk for pk in task_ids if pk]).only(
        "pk", "process_id", "flow_task"
    )
    return {
        task.pk: task.flow_task.reverse("index", args=[task.process_id, task.pk]) for task in tasks
    }


def roll_call_list(user) -> QuerySet:
    from .models import RollCall

    return RollCall.objects.filter(org_department__unit__in=units_in_reach(user)).select_related(
        "training_class", "org_department__unit"
    )


def training_record(cadre) -> dict:
    """The cadre's training record (培训档案): timeline and hours by kind and year."""
    from django.db.models import Sum
    from django.db.models.functions import ExtractYear

    from approvals.models import ApprovalRequest

    from .models import Dispatch, HourRecord, Makeup

    dispatches = list(
        Dispatch.objects.filter(cadre=cadre)
        .select_related("training_class__institution__unit")
        .order_by("-training_class__start_date")
    )
    requests = list(
        ApprovalRequest.objects.filter(
            subject_type__model="dispatch", subject_id__in=[d.pk for d in dispatches]
        ).order_by("-created_at")
    )
    makeups = list(Makeup.objects.filter(cadre=cadre).select_related("source__training_class"))
    hours = list(
        HourRecord.objects.filter(cadre=cadre, status="recognized")
        .annotate(year=ExtractYear("date"))
        .values("year", "kind")
        .annotate(total=Sum("hours"))
        .order_by("-year", "kind")
    )
    records = list(HourRecord.objects.filter(cadre=cadre).order_by("-date")[:100])
    return {
        "dispatches": dispatches,
        "requests": requests,
        "makeups": makeups,
        "hours_by_year": hours,
        "records": records,
    }


def documents_visible_to(user) -> QuerySet:
    """Issued documents the user may open: a trainee's own notices; notices of dispatches
    and roll calls that reach the user's units; circulars of a department whose
    jurisdiction holds any of the user's units."""
    from django.contrib.contenttypes.models import ContentType

    from notifications.models import IssuedDocument

    from .models import Circular, Dispatch, RollCall

    if not user.is_authenticated or not user.is_active:
        return IssuedDocument.objects.none()
    if user.is_superuser:
        return IssuedDocument.objects.all()
    reach = units_in_reach(user)

    def of(model, queryset):
        return Q(
            subject_type=ContentType.objects.get_for_model(model),
            subject_id__in=queryset.values("pk"),
        )

    dispatches = Dispatch.objects.filter(Q(unit__in=reach) | Q(cadre__user=user))
    roll_calls = RollCall.objects.filter(
        Q(org_department__unit__in=reach) | Q(dispatches__unit__in=reach)
    )
    circulars = Circular.objects.filter(
        Exists(reach.filter(path__startswith=OuterRef("org_department__jurisdiction__path")))
    )
    return IssuedDocument.objects.filter(
        of(Dispatch, dispatches) | of(RollCall, roll_calls) | of(Circular, circulars)
    )


def users_reaching(unit, perm: str) -> QuerySet:
    """Active users whose grant of `perm` (direct or through a group) covers `unit`, and —
    by the rule of `units_in_reach` — the deputies of a direct holder while a delegation
    of `perm` runs (not revoked, today within its dates): whoever may act is told. One
    query."""
    from django.contrib.auth import get_user_model

    def covering(grants):
        grants = grants.filter(
            permission__codename=perm, permission__content_type__app_label="dispatch"
        )
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
        permission=f"dispatch.{perm}",
        revoked=False,
        starts_on__lte=today,
        ends_on__gte=today,
    )
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Exists(direct) | Exists(via_group) | Exists(delegated))
    )
