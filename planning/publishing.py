"""Publishing an approved plan (one transaction): a class for each new line with its
planned sessions (teaching methods included), the change of each carried line changed in
this version applied to its class, the class of each line it took out called off, the
earlier version superseded. A line whose class
would be the twin of another is refused (`publish_refusals`): a published plan creates
each of its classes once. The roll calls start later, on each line's dispatch date
(`planning.schedule`) — at once, after the commit, for a line whose dispatch date passed
before the plan was approved."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import change, record_events
from core.twins import refused_as_twin
from dispatch.models import ClassSession, TrainingClass
from dispatch.models.curriculum import SessionFields
from dispatch.services.class_cancel import planned_class_cancel
from planning import policy, tasks
from planning.models import PartnerNomination, PlanLine, PlanStatus
from planning.services import _lock, publish_refusals, removed_with_class

#: what a class takes from its line, and what a class session takes from a planned one
CLASS_FIELDS = (
    "name",
    "institution_id",
    "kind",
    "start_date",
    "end_date",
    "report_date",
    "location",
    "credit_hours",
    "days",
    "quota",
)
# What a planned session hands its class session: every field both share.
SESSION_FIELDS = tuple(field.name for field in SessionFields._meta.fields)


def _class_for(line, plan) -> TrainingClass:
    return TrainingClass(
        name=line.name,
        institution=line.institution,
        organizer=plan.org_department,
        kind=line.kind,
        start_date=line.start_date,
        end_date=line.end_date,
        report_date=line.report_date,
        location=line.location or line.institution.unit.name,
        credit_hours=line.hours,
        days=line.days,
        quota=line.seats,
    )


@transaction.atomic
def plan_publish(*, actor, plan) -> list[TrainingClass]:
    """Publish the approved plan: create its new lines' classes and their sessions,
    carry over what already ran for lines of the earlier version, supersede it."""
    plan = _lock(plan)
    policy.require_approver(actor, plan)
    if plan.status != PlanStatus.CONSULTATION or plan.approved_by_id is None:
        raise ValidationError(_("Only an approved plan can be published."))
    problems = publish_refusals(plan)
    if problems:
        raise ValidationError(problems)
    # A class made meanwhile (another dispatcher's) that one of them would twin: the
    # database refuses it, the lines' rule (`publish_refusals`) says which.
    with refused_as_twin(lambda: publish_refusals(plan)):
        classes = _create_classes(actor, plan)
        _apply_changes(actor, plan)
    _cancel_removed(actor, plan)
    _carry_over(plan)
    if plan.previous_id:
        change(
            actor=actor,
            instance=plan.previous,
            verb="plan.supersede",
            status=PlanStatus.SUPERSEDED,
        )
    change(
        actor=actor,
        instance=plan,
        verb="plan.publish",
        status=PlanStatus.PUBLISHED,
        published_at=timezone.now(),
    )
    _start_overdue(plan)
    return classes


def _create_classes(actor, plan) -> list[TrainingClass]:
    """The classes of the plan's new lines, with their planned sessions, audited."""
    lines = list(
        plan.lines.active()
        .filter(training_class__isnull=True)
        .select_related("institution__unit")
        .prefetch_related("sessions")
        .order_by("pk")
    )
    classes = TrainingClass.objects.bulk_create([_class_for(line, plan) for line in lines])
    if any(c.pk is None for c in classes):  # a backend without RETURNING
        created = TrainingClass.objects.filter(organizer=plan.org_department).order_by("-pk")
        classes = list(reversed(created[: len(lines)]))
    for line, klass in zip(lines, classes, strict=True):
        line.training_class = klass
    PlanLine.objects.bulk_update(lines, ["training_class"], batch_size=500)
    sessions = ClassSession.objects.bulk_create(
        [_session_for(s, line.training_class) for line in lines for s in line.sessions.all()],
        batch_size=1000,
    )
    if any(s.pk is None for s in sessions):  # a backend without RETURNING
        sessions = list(ClassSession.objects.filter(training_class__in=classes).order_by("pk"))
    record_events(actor=actor, verb="class.create", targets=classes)
    record_events(actor=actor, verb="class_session.create", targets=sessions)
    return classes


def _cancel_removed(actor, plan) -> None:
    """The classes of the lines this version took out are called off, each with the
    line's reason for its removal (`planned_class_cancel` locks each class and asks again:
    a roll call started on one since the check refuses the whole publication)."""
    for line in removed_with_class(plan):
        planned_class_cancel(
            actor=actor, training_class=line.training_class, reason=line.removal_reason
        )


def _start_overdue(plan) -> None:
    """Lines published after their dispatch date (approved late) but before their class
    starts (`publish_refusals` refuses those whose class has started): their roll calls
    are due at once, so they start as soon as the publication commits — not at the next
    daily run — through the daily task (`planning.schedule.start_due_roll_calls`), which
    logs and retries what fails."""
    today = timezone.localdate()
    overdue = plan.lines.active().filter(
        dispatch_date__lte=today,
        roll_call_started_at__isnull=True,
        training_class__start_date__gt=today,
    )
    if overdue.exists():
        plan_id = plan.pk
        transaction.on_commit(lambda: tasks.start_plan_roll_calls.delay(plan_id), robust=True)


def _session_for(planned, training_class) -> ClassSession:
    return ClassSession(
        training_class=training_class, **{f: getattr(planned, f) for f in SESSION_FIELDS}
    )


def _planned(session) -> tuple:
    return tuple(getattr(session, f) for f in SESSION_FIELDS)


def _apply_changes(actor, plan) -> None:
    """Carried lines changed in this version (checked by `publish_refusals`: their class
    not dispatched, keeping no more sessions than planned) change their class: its
    fields, then its sessions paired in order with the planned ones — only those whose
    planned values this version changed (against the published line it was carried
    from), so what the institution edited in the class's curriculum since is kept —
    and the extra ones added. Each change audited."""
    changed = (
        plan.lines.active()
        .filter(training_class__isnull=False, changed_at__isnull=False)
        .select_related("institution__unit")
        .prefetch_related("sessions", "carried_from__sessions")
        .order_by("pk")
    )
    for line in changed:
        klass = TrainingClass.objects.select_for_update(of=("self",)).get(pk=line.training_class_id)
        target = _class_for(line, plan)
        fields = {
            f: getattr(target, f) for f in CLASS_FIELDS if getattr(klass, f) != getattr(target, f)
        }
        if fields:
            note = f"plan:{plan.pk}"
            change(actor=actor, instance=klass, verb="class.update", note=note, **fields)
        kept = list(klass.sessions.order_by("date", "id"))
        planned = list(line.sessions.all())
        if len(kept) > len(planned):  # refused by publish_refusals before
            raise ValidationError(publish_refusals(plan))
        source = line.carried_from
        before = [_planned(s) for s in source.sessions.all()] if source is not None else []
        for index, (session, wanted) in enumerate(zip(kept, planned, strict=False)):
            if index < len(before) and before[index] == _planned(wanted):
                continue  # not changed in this version: the class keeps its own
            diff = {
                f: getattr(wanted, f)
                for f in SESSION_FIELDS
                if getattr(session, f) != getattr(wanted, f)
            }
            if diff:
                change(actor=actor, instance=session, verb="class_session.update", **diff)
        added = ClassSession.objects.bulk_create(
            [_session_for(s, klass) for s in planned[len(kept) :]]
        )
        if any(s.pk is None for s in added):  # a backend without RETURNING
            added = list(klass.sessions.order_by("-pk")[: len(added)])
        record_events(actor=actor, verb="class_session.create", targets=added)


def _carry_over(plan) -> None:
    """Lines carried from the earlier version take what happened to them since: the
    roll call started and the partner's nominations."""
    carried = list(
        plan.lines.active().filter(carried_from__isnull=False).select_related("carried_from")
    )
    for line in carried:
        line.roll_call_started_at = line.carried_from.roll_call_started_at
    PlanLine.objects.bulk_update(carried, ["roll_call_started_at"])
    PartnerNomination.objects.bulk_create(
        [
            PartnerNomination(line=line, cadre_id=n.cadre_id, nominated_by_id=n.nominated_by_id)
            for line in carried
            for n in line.carried_from.partner_nominations.all()
        ],
        ignore_conflicts=True,
    )


def set_document(plan, document) -> None:
    """Remember the published plan's official document."""
    with transaction.atomic():
        change(actor=None, instance=plan, verb="plan.document", document_id=document.pk)
