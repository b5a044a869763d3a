"""Reads, filtered to what a user may see.

Jurisdiction: a user holds a permission on some units (directly or through a group);
the permission reaches those units and every unit below them. Each selector below is a
single SQL query: the grants are joined in a subquery on the materialized path, never
expanded in Python.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.db.models.lookups import StartsWith
from django.utils import timezone

from approvals.models import Delegation

from .models import (
    Cadre,
    OrgDepartment,
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


@dataclass
class RecordEvent:
    """One line of a training record's timeline."""

    date: dt.date
    kind: str  # what sort of event, in words
    what: str
    status: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url) the viewer may open
    overdue: bool = False
    order: tuple = ()  # ties on one day: the order below, then the row's id


# Ties on one day read in this order (newest first: the reverse).
_EVENT_ORDER = {"dispatch": 0, "request": 1, "makeup": 2, "filing": 3, "recognition": 4, "hours": 5}


def training_record(cadre, user=None, today: dt.date | None = None) -> dict:
    """The cadre's training record (培训档案): one timeline, newest first, of dispatches
    (class and status), leave/deferral/exemption requests and their decision, makeups
    (owed, scheduled, attended, overdue), hour-recognition requests and their decision,
    filings the cadre took part in, and the hour records of the ledger (those of a
    recognition request are that request's line); the hours by kind and year.

    Each line links to the pages `user` may open: process pages of the flows whose scope
    the user's jurisdiction reaches, classes in reach, issued notices the user may read
    and a trainee's own open acknowledgement. A fixed number of queries, however long
    the record."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Subquery, Sum
    from django.db.models.functions import ExtractYear
    from django.urls import reverse
    from django.utils.translation import gettext as _
    from viewflow.workflow.models import Process

    from approvals.flows import ApprovalFlow
    from approvals.models import ApprovalRequest, ApprovalStep
    from approvals.policy import HEAD_STAGE

    from . import flows
    from .models import (
        Dispatch,
        DispatchKind,
        Filing,
        HourRecord,
        HourSource,
        Makeup,
        MakeupStatus,
        RequestKind,
    )
    from .notices import acknowledge_task_urls

    today = today or timezone.localdate()
    ct = ContentType.objects.get_for_models(Dispatch, HourRecord, Makeup, Filing, ApprovalRequest)
    dispatches = list(
        Dispatch.objects.filter(cadre=cadre)
        .select_related("training_class__institution__unit")
        .order_by("-training_class__start_date", "-pk")
    )
    makeups = list(
        Makeup.objects.filter(cadre=cadre).select_related("source__training_class").order_by("pk")
    )
    records = list(HourRecord.objects.filter(cadre=cadre).order_by("-date", "-pk"))
    recognitions = [r for r in records if r.source == HourSource.RECOGNITION]
    filings = list(Filing.objects.filter(participants=cadre).order_by("-start_date", "-pk"))
    head_scope = (
        ApprovalStep.objects.filter(request=OuterRef("pk"), stage=HEAD_STAGE)
        .order_by("-round", "pk")
        .values("scope_id")[:1]
    )
    requests = list(
        ApprovalRequest.objects.filter(
            Q(
                subject_type=ct[Dispatch],
                subject_id__in=Dispatch.objects.filter(cadre=cadre).values("pk"),
            )
            | Q(subject_type=ct[HourRecord], subject_id__in=[r.pk for r in recognitions])
        )
        .annotate(head_scope_id=Subquery(head_scope))
        .order_by("created_at", "pk")
    )
    dispatch_requests = [r for r in requests if r.subject_type_id == ct[Dispatch].pk]
    recognition_request = {
        r.subject_id: r for r in requests if r.subject_type_id == ct[HourRecord].pk
    }

    # What the viewer may open: process pages within their jurisdiction (the flows'
    # `scope_of`), classes in reach, notices they may read, their own acknowledgement.
    scopes = {
        "DispatchFlow": {d.pk: d.unit_id for d in dispatches},
        "ApprovalFlow": {r.pk: r.head_scope_id for r in requests},
        "MakeupFlow": {m.pk: cadre.unit_id for m in makeups},
        "RecognitionFlow": {r.pk: cadre.unit_id for r in recognitions},
        "FilingFlow": {f.pk: f.unit_id for f in filings},
    }
    flow_classes = {
        "DispatchFlow": (flows.DispatchFlow, Dispatch),
        "ApprovalFlow": (ApprovalFlow, ApprovalRequest),
        "MakeupFlow": (flows.MakeupFlow, Makeup),
        "RecognitionFlow": (flows.RecognitionFlow, HourRecord),
        "FilingFlow": (flows.FilingFlow, Filing),
    }
    unit_ids = {unit for by_pk in scopes.values() for unit in by_pk.values() if unit}
    reach = (
        set(units_in_reach(user).filter(pk__in=unit_ids).values_list("pk", flat=True))
        if user is not None and unit_ids
        else set()
    )
    process_url: dict[tuple[str, int], str] = {}
    wanted = Q(pk__in=[])
    for flow_name, by_pk in scopes.items():
        visible = [pk for pk, unit in by_pk.items() if unit in reach]
        if visible:
            flow_class, model = flow_classes[flow_name]
            wanted |= Q(
                flow_class=flow_class,
                artifact_content_type=ct[model],
                artifact_object_id__in=visible,
            )
    if reach:
        names = {flow_class: name for name, (flow_class, _model) in flow_classes.items()}
        for flow_class, object_id, pk in (
            Process.objects.filter(wanted)
            .order_by("pk")
            .values_list("flow_class", "artifact_object_id", "pk")
        ):
            name = names.get(flow_class)
            if name:
                process_url[(name, object_id)] = flow_class.instance.reverse(
                    "process_detail", args=[pk]
                )
    class_ids = {d.training_class_id for d in dispatches}
    classes = (
        set(classes_in_reach(user).filter(pk__in=class_ids).values_list("pk", flat=True))
        if user is not None and class_ids
        else set()
    )
    notices: dict[int, list] = {}
    if user is not None and dispatches:
        from django.db.models import Max

        documents = (
            documents_visible_to(user)
            .filter(subject_type=ct[Dispatch], subject_id__in=[d.pk for d in dispatches])
            .values("subject_id", "kind")
            .annotate(latest=Max("pk"))
            .order_by("subject_id", "kind")
        )
        for row in documents:
            notices.setdefault(row["subject_id"], []).append(row["latest"])
    acknowledge = {}
    if user is not None and cadre.user_id == user.pk:
        acknowledge = acknowledge_task_urls(d for d in dispatches if d.status == "notified")

    def process_link(flow_name, pk):
        url = process_url.get((flow_name, pk))
        return [(_("Process"), url)] if url else []

    events: list[RecordEvent] = []
    for d in dispatches:
        klass = d.training_class
        links = process_link("DispatchFlow", d.pk)
        if klass.pk in classes:
            links.append((_("Training class"), reverse("class_detail", args=[klass.pk])))
        for document_id in notices.get(d.pk, []):
            links.append((_("Notice"), reverse("document_download", args=[document_id])))
        if d.pk in acknowledge:
            links.append((_("Acknowledge"), acknowledge[d.pk]))
        status = d.get_status_display()
        if d.hours_credited:
            status = _("%(status)s, %(hours)s hours") % {
                "status": status,
                "hours": d.hours_credited,
            }
        events.append(
            RecordEvent(
                date=klass.start_date,
                kind=_("Makeup dispatch") if d.kind == DispatchKind.MAKEUP else _("Dispatch"),
                what=_("%(class)s (%(start)s – %(end)s, %(institution)s)")
                % {
                    "class": klass.name,
                    "start": klass.start_date.isoformat(),
                    "end": klass.end_date.isoformat(),
                    "institution": klass.institution.unit.name,
                },
                status=status,
                links=links,
                order=(_EVENT_ORDER["dispatch"], d.pk),
            )
        )
    dispatch_by_pk = {d.pk: d for d in dispatches}
    for r in dispatch_requests:
        dispatch = dispatch_by_pk.get(r.subject_id)
        kind = RequestKind(r.kind).label if r.kind in RequestKind.values else r.kind
        events.append(
            RecordEvent(
                date=timezone.localdate(r.created_at),
                kind=_("%(kind)s request") % {"kind": kind},
                what=_("%(class)s: %(reason)s")
                % {
                    "class": dispatch.training_class.name if dispatch else "",
                    "reason": r.reason,
                },
                status=r.get_status_display(),
                links=process_link("ApprovalFlow", r.pk),
                order=(_EVENT_ORDER["request"], r.pk),
            )
        )
    for m in makeups:
        overdue = m.escalated or (
            m.status in (MakeupStatus.OWED, MakeupStatus.SCHEDULED) and m.due_date < today
        )
        status = m.get_status_display()
        if overdue:
            status = _("%(status)s, overdue") % {"status": status}
        events.append(
            RecordEvent(
                date=timezone.localdate(m.created_at),
                kind=_("Makeup training"),
                what=_("For %(class)s (%(reason)s), due by %(due)s")
                % {
                    "class": m.source.training_class.name,
                    "reason": m.get_reason_label(),
                    "due": m.due_date.isoformat(),
                },
                status=status,
                links=process_link("MakeupFlow", m.pk),
                overdue=overdue,
                order=(_EVENT_ORDER["makeup"], m.pk),
            )
        )
    for f in filings:
        events.append(
            RecordEvent(
                date=f.start_date,
                kind=_("Filing"),
                what=_("%(title)s (%(organizer)s, %(start)s – %(end)s, %(hours)s hours)")
                % {
                    "title": f.title,
                    "organizer": f.organizer_name,
                    "start": f.start_date.isoformat(),
                    "end": f.end_date.isoformat(),
                    "hours": f.hours,
                },
                status=f.get_status_display(),
                links=process_link("FilingFlow", f.pk),
                order=(_EVENT_ORDER["filing"], f.pk),
            )
        )
    for h in records:
        described = {
            "hours": h.hours,
            "kind": h.get_kind_display(),
            "date": h.date.isoformat(),
            "note": h.note,
        }
        if h.source == HourSource.RECOGNITION:
            request = recognition_request.get(h.pk)
            links = process_link("RecognitionFlow", h.pk)
            if request is not None:
                links += [
                    (_("Approval"), url) for _label, url in process_link("ApprovalFlow", request.pk)
                ]
            events.append(
                RecordEvent(
                    date=timezone.localdate(h.created_at),
                    kind=_("Hour recognition"),
                    what=_("%(hours)s hours of %(kind)s on %(date)s — %(note)s") % described,
                    status=h.get_status_display(),
                    links=links,
                    order=(_EVENT_ORDER["recognition"], h.pk),
                )
            )
            continue
        events.append(
            RecordEvent(
                date=h.date,
                kind=_("Credit hours"),
                what=_("%(hours)s hours of %(kind)s (%(source)s) %(note)s")
                % {**described, "source": h.get_source_display()},
                status=h.get_status_display(),
                order=(_EVENT_ORDER["hours"], h.pk),
            )
        )
    events.sort(key=lambda e: (e.date, e.order), reverse=True)

    by_year: dict[int, dict] = {}
    for row in (
        HourRecord.objects.filter(cadre=cadre, status="recognized")
        .annotate(year=ExtractYear("date"))
        .values("year", "kind")
        .annotate(total=Sum("hours"))
        .order_by("-year", "kind")
    ):
        year = by_year.setdefault(
            row["year"], {"year": row["year"], "concentrated": 0, "online": 0}
        )
        year[row["kind"]] = row["total"]
    hours_by_year = [
        {**year, "total": year["concentrated"] + year["online"]} for year in by_year.values()
    ]
    return {
        "timeline": events,
        "hours_by_year": hours_by_year,
        "dispatches": dispatches,
        "makeups": makeups,
        "filings": filings,
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
