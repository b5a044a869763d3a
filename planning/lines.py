"""Drafting a plan's lines: the checks every line passes (`check_line`), and adding,
changing and removing one. Each write is atomic, checks the permission through
`planning.policy` and is audited; bad input is refused with a Chinese message before
anything is written. Nothing is deleted: a removed line keeps its row and reason, and a
change is a new row replacing the old one (its seats and sessions are never rewritten).
`planning.services` re-exports the writes."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import change, record_event, snapshot
from core.i18n import in_site_language
from core.validation import implausible_day_refusal, require_reason
from dispatch import capacity
from dispatch.models import ClassSession, SessionContent, SessionMethod, TrainingClass
from dispatch.models.classes import CLASS_DAYS_MAX, CLASS_QUOTA_MAX, CLASS_YEARS_AHEAD
from org import selectors as org_selectors
from org.models import Cadre, CadreCategory, PathWithin
from org.policy import require_any
from planning import policy
from planning.models import (
    IndicatorWaiver,
    LineMode,
    PartnerNomination,
    Plan,
    PlanAllocation,
    PlanLine,
    PlanSession,
)


def lock_plan(plan) -> Plan:
    return (
        Plan.objects.select_for_update(of=("self",))
        .select_related("org_department__unit", "org_department__jurisdiction")
        .get(pk=plan.pk)
    )


TENTH = Decimal("0.1")


def _decimal(value, field, message) -> Decimal:
    """Hours as stored (one decimal place): refused with `message` when not a number
    above zero (nor past 10 000), and when finer than a tenth of an hour — stored, it
    would be rounded to another figure than the one given."""
    try:
        result = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: message}) from None
    if not result.is_finite() or result <= 0 or result > 10_000:
        raise ValidationError({field: message})
    if result < TENTH or result != result.quantize(TENTH):
        raise ValidationError(
            {
                field: _(
                    "%(value)s hours: hours are at least 0.1 and have at most one decimal place."
                )
                % {"value": value}
            }
        )
    return result


@in_site_language
def _content_label(content) -> str:
    """A session's content in words, in the site's language (a session's default title)."""
    return str(SessionContent(content).label)


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
    # Publishing makes the line a class: the class's own bounds on its dates.
    for name, day in (("start_date", start), ("end_date", end), ("report_date", report)):
        if refusal := implausible_day_refusal(day, years_ahead=CLASS_YEARS_AHEAD):
            raise ValidationError({name: refusal})


def _check_sessions(sessions, hours, start, end) -> list[PlanSession]:
    """The planned sessions (unsaved), each within the class's dates, of a known content
    and teaching method (lecture when none is given), together within its hours."""
    rows = []
    total = Decimal(0)
    contents = set(SessionContent.values)
    methods = set(SessionMethod.values)
    for n, s in enumerate(sessions, start=1):
        needs_hours = _("Session %(n)d needs its hours: a number above zero.") % {"n": n}
        session_hours = _decimal(s.get("hours"), "sessions", needs_hours)
        if s.get("content") not in contents:
            raise ValidationError({"sessions": _("Unknown content of a session.")})
        method = s.get("method") or SessionMethod.LECTURE
        if method not in methods:
            raise ValidationError({"sessions": _("Unknown teaching method of a session.")})
        date = s.get("date") or start
        if not start <= date <= end:
            raise ValidationError(
                {"sessions": _("Session %(n)d falls outside the class's dates.") % {"n": n}}
            )
        total += session_hours
        title, teacher = (s.get("title") or "").strip(), (s.get("teacher") or "").strip()
        if len(title) > 200 or len(teacher) > 100:  # refused, never cut without a word
            raise ValidationError(
                {"sessions": _("Session %(n)d: its title or teacher is too long.") % {"n": n}}
            )
        rows.append(
            PlanSession(
                date=date,
                title=title or _content_label(s["content"]),
                hours=session_hours,
                teacher=teacher,
                by_leading_cadre=bool(s.get("by_leading_cadre")),
                content=s["content"],
                method=method,
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


@dataclass
class LineDraft:
    """A line's checked input: the line's own fields, its seats per unit, the cadres
    named and its planned sessions (unsaved)."""

    fields: dict
    allocations: list = field(default_factory=list)
    cadres: list = field(default_factory=list)
    sessions: list = field(default_factory=list)


def check_line(
    *,
    actor,
    plan,
    line=None,
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
) -> LineDraft:
    """Every rule a line of `plan` keeps (`line`: the one it would replace, not counted
    against the institution's capacity): dates in order and in the plan's year, at most
    the class's credit hours a day (`TrainingClass.hours_per_day_refusal`), seats per
    unit adding up to the class's (with the partner's), units and cadres in the plan's
    department's jurisdiction and the actor's, a partner outside it
    (`policy.partner_refusal`), sessions within the class's dates and hours, the
    institution's capacity. Raises ValidationError/PermissionDenied; writes nothing."""
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
    # The class's own rule (at most 8 credit hours a day): publication makes the class.
    refusal = TrainingClass(credit_hours=hours, days=int(days)).hours_per_day_refusal()
    if refusal:
        raise ValidationError({"hours": refusal})
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
        refusal = policy.partner_refusal(plan, partner)
        if refusal:
            raise ValidationError({"partner": refusal})
        if partner_seats < 1:
            raise ValidationError({"partner_seats": _("Offer the partner at least one seat.")})

    allocations = [(unit, int(n)) for unit, n in allocations]
    cadres = list(cadres)
    if mode == LineMode.QUOTA:
        _check_allocations(actor, plan, allocations, seats, partner_seats)
        cadres = []
    elif mode == LineMode.NAMED:
        _check_named(actor, plan, cadres, seats, partner_seats)
        allocations = []
    else:
        raise ValidationError({"mode": _("Unknown roll call mode.")})

    planned_sessions = _check_sessions(sessions, hours, start_date, end_date)
    capacity.require_capacity(
        institution, start_date, end_date, seats, field="seats", plan=plan, exclude_line=line
    )
    return LineDraft(
        fields={
            "name": name[:128],
            "institution": institution,
            "kind": kind,
            "start_date": start_date,
            "end_date": end_date,
            "report_date": report_date,
            "dispatch_date": dispatch_date,
            "location": (location or institution.name)[:255],
            "hours": hours,
            "days": int(days),
            "seats": seats,
            "target_categories": categories,
            "mode": mode,
            "partner": partner,
            "partner_seats": partner_seats,
        },
        allocations=allocations,
        cadres=cadres,
        sessions=planned_sessions,
    )


def _outside_plan(plan, names) -> str:
    """Units or cadres a line gives seats to or names outside the jurisdiction of the
    plan's department (its classes are that department's: dispatch names no one else)."""
    return _("Outside the jurisdiction of %(department)s: %(names)s") % {
        "department": plan.org_department.unit.name,
        "names": "、".join(names),
    }


def _check_allocations(actor, plan, allocations, seats, partner_seats) -> None:
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
    root = plan.org_department.jurisdiction
    outside = [u.name for u, _n in allocations if not policy.in_jurisdiction(u, root)]
    if outside:
        raise ValidationError({"allocations": _outside_plan(plan, outside)})


def _check_named(actor, plan, cadres, seats, partner_seats) -> None:
    if not cadres:
        raise ValidationError({"cadres": _("Name at least one cadre.")})
    if len({c.pk for c in cadres}) != len(cadres):
        raise ValidationError({"cadres": _("The same cadre is named twice.")})
    if len(cadres) + partner_seats > seats:
        if partner_seats:
            message = _(
                "%(named)d cadres named and %(partner)d seats offered to the partner: "
                "%(total)d in all, more than the class's %(quota)d seats."
            ) % {
                "named": len(cadres),
                "partner": partner_seats,
                "total": len(cadres) + partner_seats,
                "quota": seats,
            }
        else:
            message = _("%(count)d cadres named but the class has %(quota)d seats.") % {
                "count": len(cadres),
                "quota": seats,
            }
        raise ValidationError({"cadres": message})
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
    inside = set(
        Cadre.objects.filter(
            PathWithin(F("unit__path"), plan.org_department.jurisdiction.path),
            pk__in=[c.pk for c in cadres],
        ).values_list("pk", flat=True)
    )
    outside = [c.name for c in cadres if c.pk not in inside]
    if outside:
        raise ValidationError({"cadres": _outside_plan(plan, outside)})


def carried_refusal(line, *, sessions: int, partner_id, partner_seats: int) -> str | None:
    """Why a change of a line carried with its class cannot be applied to the class:
    the class keeps more sessions than planned (a session is never deleted), or the
    partner already nominated more cadres than the seats it would keep (or to another
    partner). None when it can, or when the line has no class."""
    if line.training_class_id is None:
        return None
    kept = ClassSession.objects.filter(training_class_id=line.training_class_id).count()
    if kept > sessions:
        return _(
            "%(name)s: its class already has %(count)d sessions and a session is never "
            "deleted: plan at least %(count)d sessions (change those no longer wanted)."
        ) % {"name": line.name, "count": kept}
    source = line.carried_from
    nominated = PartnerNomination.objects.filter(line=source).count() if source is not None else 0
    if nominated and (partner_id != source.partner_id or partner_seats < nominated):
        return _(
            "%(name)s: the partner department has already nominated %(count)d cadres into "
            "its seats: keep the partner and at least %(count)d seats for it."
        ) % {"name": line.name, "count": nominated}
    return None


def _create(plan, draft: LineDraft, **extra) -> PlanLine:
    line = PlanLine.objects.create(plan=plan, **draft.fields, **extra)
    PlanAllocation.objects.bulk_create(
        PlanAllocation(line=line, unit=unit, seats=n) for unit, n in draft.allocations
    )
    for session in draft.sessions:
        session.line = line
    PlanSession.objects.bulk_create(draft.sessions)
    line.named_cadres.set(draft.cadres)
    return line


#: what a copy of a line does not take from it (`carry_line`)
_NOT_CARRIED = ("id", "plan", "carried_from", "changed_at", "removed_at", "replaced_by")
#: what a planned session's copy takes from it
SESSION_COPIED = ("date", "title", "hours", "teacher", "by_leading_cadre", "content", "method")


def carry_line(source, plan, **fields) -> PlanLine:
    """A copy of `source` in `plan` (its next version), carried from it, unchanged: its
    fields (its class, roll call and refusal included), seats per unit, named cadres,
    planned sessions and its waiver of the teaching indicators — granted for this very
    curriculum, it stays valid while the copy is not changed (a change drops it,
    `line_change`). `fields` are set on the copy. Reads what `source` has prefetched
    (allocations, sessions, named_cadres, waiver), or queries it."""
    values = {
        f.attname: getattr(source, f.attname)
        for f in PlanLine._meta.concrete_fields
        if f.name not in _NOT_CARRIED
    }
    values.update(removal_reason="", **fields)
    line = PlanLine.objects.create(plan=plan, carried_from_id=source.pk, **values)
    PlanAllocation.objects.bulk_create(
        PlanAllocation(line=line, unit_id=a.unit_id, seats=a.seats)
        for a in source.allocations.all()
    )
    # The through rows written directly: `line.named_cadres.set()` would read a
    # prefetched source's cadres as already there (the copy is the source's instance
    # with a new pk elsewhere) and write nothing.
    through = PlanLine.named_cadres.through
    through.objects.bulk_create(
        through(planline_id=line.pk, cadre_id=c.pk) for c in source.named_cadres.all()
    )
    PlanSession.objects.bulk_create(
        PlanSession(line=line, **{f: getattr(s, f) for f in SESSION_COPIED})
        for s in source.sessions.all()
    )
    try:
        waiver = source.waiver
    except IndicatorWaiver.DoesNotExist:
        waiver = None
    if waiver is not None:
        copied = IndicatorWaiver.objects.create(
            line=line,
            reason=waiver.reason,
            shortfalls=waiver.shortfalls,
            granted_by_id=waiver.granted_by_id,
        )
        # granted when the head granted it, not when the version was drafted
        IndicatorWaiver.objects.filter(pk=copied.pk).update(granted_at=waiver.granted_at)
    return line


def change_withdraw(changed, source) -> PlanLine:
    """The roll call of `source`, a published line, has started on its dispatch date as
    published: the change of it drafted in a newer version not yet published
    (`changed`) can no longer be applied to its class, and is withdrawn — replaced in
    that version by a copy of `source` as it stands (`carry_line`), so the version can
    still be published. Audited. The caller holds the locks of the version, `changed`
    and `source` (in the order `line_change` takes them)."""
    copy = carry_line(source, changed.plan)
    record_event(
        actor=None,
        verb="plan.line_carry",
        target=copy,
        after=snapshot(copy),
        note=f"started:{source.pk}",
    )
    change(
        actor=None,
        instance=changed,
        verb="plan.line_change_withdraw",
        note=f"started:{source.pk}",
        removed_at=timezone.now(),
        replaced_by=copy,
    )
    return copy


def _lock_line(line) -> tuple[PlanLine, Plan]:
    """The plan, then the line and the published line it was carried from, locked (the
    daily start of roll calls locks that one: a change and a roll call never cross)."""
    plan = lock_plan(Plan(pk=PlanLine.objects.values_list("plan", flat=True).get(pk=line.pk)))
    line = (
        PlanLine.objects.select_for_update(of=("self",))
        .select_related("institution__unit")
        .get(pk=line.pk)
    )
    if line.carried_from_id:
        line.carried_from = PlanLine.objects.select_for_update(of=("self",)).get(
            pk=line.carried_from_id
        )
    line.plan = plan
    return line, plan


@transaction.atomic
def line_add(*, actor, plan, **fields) -> PlanLine:
    """Add a class to a draft plan (the fields of `check_line`). `allocations`: (unit,
    seats) pairs for a quota line; `cadres` for a named one; `partner`/`partner_seats`:
    seats offered to another department outside the jurisdiction; `sessions`: dicts of
    the planned curriculum (date, hours, content, method, teacher, by_leading_cadre,
    title)."""
    plan = lock_plan(plan)
    policy.require_drafter(actor, plan)
    if refusal := policy.plan_edit_refusal(plan):
        raise ValidationError(refusal)
    line = _create(plan, check_line(actor=actor, plan=plan, **fields))
    record_event(actor=actor, verb="plan.line_add", target=line, after=_full_snapshot(line))
    return line


@transaction.atomic
def line_change(*, actor, line, **fields) -> PlanLine:
    """Change a line of a draft or returned plan (the same checks as `line_add`); in a
    new version of a published plan, a carried line whose class has not been dispatched
    too — applied to the class when the version is published. The change is a new line
    replacing this one (kept, marked replaced); returns the new line. A waiver of the
    old curriculum does not carry over. A change that changes nothing (`_unchanged`)
    writes nothing and returns the line as it is: it is not marked changed, so it is
    not consulted on again."""
    line, plan = _lock_line(line)
    policy.require_drafter(actor, plan)
    refusal = policy.line_refusal(line)
    if refusal:
        raise ValidationError(refusal)
    draft = check_line(actor=actor, plan=plan, line=line, **fields)
    if _unchanged(line, draft):
        return line
    problem = carried_refusal(
        line,
        sessions=len(draft.sessions),
        partner_id=getattr(draft.fields["partner"], "pk", None),
        partner_seats=draft.fields["partner_seats"],
    )
    if problem:
        raise ValidationError(problem)
    now = timezone.now()
    new = _create(
        plan,
        draft,
        training_class_id=line.training_class_id,
        carried_from_id=line.carried_from_id,
        roll_call_started_at=line.roll_call_started_at,
        changed_at=now,
    )
    change(actor=actor, instance=line, verb="plan.line_replace", removed_at=now, replaced_by=new)
    record_event(
        actor=actor,
        verb="plan.line_change",
        target=new,
        before=_full_snapshot(line),
        after=_full_snapshot(new),
        note=f"replaces:{line.pk}",
    )
    return new


def _session_keys(sessions) -> list[tuple]:
    return sorted(tuple(getattr(s, f) for f in SESSION_COPIED) for s in sessions)


def _unchanged(line, draft: LineDraft) -> bool:
    """Whether `draft` holds what `line` already does: its fields, seats per unit,
    cadres named and sessions — the sessions as planned or, for a line with a class, as
    the class holds them now (its change form is filled with those,
    `planning.forms.line_initial`: the institution may have edited the curriculum)."""
    for name, value in draft.fields.items():
        if name in ("institution", "partner"):
            if getattr(value, "pk", None) != getattr(line, f"{name}_id"):
                return False
        elif name == "target_categories":
            if sorted(value) != sorted(line.target_categories or ()):
                return False
        elif getattr(line, name) != value:
            return False
    allocations = sorted((unit.pk, n) for unit, n in draft.allocations)
    if allocations != sorted(line.allocations.values_list("unit_id", "seats")):
        return False
    if {c.pk for c in draft.cadres} != set(line.named_cadres.values_list("pk", flat=True)):
        return False
    wanted = _session_keys(draft.sessions)
    if wanted == _session_keys(line.sessions.all()):
        return True
    if line.training_class_id is None:
        return False
    kept = ClassSession.objects.filter(training_class_id=line.training_class_id)
    return wanted == _session_keys(kept)


@transaction.atomic
def line_remove(*, actor, line, reason: str) -> PlanLine:
    """Take a class out of a draft or returned plan, with the reason: the line is kept,
    marked removed, and counts no more (plan, document, consultation, publication, plan
    against actual). A line whose class already exists is refused: a class cannot be
    cancelled."""
    line, plan = _lock_line(line)
    policy.require_drafter(actor, plan)
    refusal = policy.line_refusal(line, removing=True)
    if refusal:
        raise ValidationError(refusal)
    require_reason(reason, _("Please give the reason for the removal."))
    return change(
        actor=actor,
        instance=line,
        verb="plan.line_remove",
        note=reason.strip(),
        removed_at=timezone.now(),
        removal_reason=reason.strip(),
    )


def _full_snapshot(line) -> dict:
    """The line with its seats per unit, cadres named and sessions, for the audit trail."""
    data = snapshot(line)
    data["allocations"] = list(line.allocations.values_list("unit_id", "seats"))
    data["named_cadres"] = sorted(line.named_cadres.values_list("pk", flat=True))
    data["sessions"] = [
        {**s, "date": s["date"].isoformat(), "hours": str(s["hours"])}
        for s in line.sessions.values(
            "date", "hours", "content", "method", "teacher", "by_leading_cadre", "title"
        )
    ]
    return data
