"""Publishing an approved plan (one transaction): a class for each new line with its
planned sessions, the earlier version superseded. The roll calls start later, on each
line's dispatch date (`planning.schedule`)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import change, record_events
from dispatch.models import ClassSession, TrainingClass
from planning import policy
from planning.models import PartnerNomination, PlanLine, PlanStatus
from planning.services import _lock, publish_refusals


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
    lines = list(
        plan.lines.filter(training_class__isnull=True)
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
    ClassSession.objects.bulk_create(
        [
            ClassSession(
                training_class=line.training_class,
                date=s.date,
                title=s.title,
                hours=s.hours,
                teacher=s.teacher,
                by_leading_cadre=s.by_leading_cadre,
                content=s.content,
            )
            for line in lines
            for s in line.sessions.all()
        ],
        batch_size=1000,
    )
    record_events(actor=actor, verb="class.create", targets=classes)
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
    return classes


def _carry_over(plan) -> None:
    """Lines carried from the earlier version take what happened to them since: the
    roll call started and the partner's nominations."""
    carried = list(plan.lines.filter(carried_from__isnull=False).select_related("carried_from"))
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
