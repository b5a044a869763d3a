"""Reads, filtered to what a user may see.

Jurisdiction: a user holds a permission on some units (directly or through a group);
the permission reaches those units and every unit below them. Each selector below is a
single SQL query: the grants are joined in a subquery on the materialized path, never
expanded in Python.
"""

from django.db.models import CharField, Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import Exact, In
from django.utils import timezone

from core import statements
from core.formatting import format_span
from core.planner import Unindexed
from dispatch import policy
from dispatch.acknowledgement import NOTICE_VOIDED
from dispatch.models import TrainingClass
from org.models import Cadre
from org.selectors import READ, cadres_in_reach, reach_key, units_in_reach
from workflow.policy import may_reassign_exists

#: a dispatch whose cadre is expected in the class: attendance is still to be recorded
ATTENDANCE_PENDING_STATUSES = ["confirmed", "notified", "acknowledged"]


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


def institution_list(user) -> QuerySet:
    """Institutions whose unit is in reach (the admin's list, the API)."""
    from dispatch.models import Institution

    return Institution.objects.filter(unit__in=units_in_reach(user)).select_related("unit")


def class_list(user) -> QuerySet[TrainingClass]:
    return classes_in_reach(user).select_related("institution__unit", "organizer__unit")


def makeup_class_choices(user) -> QuerySet[TrainingClass]:
    """The classes a dispatcher may schedule an owed makeup into (the task page and the
    API offer the same): not cancelled, not begun yet, organized within their dispatch jurisdiction;
    `makeup_schedule` asks the rest (dates, seats, clashes)."""
    from django.utils import timezone

    from org import selectors as org_selectors

    units = org_selectors.units_in_reach(user, "issue_dispatch")
    return (
        class_list(user)
        .held()
        .filter(start_date__gt=timezone.localdate(), organizer__unit__in=units)
    )


def home_summary(user, roles) -> dict:
    """What each role's landing page shows, a handful of queries in all (the task counts
    and first rows are the 我的待办 block's own: `workflow.mytasks.summary`)."""
    import datetime as dt

    from django.db.models import Count

    today = dt.date.today()
    summary = {"today": today}
    if {"dispatcher", "org_head", "auditor", "registrar"} & set(roles):
        # A class that has ended stays while attendance is still to be recorded.
        from dispatch.models import Dispatch

        pending = Exists(
            Dispatch.objects.filter(
                training_class=OuterRef("pk"), status__in=ATTENDANCE_PENDING_STATUSES
            )
        )
        summary["upcoming_classes"] = list(
            class_list(user)
            .held()
            .annotate(attendance_pending=pending)
            .filter(Q(end_date__gte=today) | Q(attendance_pending=True))
            .order_by("start_date")[:8]
        )
    # The figures and first rows of the reach, from statements compiled once per reach
    # (core.statements: building them cost the ORM more than running them).
    key = ("home", *reach_key(user))
    if set(roles) - {"trainee"}:
        (unit_count,) = statements.first(
            (*key, "units"),
            lambda: statements.totals(units_in_reach(user), n=Count("pk")),
            default=(0,),
        )
        cadre_count, dual_managed_count = statements.first(
            (*key, "cadres"),
            lambda: statements.totals(
                cadres_in_reach(user),
                cadre_count=Count("pk"),
                dual_managed_count=Count("pk", filter=Q(co_managing_org_department__isnull=False)),
            ),
            default=(0, 0),
        )
        summary.update(
            unit_count=unit_count, cadre_count=cadre_count, dual_managed_count=dual_managed_count
        )
    if {"unit_liaison", "department_head"} & set(roles):
        # The first rows of the cadre list, only the columns the block shows.
        summary["own_cadres"] = [
            {"pk": pk, "name": name, "position": position, "unit": unit}
            for pk, name, position, unit in statements.rows(
                (*key, "own-cadres"),
                lambda: cadres_in_reach(user).values_list("pk", "name", "position", "unit__name")[
                    :10
                ],
            )
        ]
    if "trainee" in roles:
        summary["own_record"] = (
            Cadre.objects.select_related("unit", "managing_org_department__unit")
            .filter(user=user)
            .first()
        )
    return summary


def dispatch_list(user, *, status: str | None = None) -> QuerySet:
    """Dispatches in reach, each with its open task (`open_task_id`)."""
    from dispatch.models import Dispatch

    open_task = _open_task(Dispatch).values("pk")[:1]
    return dispatch_rows(user, status=status).annotate(open_task_id=Subquery(open_task))


#: The list's filter value for an approved leave: stored as deferred, shown as 请假
#: (`Dispatch.get_status_display`).
LEAVE_STATUS = "leave"


def dispatch_status_choices() -> list[tuple[str, str]]:
    """The statuses a list of dispatches is filtered by, as the list shows them: 请假
    beside 缓训, though both are stored as deferred."""
    from dispatch.models import DispatchStatus, RequestKind

    choices = []
    for value, label in DispatchStatus.choices:
        choices.append((value, label))
        if value == DispatchStatus.DEFERRED:
            choices.append((LEAVE_STATUS, RequestKind.LEAVE.label))
    return choices


def dispatch_rows(user, *, status: str | None = None) -> QuerySet:
    """`dispatch_list` without its per-row open task (to be paged first); `status` one of
    `dispatch_status_choices()`."""
    from dispatch.models import Dispatch, DispatchStatus, RequestKind

    qs = Dispatch.objects.filter(unit__in=units_in_reach(user)).select_related(
        "cadre", "unit", "training_class__institution__unit"
    )
    if status == LEAVE_STATUS:
        qs = qs.filter(status=DispatchStatus.DEFERRED, request_kind=RequestKind.LEAVE)
    elif status == DispatchStatus.DEFERRED:
        qs = qs.filter(status=status).exclude(request_kind=RequestKind.LEAVE)
    elif status:
        qs = qs.filter(status=status)
    return qs


def _open_task(model, outer="pk"):
    """The open human task of the processes about the outer row (a `model` instance)."""
    from django.contrib.contenttypes.models import ContentType
    from viewflow.workflow.models import Task

    # Found through the process's artifact index, not by walking every open task
    # (`core.planner`).
    return Task.objects.filter(
        In(Unindexed(F("status")), ["NEW", "ASSIGNED"]),
        process__artifact_content_type=ContentType.objects.get_for_model(model),
        process__artifact_object_id=OuterRef(outer),
        flow_task_type="HUMAN",
    )


def _may_reassign(user, outer: str) -> Exists:
    """The user may reassign tasks scoped to the outer row's unit `outer`: the SQL form
    of `workflow.policy.may_reassign` (the row's unit is its process's scope)."""
    return may_reassign_exists(user, outer)


def overdue_dispatches(user, now=None) -> QuerySet:
    """Open dispatches past their confirmation or acknowledgement due moment, each with
    its open task and whether the user may reassign it."""
    return overdue_dispatch_tasks(overdue_dispatch_rows(user, now), user)


def overdue_dispatch_rows(user, now=None) -> QuerySet:
    """`overdue_dispatches` without the per-row subqueries (the page is cut from these
    rows first: `core.paging`). Once the class has begun the confirmation or
    acknowledgement is moot, not overdue (the registrar records attendance instead)."""
    from dispatch.models import DispatchStatus

    now = now or timezone.now()
    return (
        dispatch_rows(user)
        .filter(
            Q(status=DispatchStatus.NAMED, confirm_due__lt=now)
            | Q(status=DispatchStatus.NOTIFIED, acknowledge_due__lt=now)
        )
        .exclude(policy.classes_begun(timezone.localdate(now)))
        .order_by("confirm_due", "pk")
    )


def overdue_dispatch_tasks(dispatches, user) -> QuerySet:
    """Overdue `dispatches` with their open task (`open_task_id`) and `may_reassign`."""
    from dispatch.models import Dispatch

    return dispatches.annotate(
        open_task_id=Subquery(_open_task(Dispatch).values("pk")[:1]),
        may_reassign=_may_reassign(user, "unit_id"),
    )


def overdue_approval_steps(user, now=None) -> QuerySet:
    """Undecided steps of pending approval requests in reach (the approvals' own rule:
    the department-head scope is in reach) that are past their own decide-by moment
    (`ApprovalStep.due_at`, each step's window) or escalated, each with its open task."""
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
        .filter(Q(due_at__lt=now) | Q(escalated=True))
        .annotate(latest_round=Subquery(latest_round))
        .filter(round=F("latest_round"))
        .annotate(open_task_id=Subquery(task.values("pk")[:1]), head_scope=Subquery(head_scope))
        .filter(open_task_id__isnull=False)
        .annotate(may_reassign=_may_reassign(user, "head_scope"))
        .select_related("request")
        .order_by("due_at", "pk")
    )


def overdue_nominations(user, now=None) -> QuerySet:
    """Seats of open roll calls in reach whose unit has not nominated by the deadline."""

    from dispatch.models import QuotaAllocation, QuotaStatus, RollCallStatus

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


def class_dispatch_counts(training_class) -> list[tuple[str, str, int]]:
    """(status, label, count) of the class's dispatches, in the order of their course
    (named … attended, then the others), those with none left out: one query."""
    from dispatch.models import Dispatch, DispatchStatus

    counts = dict(
        Dispatch.objects.filter(training_class=training_class)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return [(s.value, s.label, counts[s.value]) for s in DispatchStatus if counts.get(s.value)]


def class_roll_calls(user, training_class) -> QuerySet:
    """The class's roll calls the user sees (`roll_call_list`), latest first, at most
    twenty (a class has one or two: the organizer's, a partner's)."""
    return roll_call_list(user).filter(training_class=training_class).order_by("-pk")[:20]


def roll_call_list(user) -> QuerySet:
    from dispatch.models import RollCall

    return RollCall.objects.filter(org_department__unit__in=units_in_reach(user)).select_related(
        "training_class", "org_department__unit"
    )


def roll_call_dispatches(roll_call) -> QuerySet:
    """A roll call's dispatches, by unit then name (its page shows them a page at a time),
    each with the name of who answered its confirmation (`confirmed_by_name`, '' while
    nobody has): one query."""
    return with_confirmed_by(roll_call_dispatch_rows(roll_call))


def roll_call_dispatch_rows(roll_call) -> QuerySet:
    """A roll call's dispatches in their order, without who answered (the page is cut
    from these rows first: `core.paging`)."""
    return roll_call.dispatches.select_related("cadre", "unit").order_by(
        "unit__path", "cadre__name", "pk"
    )


def with_confirmed_by(dispatches) -> QuerySet:
    """`dispatches`, each with the name of who answered its confirmation
    (`confirmed_by_name`, '' while nobody has)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Value
    from django.db.models.functions import Coalesce, Concat, NullIf
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from dispatch.models import Dispatch

    answered = Task.objects.filter(
        Exact(Unindexed(F("status")), STATUS.DONE),  # through the artifact (core.planner)
        process__artifact_content_type=ContentType.objects.get_for_model(Dispatch),
        process__artifact_object_id=OuterRef("pk"),
        flow_task__endswith=".confirm",
        owner__isnull=False,
    ).order_by("-finished", "-pk")
    name = Coalesce(
        NullIf(
            Concat("owner__first_name", "owner__last_name", output_field=CharField()), Value("")
        ),
        "owner__username",
        output_field=CharField(),
    )
    return dispatches.annotate(
        confirmed_by_name=Coalesce(
            Subquery(answered.annotate(answerer=name).values("answerer")[:1]),
            Value(""),
            output_field=CharField(),
        )
    )


def _notices_in_force(dispatches) -> QuerySet:
    """Those of `dispatches` whose notice was issued and stands: not voided with the
    dispatch (`acknowledgement.NOTICE_VOIDED`); a notice replaced on a class change is
    not counted either, its dispatch naming the newer one."""
    return dispatches.exclude(notice_reference="").exclude(status__in=NOTICE_VOIDED)


def roll_call_notified(roll_call) -> QuerySet:
    """The dispatches of a roll call whose notice is in force (its acknowledgement list)."""
    return _notices_in_force(roll_call_dispatches(roll_call))


def acknowledgement_counts(roll_call) -> dict:
    """{"total": notices in force, "pending": not yet acknowledged}, in one query — a
    notice whose trainee asked leave, deferral or exemption at 签收 stands and is not
    acknowledged while the request waits: pending."""
    from dispatch.models import DispatchStatus

    waiting = (DispatchStatus.NOTIFIED, DispatchStatus.REQUESTED)
    return _notices_in_force(roll_call.dispatches.all()).aggregate(
        total=Count("pk"), pending=Count("pk", filter=Q(status__in=waiting))
    )


def dispatch_documents(user) -> Q:
    """Documents about dispatches and roll calls the user may open: a trainee's own
    notices, and those of dispatches and roll calls that reach the user's units
    (registered with `notifications.reach.register_document_reach` in
    `DispatchConfig.ready`)."""
    from dispatch.models import Dispatch, RollCall
    from notifications.reach import subject_in

    reach = units_in_reach(user)
    dispatches = Dispatch.objects.filter(Q(unit__in=reach) | Q(cadre__user=user))
    roll_calls = RollCall.objects.filter(
        Q(org_department__unit__in=reach) | Q(dispatches__unit__in=reach)
    )
    return subject_in(Dispatch, dispatches) | subject_in(RollCall, roll_calls)


def filing_list(user) -> QuerySet:
    """Filings (报备) of units in reach, and those naming a cadre in reach (the cadre's
    training record lists them)."""
    from dispatch.models import Filing

    participant_in_reach = Filing.participants.through.objects.filter(
        filing=OuterRef("pk"), cadre__in=cadres_in_reach(user)
    )
    return Filing.objects.filter(
        Q(unit__in=units_in_reach(user)) | Exists(participant_in_reach)
    ).select_related("unit", "filed_by")


def makeup_list(user) -> QuerySet:
    """Makeup training owed by cadres in reach (as their training record shows it)."""
    from dispatch.models import Makeup

    return Makeup.objects.filter(cadre__in=cadres_in_reach(user)).select_related(
        "cadre__unit", "source__training_class"
    )


def dispatches_ruling_out(training_class) -> QuerySet:
    """The dispatches that keep their cadres from `training_class`: one to the class itself
    in any status but cancelled (a cadre is dispatched to a class once, held by the
    constraint `dispatch_cadre_class_once`: a cadre excused from it, or absent, makes it
    up in another class), or a live one (BUSY_DISPATCH_STATUSES) to a class whose dates
    overlap it. The one rule of every booking path and of every suggestion."""
    from dispatch.models import BUSY_DISPATCH_STATUSES, Dispatch, DispatchStatus

    return Dispatch.objects.filter(
        (Q(training_class=training_class) & ~Q(status=DispatchStatus.CANCELLED))
        | Q(
            status__in=BUSY_DISPATCH_STATUSES,
            training_class__start_date__lte=training_class.end_date,
            training_class__end_date__gte=training_class.start_date,
        )
    )


def busy_periods(cadres) -> dict[str, list]:
    """{cadre id: [[start, end, class name, class id, the dates as the page prints them],
    ...]}: the classes not yet over that already keep each of `cadres` busy
    (BUSY_DISPATCH_STATUSES), for the roll call form's warning of a clash before it is
    sent (ISO dates to compare, the printed span to show). One query."""
    import datetime as dt

    from dispatch.models import BUSY_DISPATCH_STATUSES, Dispatch

    rows = (
        Dispatch.objects.filter(
            cadre__in=cadres,
            status__in=BUSY_DISPATCH_STATUSES,
            training_class__end_date__gte=dt.date.today(),
        )
        .order_by("training_class__start_date", "pk")
        .values_list(
            "cadre_id",
            "training_class__start_date",
            "training_class__end_date",
            "training_class__name",
            "training_class_id",
        )
    )
    result: dict[str, list] = {}
    for cadre_id, start, end, name, class_id in rows:
        result.setdefault(str(cadre_id), []).append(
            [start.isoformat(), end.isoformat(), name, class_id, format_span(start, end)]
        )
    return result
