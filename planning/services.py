"""Every write on a dispatch plan before publication: drafting lines, consultation
(会商), the head's decision, indicator waivers, new versions and partner nominations.
Each is atomic, checks the permission through `planning.policy` and is audited; bad input
is refused with a Chinese message before anything is written."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import change, record_event, record_events, snapshot
from core.validation import require_reason
from dispatch.models import SessionContent
from dispatch.models.classes import CLASS_DAYS_MAX, CLASS_QUOTA_MAX
from dispatch.teaching import rules_in_force
from org import selectors as org_selectors
from org.models import CadreCategory
from org.policy import require_any
from planning import notices, policy
from planning.models import (
    Consultation,
    ConsultationStatus,
    IndicatorWaiver,
    LineMode,
    PartnerNomination,
    Plan,
    PlanAllocation,
    PlanLine,
    PlanSession,
    PlanStatus,
)

EDITABLE = (PlanStatus.DRAFT, PlanStatus.RETURNED)


def _lock(plan) -> Plan:
    return (
        Plan.objects.select_for_update(of=("self",))
        .select_related("org_department__unit", "org_department__jurisdiction")
        .get(pk=plan.pk)
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


def _decimal(value, field, message) -> Decimal:
    try:
        result = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: message}) from None
    if not result.is_finite() or result <= 0 or result > 10_000:
        raise ValidationError({field: message})
    return result


def _check_dates(start, end, report, dispatch_on):
    if end < start:
        raise ValidationError({"end_date": _("A class cannot end before it starts.")})
    if report > start:
        raise ValidationError(
            {"report_date": _("The report date must be on or before the start date.")}
        )
    if dispatch_on >= start:
        raise ValidationError(
            {"dispatch_date": _("The dispatch date must fall before the class starts.")}
        )
    if dispatch_on < timezone.localdate():
        raise ValidationError({"dispatch_date": _("The dispatch date is already past.")})


def _check_sessions(sessions, hours, start, end) -> list[PlanSession]:
    rows = []
    total = Decimal(0)
    contents = set(SessionContent.values)
    for s in sessions:
        session_hours = _decimal(s.get("hours"), "sessions", _("Each session needs its hours."))
        if s.get("content") not in contents:
            raise ValidationError({"sessions": _("Unknown content of a session.")})
        date = s.get("date") or start
        if not start <= date <= end:
            raise ValidationError({"sessions": _("A session falls outside the class's dates.")})
        total += session_hours
        rows.append(
            PlanSession(
                date=date,
                title=(s.get("title") or "").strip()[:200] or str(s["content"]),
                hours=session_hours,
                teacher=(s.get("teacher") or "").strip()[:100],
                by_leading_cadre=bool(s.get("by_leading_cadre")),
                content=s["content"],
            )
        )
    if total > hours:
        raise ValidationError(
            {
                "sessions": _(
                    "The sessions add up to %(total)s hours, more than the class's %(hours)s."
                )
                % {"total": total, "hours": hours}
            }
        )
    return rows


@transaction.atomic
def line_add(
    *,
    actor,
    plan,
    name: str,
    institution,
    start_date: dt.date,
    end_date: dt.date,
    report_date: dt.date | None = None,
    dispatch_date: dt.date | None = None,
    hours,
    days: int,
    seats: int,
    mode: str,
    kind: str = "main",
    location: str = "",
    target_categories=(),
    allocations=(),
    cadres=(),
    partner=None,
    partner_seats: int = 0,
    sessions=(),
) -> PlanLine:
    """Add a class to a draft plan. `allocations`: (unit, seats) pairs for a quota line;
    `cadres` for a named one; `partner`/`partner_seats`: seats offered to another
    department outside the jurisdiction; `sessions`: dicts of the planned curriculum."""
    plan = _lock(plan)
    policy.require_drafter(actor, plan)
    if plan.status not in EDITABLE:
        raise ValidationError(_("Only a draft or returned plan can be changed."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Please give the class a name.")})
    report_date = report_date or start_date
    dispatch_date = dispatch_date or policy.default_dispatch_date(report_date)
    _check_dates(start_date, end_date, report_date, dispatch_date)
    if start_date.year != plan.year:
        raise ValidationError({"start_date": _("The class must start in the plan's year.")})
    hours = _decimal(hours, "hours", _("Credit hours must be more than zero."))
    if not 1 <= int(days) <= min(CLASS_DAYS_MAX, (end_date - start_date).days + 1):
        raise ValidationError({"days": _("The class has more days than its date range holds.")})
    seats = int(seats)
    if not 1 <= seats <= CLASS_QUOTA_MAX:
        raise ValidationError(
            {"seats": _("A class has from 1 to %(max)s seats.") % {"max": CLASS_QUOTA_MAX}}
        )
    categories = list(dict.fromkeys(target_categories or ()))
    if any(c not in CadreCategory.values for c in categories):
        raise ValidationError({"target_categories": _("Unknown cadre category.")})

    partner_seats = int(partner_seats or 0)
    if partner is None and partner_seats:
        raise ValidationError({"partner": _("Seats offered need a partner department.")})
    if partner is not None:
        if policy.in_jurisdiction(partner.unit, plan.org_department.jurisdiction):
            raise ValidationError(
                {"partner": _("The partner department must lie outside your jurisdiction.")}
            )
        if partner_seats < 1:
            raise ValidationError({"partner_seats": _("Offer the partner at least one seat.")})

    allocations = [(unit, int(n)) for unit, n in allocations]
    cadres = list(cadres)
    if mode == LineMode.QUOTA:
        if not allocations:
            raise ValidationError({"allocations": _("Give seats to at least one unit.")})
        if len({u.pk for u, _n in allocations}) != len(allocations):
            raise ValidationError({"allocations": _("The same unit is given seats twice.")})
        if any(n < 1 for _u, n in allocations):
            raise ValidationError({"allocations": _("Each unit needs at least one seat.")})
        total = sum(n for _u, n in allocations) + partner_seats
        if total != seats:
            raise ValidationError(
                {
                    "allocations": _(
                        "The seats per unit (with the partner's) add up to %(total)d, "
                        "not the class's %(seats)d."
                    )
                    % {"total": total, "seats": seats}
                }
            )
        for unit, _n in allocations:
            require_any(actor, ("issue_dispatch",), unit)
    elif mode == LineMode.NAMED:
        if not cadres:
            raise ValidationError({"cadres": _("Name at least one cadre.")})
        if len({c.pk for c in cadres}) != len(cadres):
            raise ValidationError({"cadres": _("The same cadre is named twice.")})
        if len(cadres) + partner_seats > seats:
            raise ValidationError(
                {
                    "cadres": _("%(count)d cadres named but the class has %(quota)d seats.")
                    % {"count": len(cadres) + partner_seats, "quota": seats}
                }
            )
        reachable = set(
            org_selectors.cadres_in_reach(actor, "issue_dispatch")
            .filter(pk__in=[c.pk for c in cadres])
            .values_list("pk", flat=True)
        )
        outside = [c.name for c in cadres if c.pk not in reachable]
        if outside:
            raise PermissionDenied(
                _("Outside your jurisdiction: %(names)s") % {"names": "、".join(outside)}
            )
    else:
        raise ValidationError({"mode": _("Unknown roll call mode.")})

    planned_sessions = _check_sessions(sessions, hours, start_date, end_date)
    capacity = getattr(institution, "capacity", None)
    if capacity:
        taken = policy.overlapping_seats(institution, start_date, end_date, plan=plan)
        if taken + seats > capacity:
            raise ValidationError(
                {
                    "seats": _(
                        "%(institution)s holds %(capacity)d seats at a time; classes overlapping "
                        "these dates already take %(taken)d, so %(seats)d more do not fit."
                    )
                    % {
                        "institution": institution.name,
                        "capacity": capacity,
                        "taken": taken,
                        "seats": seats,
                    }
                }
            )

    line = PlanLine.objects.create(
        plan=plan,
        name=name[:128],
        institution=institution,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        report_date=report_date,
        dispatch_date=dispatch_date,
        location=(location or institution.name)[:255],
        hours=hours,
        days=int(days),
        seats=seats,
        target_categories=categories,
        mode=mode,
        partner=partner,
        partner_seats=partner_seats,
    )
    PlanAllocation.objects.bulk_create(
        PlanAllocation(line=line, unit=unit, seats=n) for unit, n in allocations
    )
    for session in planned_sessions:
        session.line = line
    PlanSession.objects.bulk_create(planned_sessions)
    line.named_cadres.set(cadres)
    record_event(actor=actor, verb="plan.line_add", target=line, after=snapshot(line))
    return line


# -- consultation (会商) ------------------------------------------------------------------


def consultee_units(plan) -> list:
    """The institutions of the plan's new lines and the units they allot seats to."""
    from org.models import Unit

    lines = plan.lines.filter(training_class__isnull=True)
    ids = set(lines.values_list("institution__unit", flat=True))
    ids |= set(PlanAllocation.objects.filter(line__in=lines).values_list("unit", flat=True))
    return list(Unit.objects.filter(pk__in=ids).order_by("path"))


@transaction.atomic
def plan_submit(*, actor, plan, deadline: dt.datetime) -> list[Consultation]:
    """The dispatcher sends the draft to consultation: each institution and unit gets a
    consultation due at `deadline`."""
    plan = _lock(plan)
    policy.require_drafter(actor, plan)
    if plan.status not in EDITABLE:
        raise ValidationError(_("This step has already been completed by someone else."))
    if not plan.lines.exists():
        raise ValidationError(_("The plan has no classes yet."))
    if deadline is None or deadline <= timezone.now():
        raise ValidationError({"deadline": _("The consultation deadline is already past.")})
    first_dispatch = plan.lines.filter(training_class__isnull=True).order_by("dispatch_date")
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


@transaction.atomic
def consultation_remind(*, consultation) -> None:
    consultation = _lock_consultation(consultation)
    if consultation.status == ConsultationStatus.OPEN:
        record_event(actor=None, verb="plan.consultation_remind", target=consultation)
        notices.consultation_reminder(consultation)


@transaction.atomic
def consultation_lapse(*, consultation) -> bool:
    """The deadline passed without an answer: counted as no comment; the dispatchers hear."""
    consultation = _lock_consultation(consultation)
    if consultation.status != ConsultationStatus.OPEN:
        return False
    change(
        actor=None,
        instance=consultation,
        verb="plan.consultation_lapse",
        status=ConsultationStatus.LAPSED,
    )
    notices.consultation_lapsed(consultation)
    return True


def consultation_open(plan) -> bool:
    return plan.consultations.filter(status=ConsultationStatus.OPEN).exists()


# -- the head's decision and waivers ------------------------------------------------------


def publish_refusals(plan) -> list[str]:
    """Why the plan's new lines cannot be published: a curriculum under the teaching
    indicators without a waiver (empty: it can)."""
    problems = []
    lines = plan.lines.filter(training_class__isnull=True).prefetch_related("sessions")
    waived = set(IndicatorWaiver.objects.filter(line__plan=plan).values_list("line", flat=True))
    rules: dict = {}  # the rules in force, read once per start date
    for line in lines:
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
    return problems


@transaction.atomic
def line_waive(*, actor, line, reason: str) -> IndicatorWaiver:
    """The org department head lets a line under the teaching indicators be published."""
    line = PlanLine.objects.select_related("plan__org_department__jurisdiction").get(pk=line.pk)
    plan = _lock(line.plan)
    policy.require_approver(actor, plan)
    if plan.status in (PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED):
        raise ValidationError(_("The plan is already published."))
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
            for consultation in open_ones:
                consultation_lapse(consultation=consultation)
        problems = publish_refusals(plan)
        if problems:
            raise ValidationError(problems)
        return change(actor=actor, instance=plan, verb="plan.approve", approved_by=actor)
    require_reason(reason, _("Please give the reason for returning."))
    for consultation in open_ones:
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
    """A change to a published plan: the next version, a draft carrying every line (what
    already ran stays: a carried line keeps its class and cannot be changed); published,
    it supersedes this one."""
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
    for line in plan.lines.prefetch_related("allocations", "sessions", "named_cadres"):
        old_pk = line.pk
        cadres = list(line.named_cadres.all())
        allocations = list(line.allocations.all())
        sessions = list(line.sessions.all())
        line.pk = None
        line.id = None
        line.plan = new
        line.carried_from_id = old_pk
        line.save()
        line.named_cadres.set(cadres)
        PlanAllocation.objects.bulk_create(
            PlanAllocation(line=line, unit_id=a.unit_id, seats=a.seats) for a in allocations
        )
        for s in sessions:
            s.pk = s.id = None
            s.line = line
        PlanSession.objects.bulk_create(sessions)
    record_event(actor=actor, verb="plan.new_version", target=new, after=snapshot(new), note=reason)
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
    outside = [
        c.name
        for c in cadres
        if not policy.in_jurisdiction(c.unit, line.partner.jurisdiction)
        or not org_selectors.cadres_in_reach(actor, "issue_dispatch").filter(pk=c.pk).exists()
    ]
    if outside:
        raise ValidationError(
            {"cadres": _("Outside your jurisdiction: %(names)s") % {"names": "、".join(outside)}}
        )
    existing = set(line.partner_nominations.values_list("cadre", flat=True))
    if any(c.pk in existing for c in cadres) or len({c.pk for c in cadres}) != len(cadres):
        raise ValidationError({"cadres": _("The same cadre is named twice.")})
    if len(existing) + len(cadres) > line.partner_seats:
        raise ValidationError(
            {
                "cadres": _("%(count)d nominated but the unit has %(seats)d seats.")
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
