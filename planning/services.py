"""Every write on a dispatch plan before publication: drafting lines (in
`planning.lines`, re-exported here), consultation (会商), the head's decision, indicator
waivers, new versions and partner nominations. Each is atomic, checks the permission
through `planning.policy` and is audited; bad input is refused with a Chinese message
before anything is written."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import change, record_event, record_events, snapshot
from core.formatting import format_date
from core.validation import require_reason
from dispatch import twins
from dispatch.models import TrainingClass
from dispatch.services.class_cancel import class_cancel_refusal
from dispatch.teaching import rules_in_force
from org import selectors as org_selectors
from org.policy import require_any
from planning import notices, policy
from planning.lines import carried_refusal, carry_line
from planning.lines import line_add as line_add
from planning.lines import line_change as line_change
from planning.lines import line_remove as line_remove
from planning.lines import lock_plan as _lock
from planning.models import (
    Consultation,
    ConsultationStatus,
    IndicatorWaiver,
    PartnerNomination,
    Plan,
    PlanAllocation,
    PlanLine,
    PlanStatus,
)


@transaction.atomic
def plan_create(*, actor, org_department, year: int, title: str = "") -> Plan:
    """A first version of a department's plan for a year (later ones: `plan_new_version`)."""
    require_any(actor, ("issue_dispatch",), org_department.unit)
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": _("Please give a year between 2000 and 2100.")})
    if Plan.objects.filter(org_department=org_department, year=year).exists():
        raise ValidationError(
            {"year": _("This department already has a plan for %(year)s.") % {"year": year}}
        )
    plan = Plan.objects.create(
        org_department=org_department,
        year=year,
        title=(title or "").strip() or _("%(year)s dispatch plan") % {"year": year},
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_event(actor=actor, verb="plan.create", target=plan, after=snapshot(plan))
    return plan


# -- consultation (会商) ------------------------------------------------------------------


def pending_lines(plan):
    """The lines its publication acts on: new lines (a class to create) and carried lines
    changed in this version (their class to change); removed lines are not."""
    return plan.lines.active().pending()


def consultee_units(plan) -> list:
    """The units consulted on the plan's new and changed lines: their institutions, the
    units they allot seats to, the units of the cadres they name, and the partner
    departments they offer seats to (each unit once) — never the plan's own
    department's unit."""
    from org.models import Unit

    lines = pending_lines(plan)
    ids = set(lines.values_list("institution__unit", flat=True))
    ids |= set(PlanAllocation.objects.filter(line__in=lines).values_list("unit", flat=True))
    ids |= set(
        PlanLine.named_cadres.through.objects.filter(planline__in=lines).values_list(
            "cadre__unit", flat=True
        )
    )
    ids |= set(
        lines.filter(partner__isnull=False).values_list("partner__unit", flat=True).distinct()
    )
    # The organizing department does not consult itself (its own staff named, or seats
    # allotted to its own unit): its dispatchers drafted the plan.
    ids.discard(plan.org_department.unit_id)
    return list(Unit.objects.filter(pk__in=ids).order_by("path"))


@transaction.atomic
def plan_submit(*, actor, plan, deadline: dt.datetime) -> list[Consultation]:
    """The dispatcher sends the draft to consultation: each unit `consultee_units` names
    gets one consultation due at `deadline`."""
    plan = _lock(plan)
    policy.require_drafter(actor, plan)
    if plan.status not in policy.EDITABLE:
        raise ValidationError(_("This step has already been completed by someone else."))
    if not plan.lines.active().exists():
        raise ValidationError(_("The plan has no classes yet."))
    if deadline is None or deadline <= timezone.now():
        raise ValidationError({"deadline": _("The consultation deadline is already past.")})
    first_dispatch = pending_lines(plan).order_by("dispatch_date")
    first = first_dispatch.values_list("dispatch_date", flat=True).first()
    if first and deadline.date() >= first:
        raise ValidationError(
            {"deadline": _("The consultation must end before the first class's dispatch date.")}
        )
    round_ = (
        plan.consultations.order_by("-round").values_list("round", flat=True).first() or 0
    ) + 1
    consultations = Consultation.objects.bulk_create(
        Consultation(plan=plan, unit=unit, round=round_, due=deadline)
        for unit in consultee_units(plan)
    )
    if any(c.pk is None for c in consultations):
        consultations = list(plan.consultations.filter(round=round_))
    change(
        actor=actor,
        instance=plan,
        verb="plan.submit",
        status=PlanStatus.CONSULTATION,
        consultation_deadline=deadline,
        return_reason="",
    )
    record_events(actor=actor, verb="plan.consultation_open", targets=consultations)
    return consultations


def _lock_consultation(consultation) -> Consultation:
    return (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("unit", "plan__org_department__jurisdiction")
        .get(pk=consultation.pk)
    )


@transaction.atomic
def consultation_answer(*, actor, consultation, accept: bool, comment: str = "") -> Consultation:
    """An institution or unit accepts the draft, or comments on it."""
    consultation = _lock_consultation(consultation)
    policy.require_consultee(actor, consultation)
    if consultation.status != ConsultationStatus.OPEN:
        raise ValidationError(_("This step has already been completed by someone else."))
    comment = (comment or "").strip()
    if not accept:
        require_reason(comment, _("Please write your comment."))
    return change(
        actor=actor,
        instance=consultation,
        verb="plan.consultation_answer",
        status=ConsultationStatus.ACCEPTED if accept else ConsultationStatus.COMMENTED,
        comment=comment,
        answered_by=actor,
        answered_at=timezone.now(),
    )


def _open_consultations(plan, **filters):
    return (
        plan.consultations.filter(status=ConsultationStatus.OPEN, **filters)
        .select_related("unit", "plan__org_department__jurisdiction")
        .order_by("unit__path")
    )


@transaction.atomic
def consultations_remind(*, consultation) -> list[Consultation]:
    """The deadline of `consultation` nears (its flow's timer fired): whoever answers an
    open consultation of its round hears ONCE, of all the consultations they answer (a
    head of three units allotted seats gets one reminder naming the three) — unless a
    reminder of the round named them already (another consultation's timer came first;
    two at the same moment put together the same message, sent once). Nothing is locked:
    the timer holds its process, and the head's decision holds the plan, then the
    processes. Each consultation named is audited; returns them."""
    plan = consultation.plan
    open_ones = list(_open_consultations(plan, round=consultation.round))
    reminded = notices.consultation_reminders(plan, open_ones, round_=consultation.round)
    record_events(actor=None, verb="plan.consultation_remind", targets=reminded)
    return reminded


@transaction.atomic
def consultations_lapse(*, plan, wait: bool = False) -> list[Consultation]:
    """The deadline passed: every open consultation of the plan whose deadline passed
    lapses — counted as no comment — and each of the plan's dispatchers hears ONCE,
    naming them. Whichever consultation's timer fires first lapses them all; the others
    find nothing left. The consultations are claimed under row locks: a timer (`wait`
    False) skips those someone holds — an answer being given (it is not overwritten),
    the head's decision, another timer's batch — and never waits, since it holds its
    process and the decision locks the plan, the consultations, then the processes; the
    decision (`wait`, under the plan's lock) waits for an answer being given. Returns
    the consultations lapsed now."""
    claimed = _open_consultations(plan, due__lte=timezone.now()).select_for_update(
        skip_locked=not wait, of=("self",)
    )
    lapsed = [
        change(
            actor=None,
            instance=consultation,
            verb="plan.consultation_lapse",
            status=ConsultationStatus.LAPSED,
        )
        for consultation in claimed
    ]
    if lapsed:
        notices.consultations_lapsed(plan, lapsed)
    return lapsed


def consultation_open(plan) -> bool:
    return plan.consultations.filter(status=ConsultationStatus.OPEN).exists()


# -- the head's decision and waivers ------------------------------------------------------


def publish_refusals(plan) -> list[str]:
    """Why the plan cannot be published (empty: it can): a new or changed line whose
    class has started (or starts today) — it could no longer be dispatched — or holds
    more credit hours a day than a class may; whose curriculum misses the teaching
    indicators without a waiver; a changed carried line whose class was dispatched
    since, or cannot take the change (`carried_refusal`). A line whose dispatch date
    alone has passed is published: its roll call starts at once (`plan_publish`). A line
    whose class would be the twin of another is refused too (`_twin_problems`)."""
    problems = []
    lines = list(
        pending_lines(plan)
        .select_related("carried_from", "training_class")
        .prefetch_related("sessions")
    )
    waived = set(IndicatorWaiver.objects.filter(line__plan=plan).values_list("line", flat=True))
    rules: dict = {}  # the rules in force, read once per start date
    today = timezone.localdate()
    for line in lines:
        klass = line.training_class
        start = min(line.start_date, klass.start_date) if klass else line.start_date
        if start <= today:
            problems.append(
                _(
                    "%(name)s: the class starts on %(date)s, which is not after today: it "
                    "could no longer be dispatched. Return the plan to move the class's "
                    "dates or remove it."
                )
                % {"name": line.name, "date": format_date(start)}
            )
        refusal = TrainingClass(credit_hours=line.hours, days=line.days).hours_per_day_refusal()
        if refusal:
            problems.append(_("%(name)s: %(refusal)s") % {"name": line.name, "refusal": refusal})
        if line.training_class_id is not None:
            problems.extend(_carried_problems(line))
        if line.pk in waived:
            continue
        if line.start_date not in rules:
            rules[line.start_date] = rules_in_force(line.start_date)
        missed = policy.line_shortfalls(line, rules=rules[line.start_date])
        if missed:
            problems.append(
                _("%(name)s misses the teaching indicators (%(missed)s) and has no waiver.")
                % {"name": line.name, "missed": "、".join(m.label for m in missed)}
            )
    return problems + _twin_problems(lines) + _removal_problems(plan)


def _removal_problems(plan) -> list[str]:
    """The classes of lines this version removes that can no longer be called off (a
    roll call started on them meanwhile, or they began): `class_cancel_refusal`."""
    problems = []
    for line in removed_with_class(plan):
        if refusal := class_cancel_refusal(line.training_class):
            problems.append(_("%(name)s: %(refusal)s") % {"name": line.name, "refusal": refusal})
    return problems


def removed_with_class(plan):
    """The lines this version of the plan took out whose class exists and is not yet
    called off: publishing calls their classes off."""
    return (
        plan.lines.removed()
        .filter(training_class__isnull=False, training_class__cancelled_at__isnull=True)
        .select_related("training_class")
        .order_by("pk")
    )


def _twin_problems(lines) -> list[str]:
    """The lines among `lines` (new or changed) whose class would be the twin of another
    (`dispatch.twins`: the same name, institution and dates) — of a class already there,
    or of the class of an earlier line among them."""
    probes = [
        (
            line,
            TrainingClass(
                pk=line.training_class_id,
                name=line.name,
                institution_id=line.institution_id,
                start_date=line.start_date,
                end_date=line.end_date,
            ),
        )
        for line in lines
    ]
    found = twins.class_twins(twins.class_key(probe) for _line, probe in probes)
    problems, seen = [], set()
    for line, probe in probes:
        key = twins.class_key(probe)
        twin = found.get(key)
        if twin is not None and twin.pk != probe.pk:
            refusal = twins.class_twin_message(twin)
            problems.append(_("%(name)s: %(refusal)s") % {"name": line.name, "refusal": refusal})
        elif key in seen:
            problems.append(
                _(
                    "%(name)s appears twice among the classes of this plan, at the same "
                    "institution on the same dates: give the two different names."
                )
                % {"name": line.name}
            )
        seen.add(key)
    return problems


def _carried_problems(line) -> list[str]:
    if policy.line_dispatched(line):
        return [
            _(
                "%(name)s: the roll call of its class started after the change was drafted, "
                "so the change can no longer be applied."
            )
            % {"name": line.name}
        ]
    problem = carried_refusal(
        line,
        sessions=len(line.sessions.all()),
        partner_id=line.partner_id,
        partner_seats=line.partner_seats,
    )
    return [problem] if problem else []


@transaction.atomic
def line_waive(*, actor, line, reason: str) -> IndicatorWaiver:
    """The org department head lets a line under the teaching indicators be published."""
    plan = _lock(Plan(pk=PlanLine.objects.values_list("plan", flat=True).get(pk=line.pk)))
    line = PlanLine.objects.get(pk=line.pk)  # read under the plan's lock: not changed since
    line.plan = plan
    policy.require_approver(actor, plan)
    if plan.status in (PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED):
        raise ValidationError(_("The plan is already published."))
    if line.removed_at is not None:
        raise ValidationError(policy.gone_refusal(line))
    require_reason(reason, _("Please give the reason for the waiver."))
    missed = policy.line_shortfalls(line)
    if not missed:
        raise ValidationError(_("This class meets the teaching indicators; no waiver is needed."))
    if IndicatorWaiver.objects.filter(line=line).exists():
        raise ValidationError(_("This class already has a waiver."))
    waiver = IndicatorWaiver.objects.create(
        line=line,
        reason=reason.strip(),
        granted_by=actor,
        shortfalls=[
            {"measure": m.measure, "actual": str(m.actual), "required": str(m.required)}
            for m in missed
        ],
    )
    record_event(
        actor=actor, verb="plan.indicator_waive", target=line, after=snapshot(waiver), note=reason
    )
    return waiver


@transaction.atomic
def plan_decide(*, actor, plan, approve: bool, reason: str = "") -> Plan:
    """The org department head approves the plan (its publication follows in the same
    transaction) or returns it to the drafter with a reason."""
    plan = _lock(plan)
    policy.require_approver(actor, plan)
    if plan.status != PlanStatus.CONSULTATION:
        raise ValidationError(_("This step has already been completed by someone else."))
    open_ones = plan.consultations.filter(status=ConsultationStatus.OPEN)
    if approve:
        if open_ones.exists():
            if plan.consultation_deadline and plan.consultation_deadline > timezone.now():
                raise ValidationError(
                    _("The consultation is still open until its deadline or every answer.")
                )
            consultations_lapse(plan=plan, wait=True)
        problems = publish_refusals(plan)
        if problems:
            raise ValidationError(problems)
        return change(actor=actor, instance=plan, verb="plan.approve", approved_by=actor)
    require_reason(reason, _("Please give the reason for returning."))
    # Locked: one a timer is lapsing right now stays lapsed (PostgreSQL reads it again
    # after the wait, and it is no longer open).
    for consultation in open_ones.select_for_update(of=("self",)):
        change(
            actor=actor,
            instance=consultation,
            verb="plan.consultation_cancel",
            status=ConsultationStatus.CANCELLED,
        )
    return change(
        actor=actor,
        instance=plan,
        verb="plan.return",
        note=reason,
        status=PlanStatus.RETURNED,
        return_reason=reason.strip(),
    )


# -- versions and partner nominations ------------------------------------------------------


@transaction.atomic
def plan_new_version(*, actor, plan, reason: str) -> Plan:
    """A change to a published plan: the next version, a draft carrying every line with
    its class, seats per unit, named cadres, sessions (teaching methods included) and
    waiver (`planning.lines.carry_line`). A carried line whose class
    has not been dispatched may be changed in it (`line_change`), applied to the class at
    publication; published, the version supersedes this one."""
    plan = _lock(plan)
    policy.require_drafter(actor, plan)
    require_reason(reason, _("Please give the reason for the change."))
    if plan.status != PlanStatus.PUBLISHED:
        raise ValidationError(_("Only the published version can be changed."))
    if Plan.objects.filter(previous=plan).exists():
        raise ValidationError(_("A newer version of this plan is already being drafted."))
    new = Plan.objects.create(
        org_department=plan.org_department,
        year=plan.year,
        version=plan.version + 1,
        title=plan.title,
        previous=plan,
        change_reason=reason.strip(),
        created_by=actor,
    )
    lines = (
        plan.lines.active()
        .select_related("waiver")
        .prefetch_related("allocations", "sessions", "named_cadres")
        .order_by("pk")
    )
    carried = [carry_line(line, new) for line in lines]
    record_event(actor=actor, verb="plan.new_version", target=new, after=snapshot(new), note=reason)
    # Each carried line's own trail starts here (its contents are its source's, whose
    # trail holds them: `carried_from`).
    record_events(actor=actor, verb="plan.line_carry", targets=carried, note=reason)
    return new


@transaction.atomic
def partner_nominate(*, actor, line, cadres) -> list[PartnerNomination]:
    """The partner department's dispatcher names cadres of its own jurisdiction into the
    seats the line offers it, until the line's dispatch date."""
    line = (
        PlanLine.objects.select_for_update(of=("self",))
        .select_related("partner__unit", "partner__jurisdiction", "plan")
        .get(pk=line.pk)
    )
    policy.require_partner_dispatcher(actor, line)
    if line.plan.status != PlanStatus.PUBLISHED:
        raise ValidationError(_("The plan is not published."))
    if line.roll_call_started_at or line.dispatch_date <= timezone.localdate():
        raise ValidationError(_("Nominations for this class closed on its dispatch date."))
    cadres = list(cadres)
    if not cadres:
        raise ValidationError({"cadres": _("Nominate at least one cadre.")})
    # One query for the reach, however many cadres (up to the page's thousand).
    reached = set(
        org_selectors.cadres_in_reach(actor, "issue_dispatch")
        .filter(pk__in=[c.pk for c in cadres])
        .values_list("pk", flat=True)
    )
    outside = [
        c.name
        for c in cadres
        if not policy.in_jurisdiction(c.unit, line.partner.jurisdiction) or c.pk not in reached
    ]
    if outside:
        raise ValidationError(
            {"cadres": _("Outside your jurisdiction: %(names)s") % {"names": "、".join(outside)}}
        )
    existing = set(line.partner_nominations.values_list("cadre", flat=True))
    again = [c.name for c in cadres if c.pk in existing]
    if again:
        raise ValidationError(
            {"cadres": _("Already nominated: %(names)s") % {"names": "、".join(again)}}
        )
    seen, twice = set(), []
    for c in cadres:
        if c.pk in seen:
            twice.append(c.name)
        seen.add(c.pk)
    if twice:
        raise ValidationError(
            {"cadres": _("Named more than once: %(names)s") % {"names": "、".join(twice)}}
        )
    if len(existing) + len(cadres) > line.partner_seats:
        raise ValidationError(
            {
                "cadres": _("%(count)d nominated but %(seats)d seats are offered to the partner.")
                % {"count": len(existing) + len(cadres), "seats": line.partner_seats}
            }
        )
    rows = PartnerNomination.objects.bulk_create(
        PartnerNomination(line=line, cadre=c, nominated_by=actor) for c in cadres
    )
    if any(r.pk is None for r in rows):
        rows = list(line.partner_nominations.filter(cadre__in=cadres))
    record_events(actor=actor, verb="plan.partner_nominate", targets=rows)
    return rows
