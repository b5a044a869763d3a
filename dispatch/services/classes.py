"""Writes. Each function is one business action: atomic, permission-checked where a
user acts, and recorded as an audit event in the same transaction."""

from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.services import change, save_audited
from core.formatting import format_date, format_hours, format_span
from core.twins import refused_as_twin
from dispatch import capacity, twins
from dispatch.models import BUSY_DISPATCH_STATUSES, Dispatch, DispatchStatus, TrainingClass
from dispatch.policy import CLASS_CANCELLED, cancelled_refusal
from dispatch.services.rollcall import seats_left
from org import policy
from org.locks import lock_cadres

#: What a class's recorded attendance rests on, fixed once any is recorded: the
#: institution recorded it, a cadre is recorded present once the class has ended and
#: credited its hours and days (less leave) in an hour record dated its last day, and
#: leave over 1/7 of its hours withdraws them. Changed afterwards, the records would
#: disagree with the class (present in a class not yet ended, hours it no longer has).
FIXED_ONCE_ATTENDED = ("institution_id", "start_date", "end_date", "days", "credit_hours")

#: What a plan line holds while its roll call has not started — the class's dates (the
#: line's dispatch date follows them) and its institution (whose capacity the plan
#: booked): the plan (a new version) is the door that changes them.
PLANNED_FIELDS = ("start_date", "end_date", "report_date", "institution_id")

#: (class ids) -> {class id: the plan (its name) whose published line, roll call not yet
#: started, the class was made from}. Plans live above this app: the planning app
#: registers its answer (`register_plan_holds`) from its AppConfig.
PlanHolds = Callable[[list[int]], dict[int, str]]
_plan_holds: list[PlanHolds] = []


def register_plan_holds(holds: PlanHolds) -> None:
    if holds not in _plan_holds:
        _plan_holds.append(holds)


def plan_holds(class_ids) -> dict[int, str]:
    """{class id: plan} for the classes among `class_ids` whose dates a plan holds."""
    ids = [pk for pk in class_ids if pk]
    held: dict[int, str] = {}
    for holds in _plan_holds if ids else ():
        held.update(holds(ids))
    return held


#: What a trainee's notice (入学通知, 补训通知) prints of its class: its dates, report date
#: and place, its institution, and whether it is studied online. A change of any makes
#: the notices its dispatches hold stale: they are issued again (`class_notices_reissue`).
NOTICE_FIELDS = ("start_date", "end_date", "report_date", "location", "institution_id", "kind")

#: What moves a class under its dispatches: its dates (the moment their open steps end,
#: `dispatch.policy.class_has_begun`), its institution (whose staff record their
#: attendance), and whatever else their notices print (`NOTICE_FIELDS`). A change of any
#: is announced (`register_class_moved`); each hook reacts to its own fields only.
MOVING_FIELDS = ("start_date", "end_date", "institution_id", "report_date", "location", "kind")

#: (training_class, moved, actor) -> None: `moved` the `MOVING_FIELDS` that changed,
#: `training_class` as saved. Run in the transaction of the change. The flows that keep
#: timers or tasks computed from a class register theirs (`dispatch.receivers`): services
#: never import flows.
ClassMoved = Callable[[TrainingClass, frozenset, object], None]
_class_moved: list[ClassMoved] = []


def register_class_moved(hook: ClassMoved) -> None:
    if hook not in _class_moved:
        _class_moved.append(hook)


@transaction.atomic
def class_save_audited(*, actor, training_class: TrainingClass) -> TrainingClass:
    """Save and audit a class, new or changed (`save_audited`; its rules asked by the
    caller); a changed one whose dates or institution moved tells the registered hooks
    (`register_class_moved`), in the same transaction. The write of every door that
    changes a class: `training_class_save`, the class import, the admin. A twin of another
    class (`twins.class_twin_refusal`) is refused here, by every door — by the model's
    validation (`class_once`), or by the database when both are saved at once. A
    cancelled class is refused by every door too."""
    before = None
    if training_class.pk is not None:
        before = (
            TrainingClass.objects.filter(pk=training_class.pk)
            .values(*MOVING_FIELDS, "cancelled_at")
            .first()
        )
    if before is not None and before.pop("cancelled_at") is not None:
        raise ValidationError(CLASS_CANCELLED)
    if before is not None and (
        (before["start_date"], before["end_date"])
        != (training_class.start_date, training_class.end_date)
    ):
        require_trainees_free(training_class)
    with refused_as_twin(lambda: twins.class_twin_refusal(training_class), field="name"):
        save_audited(actor=actor, instance=training_class, verb_prefix="class")
    moved = frozenset(
        field
        for field in MOVING_FIELDS
        if before is not None and before[field] != getattr(training_class, field)
    )
    for hook in _class_moved if moved else ():
        hook(training_class, moved, actor)
    return training_class


def trainees_elsewhere(class_ids) -> dict[int, list[tuple]]:
    """{class id: [(cadre name, class name, start, end) of each live dispatch
    (BUSY_DISPATCH_STATUSES) that a trainee of the class holds to another class]}, for
    `trainees_clash_refusal`. Two queries, however many classes."""
    busy = Dispatch.objects.filter(status__in=BUSY_DISPATCH_STATUSES)
    trainees: dict[int, list[int]] = {}
    for class_id, cadre_id in busy.filter(training_class__in=list(class_ids)).values_list(
        "training_class_id", "cadre_id"
    ):
        trainees.setdefault(cadre_id, []).append(class_id)
    held: dict[int, list[tuple]] = {}
    rows = busy.filter(cadre_id__in=list(trainees)).values_list(
        "cadre_id",
        "cadre__name",
        "training_class_id",
        "training_class__name",
        "training_class__start_date",
        "training_class__end_date",
    )
    for cadre_id, cadre, other_id, other, start, end in rows.order_by("cadre__name", "pk"):
        for class_id in trainees[cadre_id]:
            if class_id != other_id:
                held.setdefault(class_id, []).append((cadre, other, start, end))
    return held


def require_trainees_free(training_class: TrainingClass) -> None:
    """Refuse the class's new dates when they would put one of its trainees in two
    overlapping classes (`trainees_clash_refusal`), asked as a booking asks: its trainees
    locked (key order), then the class's row, then its trainees read again — a booking
    that committed meanwhile is among them (their rows are free by then), and one still
    running waits for this move and then reads the new dates (`rollcall.check_cadres_free`)."""
    start, end = training_class.start_date, training_class.end_date
    lock_cadres(_trainees(training_class))
    TrainingClass.objects.select_for_update().filter(pk=training_class.pk).first()
    if refusal := trainees_clash_refusal(training_class, start, end, lock=True):
        raise ValidationError({"start_date": refusal})


def _trainees(training_class: TrainingClass):
    return Dispatch.objects.filter(
        training_class=training_class, status__in=BUSY_DISPATCH_STATUSES
    ).values_list("cadre_id", flat=True)


def trainees_clash_refusal(
    training_class: TrainingClass, start, end, *, lock=False, elsewhere=None
) -> str:
    """Why the class may not move to `start`–`end`: one of its trainees (a live dispatch)
    would be in two overlapping classes — the rule every booking keeps
    (`rollcall.check_cadres_free`), kept when the class moves instead; "" if none.
    `elsewhere`: what `trainees_elsewhere` says of the class, when asked for many at once.
    `lock`: the trainees are locked first (`lock_cadres`, before the class row, as every
    booking path takes them), so a booking racing the move waits and sees the new dates."""
    if lock:
        lock_cadres(_trainees(training_class))
    if elsewhere is None:
        elsewhere = trainees_elsewhere([training_class.pk]).get(training_class.pk, [])
    for cadre, other, other_start, other_end in elsewhere:
        if other_start <= end and other_end >= start:
            return _(
                "On these dates %(name)s, dispatched to this class, would also be in "
                "%(klass)s (%(dates)s): a cadre is never in two overlapping classes."
            ) % {"name": cadre, "klass": other, "dates": format_span(other_start, other_end)}
    return ""


#: A dispatch holding a notice of its class still in force: issued, and the dispatch not
#: closed (attended, absent, withdrawn, deferred, exempt or cancelled) — nor excused yet by
#: a request made instead of 签收, which leaves it in force while it awaits its decision.
NOTICE_HOLDING_STATUSES = (DispatchStatus.NOTIFIED, DispatchStatus.ACKNOWLEDGED)
NOTICE_HOLDING = Q(status__in=NOTICE_HOLDING_STATUSES) | (
    Q(status=DispatchStatus.REQUESTED) & ~Q(notice_reference="")
)


@transaction.atomic
def class_notices_reissue(*, actor, training_class: TrainingClass, changed) -> list[Dispatch]:
    """The class changed what its notices print (`changed`, among `NOTICE_FIELDS`): each
    of its dispatches holding a notice still in force has it issued again, superseding
    the old one (`documents.reissue_notice`), its `notice_reference` set to the new number
    (audited, `dispatch.notice_reissue`), and its trainee told once, with the new notice
    (`class_change_notices.notice_reissued`); each liaison of a unit with cadres still
    dispatched to the class is told once too, in ONE message naming their cadres by unit
    and carrying the new notices of those without an account, to 签收 for them at once
    (`class_change_notices.units_told`: the 调训通知 they hold printed the class as it
    was). A notified dispatch is still acknowledged
    through its flow, with a fresh window to sign the new notice: as long as the first
    notice gave (`acknowledge_due_for`; its flow's deadline timers follow,
    `dispatch.receivers.on_class_moved`); an acknowledged one stays so. Nothing for a
    class already over. Run in the transaction of the change
    (`dispatch.receivers.on_class_moved`)."""
    from dispatch import class_change_notices, documents
    from dispatch.services.dispatching import acknowledge_due_for

    changed = frozenset(changed) & frozenset(NOTICE_FIELDS)
    if not changed or training_class.end_date < timezone.localdate():
        return []
    dispatches = list(
        Dispatch.objects.select_for_update(of=("self",))
        .filter(NOTICE_HOLDING, training_class=training_class)
        .select_related(
            "cadre__user",
            "cadre__unit",
            "cadre__managing_org_department__unit",
            "unit",
            "roll_call__org_department__unit",
            "makes_up__source__training_class",
        )
        .order_by("pk")
    )
    reissued = []  # of the cadres without an account: their liaisons hear of them at once
    for dispatch in dispatches:
        dispatch.training_class = training_class  # as saved, with its new dates
        previous = documents.notice_of(dispatch)
        document = documents.reissue_notice(dispatch, actor=actor, previous=previous)
        fresh = {}
        if dispatch.status == DispatchStatus.NOTIFIED:
            fresh["acknowledge_due"] = acknowledge_due_for(dispatch)
        change(
            actor=actor,
            instance=dispatch,
            verb="dispatch.notice_reissue",
            note=",".join(field for field in NOTICE_FIELDS if field in changed),
            notice_reference=document.document_number,
            **fresh,
        )
        if class_change_notices.on_behalf(dispatch):
            reissued.append((dispatch, document, previous))
        else:
            class_change_notices.notice_reissued(
                dispatch, document, previous=previous, changed=changed
            )
    change_event = (
        AuditEvent.objects.filter(
            verb="class.update",
            target_type=ContentType.objects.get_for_model(TrainingClass),
            target_id=str(training_class.pk),
        )
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    class_change_notices.units_told(
        training_class, changed, change_key=str(change_event), reissued=reissued
    )
    return dispatches


def planned_fields_refusal(training_class, values: dict, *, held=None) -> str | None:
    """Why `values` (field name → new value) cannot move the dates or the institution of
    `training_class`, as stored: a plan's line holds them until its roll call starts
    (`plan_holds`; `held` when the caller has asked it for many classes at once)."""
    if not any(f in values and values[f] != getattr(training_class, f) for f in PLANNED_FIELDS):
        return None
    if held is None:
        held = plan_holds([training_class.pk])
    if training_class.pk not in held:
        return None
    return _(
        "%(klass)s is a class of the plan %(plan)s whose roll call has not started: "
        "change its dates or institution in a new version of the plan, on the plan's page."
    ) % {"klass": training_class.name, "plan": held[training_class.pk]}


def attendance_recorded(class_ids) -> set[int]:
    """The classes among `class_ids` with attendance recorded for any of their dispatches
    (present, absent or withdrawn)."""
    return set(
        Dispatch.objects.filter(training_class_id__in=list(class_ids))
        .exclude(attendance="")
        .values_list("training_class_id", flat=True)
        .distinct()
    )


def fixed_field_refusals(training_class, values: dict, *, attended=None) -> dict[str, str]:
    """{field: why it cannot change} for each field of `values` (field name → new value)
    that would change `training_class`, as stored, although it is fixed
    (`FIXED_ONCE_ATTENDED`). The one rule of every door that changes a class (this
    module's `training_class_save`, the class import); `attended`, when the caller has
    already asked `attendance_recorded` for many classes at once."""
    changed = [
        field
        for field in FIXED_ONCE_ATTENDED
        if field in values and values[field] != getattr(training_class, field)
    ]
    if not changed:
        return {}
    if attended is None:
        attended = bool(attendance_recorded([training_class.pk]))
    if not attended:
        return {}
    return {
        field.removesuffix("_id"): _(
            "Attendance has already been recorded for %(klass)s: its %(field)s can no longer "
            "change."
        )
        % {
            "klass": training_class.name,
            "field": TrainingClass._meta.get_field(field).verbose_name,
        }
        for field in changed
    }


@transaction.atomic
def training_class_save(*, actor, training_class: TrainingClass) -> TrainingClass:
    """Create or change a class; only the organizing department's dispatchers may, and
    only with the seats its institution has left on its dates (`dispatch.capacity`); a
    class whose attendance has been recorded keeps its dates and hours
    (`fixed_field_refusals`)."""
    policy.require_unit_permission(actor, "issue_dispatch", training_class.organizer.unit)
    require_class_allowed(training_class, lock=True)
    return class_save_audited(actor=actor, training_class=training_class)


def require_class_allowed(training_class: TrainingClass, *, lock: bool = False) -> None:
    """Refuse (ValidationError by field) a class, new or changed, that is the twin of
    another (`twins.class_twin_refusal`; asked first: a double click may find no seats
    left either), that its institution has no seats left for on its dates, whose
    attendance is recorded and whose dates or hours would change, whose dates or
    institution a plan holds (`planned_fields_refusal`), whose hours would fall below its
    sessions' (`sessions_refusal`) or whose dates would leave some of its sessions out
    (`sessions_dates_refusal`), or whose new dates would put one of its trainees in two
    overlapping classes (`trainees_clash_refusal`; with `lock`, its trainees locked before
    the class row, the order of every booking path): what `training_class_save` asks, and
    the admin's class form."""
    twins.require_class_once(training_class)
    if training_class.pk is not None:
        start, end = training_class.start_date, training_class.end_date
        dates = TrainingClass.objects.filter(pk=training_class.pk).values_list(
            "start_date", "end_date"
        )
        if dates.first() not in (None, (start, end)) and (
            refusal := trainees_clash_refusal(training_class, start, end, lock=lock)
        ):
            raise ValidationError({"start_date": refusal})
        stored = TrainingClass.objects.filter(pk=training_class.pk)
        stored = (stored.select_for_update() if lock else stored).first()
        if stored is not None and (refusal := cancelled_refusal(stored)):
            raise ValidationError(refusal)
        if stored is not None:
            values = {f: getattr(training_class, f) for f in FIXED_ONCE_ATTENDED + PLANNED_FIELDS}
            refusals = fixed_field_refusals(stored, values)
            if refusals:
                raise ValidationError(refusals)
            if refusal := planned_fields_refusal(stored, values):
                moved = values["institution_id"] != stored.institution_id
                raise ValidationError({"institution" if moved else "start_date": refusal})
            if training_class.quota < stored.quota:
                require_seats_kept(stored, training_class.quota)
        if refusal := sessions_refusal(training_class, training_class.credit_hours):
            raise ValidationError({"credit_hours": refusal})
        if refusal := sessions_dates_refusal(training_class, start, end):
            raise ValidationError({"start_date": refusal})
    capacity.require_capacity(
        training_class.institution,
        training_class.start_date,
        training_class.end_date,
        training_class.quota,
        field="quota",
        exclude_classes=[training_class.pk],
    )


def require_seats_kept(stored, quota: int) -> None:
    """A class keeps the seats already taken: its cadres dispatched and the seats allotted
    to units not yet filled (`seats_left`). A quota below them is refused."""
    taken = stored.quota - seats_left(stored)
    if quota < taken:
        raise ValidationError(
            {
                "quota": _(
                    "%(taken)d seats of the class are taken (cadres dispatched and seats "
                    "allotted to units): the quota cannot be fewer."
                )
                % {"taken": taken}
            }
        )


def sessions_refusal(training_class, credit_hours, *, sessions_total=None) -> str | None:
    """Why the class cannot have `credit_hours`, fewer than its curriculum's sessions
    total (the share of each kind of teaching is taken against the class's hours), or
    None. `sessions_total`: when the caller has summed the sessions of many classes."""
    if training_class.pk is None or credit_hours is None:
        return None
    if sessions_total is None:
        sessions_total = training_class.sessions.aggregate(total=Sum("hours"))["total"]
    if not sessions_total or credit_hours >= sessions_total:
        return None
    return _(
        "The sessions of %(klass)s total %(total)s hours: its credit hours cannot be fewer."
    ) % {"klass": training_class.name, "total": format_hours(sessions_total)}


def sessions_dates_refusal(training_class, start, end, *, sessions_span=None) -> str | None:
    """Why the class cannot run from `start` to `end`: some of its curriculum's sessions
    fall outside (a session is held within its class's dates), or None.
    `sessions_span`: (first, last) session date, when the caller has asked for many
    classes at once."""
    if training_class.pk is None or start is None or end is None:
        return None
    if sessions_span is None:
        span = training_class.sessions.aggregate(first=Min("date"), last=Max("date"))
        sessions_span = (span["first"], span["last"])
    first, last = sessions_span
    if first is None or (start <= first and last <= end):
        return None
    return _(
        "The sessions of %(klass)s are held from %(first)s to %(last)s: the class's dates "
        "must include them."
    ) % {"klass": training_class.name, "first": format_date(first), "last": format_date(last)}
