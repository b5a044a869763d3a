"""After the class: makeup training and circulars."""

import copy
import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, Exists, OuterRef, Q, When
from django.utils.translation import gettext as _

from audit.services import change, record_event, snapshot
from circulars import notices as circulars_notices
from circulars import periods
from circulars.carried import carried_figures, open_ids
from circulars.lines import canonical_figures
from circulars.models import Circular, CircularStatus
from circulars.policy import require_circular_decider
from circulars.yearly import yearly_figures
from core.formatting import format_document_date
from core.validation import require_reason
from dispatch import tally
from dispatch.models import (
    Dispatch,
    DispatchStatus,
    Makeup,
    MakeupStatus,
    TrainingClass,
)
from dispatch.models.dispatch import OPEN_DISPATCH_STATUSES
from ledger import compliance
from org.models import Cadre, OrgDepartment, Unit
from org.policy import require_any

FIGURE_KEYS = (
    "named",
    "attended",
    "leave",
    "deferred",
    "exempt",
    "absent",
    "withdrawn",
    "in_progress",
    "notified",
    "acknowledged",
    "makeup_owed",
    "makeup_overdue",
    "cadres",
    "compliant",
)


def _dispatch_counts(unit_ids, class_ids) -> dict[int, dict]:
    """The figures of `FIGURE_KEYS[:10]` per unit, from the running tallies of the
    dispatches (`dispatch.tally`: per unit, class and status, how many, how many asked
    for leave, were notified, acknowledged — kept by the database with every dispatch
    write): a few rows per unit and class instead of every dispatch of the period,
    added up here."""
    S = DispatchStatus
    single = {
        S.ATTENDED: "attended",
        S.EXEMPT: "exempt",
        S.ABSENT: "absent",
        S.WITHDRAWN: "withdrawn",
    }
    open_statuses = {str(status) for status in OPEN_DISPATCH_STATUSES}
    grouped = tally.counts(unit_ids=unit_ids, class_ids=class_ids, exclude_status=S.CANCELLED)
    per_unit: dict[int, dict] = {}
    for unit_id, status, n, leave, notified, acknowledged in grouped:
        row = per_unit.setdefault(unit_id, dict.fromkeys(FIGURE_KEYS[:10], 0))
        row["named"] += n
        if status == S.DEFERRED:
            row["leave"] += leave
            row["deferred"] += n - leave
        elif status in single:
            row[single[status]] += n
        if status in open_statuses:
            row["in_progress"] += n
        row["notified"] += notified
        row["acknowledged"] += acknowledged
    return per_unit


def _absentee_ids(dispatches) -> list[int]:
    """The ids of the unexcused absentees' dispatches, for the circular's list of names
    (`circulars.selectors.absentee_rows` reads the names when the list is shown).

    Only the ids, in the order of the partial index on absent dispatches
    (dispatch_absent_idx: unit, class, cadre, id), so that PostgreSQL reads them from
    the index alone: joining a twelfth of the period's dispatches to the cadres and
    sorting them by name cost most of the figures' time (docs/performance.md), and
    names stored in the figures would go stale anyway."""
    return list(
        dispatches.filter(status=DispatchStatus.ABSENT)
        .order_by("unit_id", "training_class_id", "cadre_id", "pk")
        .values_list("pk", flat=True)
    )


def circular_figures(*, org_department, start: dt.date, end: dt.date) -> dict:
    """Figures per unit for dispatches to classes starting in the period, reconciled with
    the dispatches' stored statuses; unexcused absences by dispatch id; makeup owed and
    overdue (by name, with the cadre's id); the counts of the acknowledgement and
    hours-compliance rates (the rates are computed where printed, `circulars.lines`).

    A unit has a row if it had dispatches in the period or owes makeup training at its
    end, so an overdue makeup is reported even where nobody was dispatched this time.
    Counted from the running tallies of the dispatches and one grouped pass over the
    makeups; the compliance rate from the running totals of hours."""
    subtree = Unit.objects.subtree(org_department.jurisdiction)
    # The units and classes are read first so that the dispatches are filtered on lists
    # of ids: PostgreSQL checks each row against a hashed constant array instead of
    # joining a million rows to the units and classes (docs/performance.md).
    unit_names = dict(subtree.order_by("path").values_list("pk", "name"))
    class_names = dict(
        TrainingClass.objects.filter(start_date__gte=start, start_date__lte=end).values_list(
            "pk", "name"
        )
    )
    dispatches = Dispatch.objects.filter(
        unit_id__in=list(unit_names), training_class_id__in=list(class_names)
    ).exclude(status=DispatchStatus.CANCELLED)
    per_unit = _dispatch_counts(list(unit_names), list(class_names))
    makeups = owed_makeups(subtree, end)
    overdue_q = overdue_makeup_q(end)
    per_unit_makeups: dict[int, dict] = {}
    for unit_id, overdue, n in (
        makeups.order_by()
        .values_list("source__unit_id", Case(When(overdue_q, then=True), default=False))
        .annotate(n=Count("*"))
    ):
        owed = per_unit_makeups.setdefault(unit_id, {"owed": 0, "overdue": 0})
        owed["owed"] += n
        if overdue:
            owed["overdue"] += n
    units = [
        (pk, name) for pk, name in unit_names.items() if pk in per_unit or pk in per_unit_makeups
    ]
    in_force = compliance.rules_in_force(end)
    rates = compliance.summary_by_unit(
        Cadre.objects.filter(unit_id__in=[u for u, _ in units]),
        end,
        rule_sets=compliance.profiles(end, rules=in_force),
    )
    rows = []
    for unit_id, name in units:
        counted = per_unit.get(unit_id, {})
        owed = per_unit_makeups.get(unit_id, {})
        summary = rates.get(unit_id, {})
        row = {
            "unit_id": unit_id,
            "unit": name,
            **{k: counted.get(k, 0) for k in FIGURE_KEYS[:10]},
            "makeup_owed": owed.get("owed", 0),
            "makeup_overdue": owed.get("overdue", 0),
            "cadres": summary.get("total", 0),
            "compliant": summary.get(compliance.MET, 0) + summary.get(compliance.ON_TRACK, 0),
        }
        rows.append(row)
    absentee_ids = _absentee_ids(dispatches)
    overdue_makeups = [
        {
            "name": name,
            "unit": unit,
            "missed_class": klass,
            "due_date": due.isoformat(),
            "status": status,
            "cadre_id": cadre_id,
        }
        for name, unit, klass, due, status, cadre_id in makeups.filter(overdue_q)
        .order_by("source__unit__path", "due_date", "cadre__name", "cadre_id")
        .values_list(
            "cadre__name",
            "source__unit__name",
            "source__training_class__name",
            "due_date",
            "status",
            "cadre_id",
        )
    ]
    totals = {k: sum(r[k] for r in rows) for k in FIGURE_KEYS}
    return {
        "period": [start.isoformat(), end.isoformat()],
        "units": rows,
        "absentee_ids": absentee_ids,
        "overdue_makeups": overdue_makeups,
        "totals": totals,
        "rule_versions": sorted(
            f"{r.code}@v{r.version}" for group in in_force.values() for r in group
        ),
    }


def completed_makeup_q(end: dt.date) -> Q:
    """Makeups completed by the end of `end`: attended in a makeup class that had ended
    by then. The class's last day is the day the makeup was done (and its hours are
    credited on, so the compliance figures as of `end` agree); when attendance was
    recorded does not matter. A makeup attended since, in a class that ended after
    `end`, was still owed then. (One attended without its class on record counts as
    done whenever: nothing says when.)"""
    attended_later = Dispatch.objects.filter(
        makes_up=OuterRef("pk"),
        status=DispatchStatus.ATTENDED,
        training_class__end_date__gt=end,
    )
    return Q(status=MakeupStatus.ATTENDED) & ~Exists(attended_later)


def owed_makeups(units, end: dt.date):
    """Makeups owed at the end of the period by cadres who missed a class in `units`:
    owed by then and not completed by then (`completed_makeup_q`), whatever happened
    to them since; a cancelled or exempted makeup (when, nothing records) is never owed."""
    return (
        Makeup.objects.filter(source__unit__in=units, created_at__date__lte=end)
        .exclude(status__in=[MakeupStatus.CANCELLED, MakeupStatus.EXEMPT])
        .exclude(completed_makeup_q(end))
    )


def overdue_makeup_q(end: dt.date) -> Q:
    """Of the makeups owed at the period's end (`owed_makeups`), those overdue then:
    due before its end. Not today's escalation flag, which a makeup falling due after
    the period carries by the time the circular is counted."""
    return Q(due_date__lt=end)


def period_label(start: dt.date, end: dt.date) -> str:
    """The period as the circular names it: 2026年度, 2026年3月, 2026年第一季度, a
    span of dates without the year repeated (2026年10月1日至12月13日), or one day
    (2026年12月6日)."""
    if start == end:
        return format_document_date(start)
    if start.month == 1 and start.day == 1 and end == dt.date(start.year, 12, 31):
        return f"{start.year}年度"
    if start.day == 1 and (end + dt.timedelta(days=1)).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if months == 1:
            return format_document_date(start, "YEAR_MONTH_FORMAT")
        if months == 3 and start.month in (1, 4, 7, 10):
            return f"{start.year}年第{'一二三四'[start.month // 3]}季度"
    until = format_document_date(
        end, "DATE_FORMAT" if end.year != start.year else "MONTH_DAY_FORMAT"
    )
    return f"{format_document_date(start)}至{until}"


def counted_figures(*, org_department, start: dt.date, end: dt.date) -> dict:
    """The circular's figures; the dispatches it counts in progress ("open_ids") and
    those earlier circulars counted so, settled since ("carried", `circulars.carried`);
    the plan and feedback sections of a yearly one."""
    figures = circular_figures(org_department=org_department, start=start, end=end)
    figures["open_ids"] = (
        open_ids(org_department, start, end) if figures["totals"]["in_progress"] else []
    )
    carried = carried_figures(org_department, start)
    if carried:
        figures["carried"] = carried
    yearly = yearly_figures(org_department, start, end)
    if yearly:
        figures["yearly"] = yearly
    return figures


@transaction.atomic
def circular_create(
    *, actor, org_department, period_kind: str, start: dt.date, end: dt.date
) -> Circular:
    """Start a circular of `org_department` for the period [start, end], its figures
    counted: the dispatcher's start form and the schedule both come here. The period
    must be one that can be reported (`periods.require_reportable_period`: ended, within
    the ledger's days, of the kind its dates make) and not reported already
    (`periods.require_no_conflict`, asked with the department's row locked)."""
    periods.require_reportable_period(period_kind, start, end)
    if actor is not None:
        require_any(actor, ("issue_dispatch",), org_department.unit)
    OrgDepartment.objects.select_for_update().filter(pk=org_department.pk).first()
    periods.require_no_conflict(org_department, start, end)
    label = period_label(start, end)
    circular = Circular.objects.create(
        org_department=org_department,
        period_kind=period_kind,
        period_start=start,
        period_end=end,
        title=f"关于{label}干部调训情况的通报",
        created_by=actor,
        figures=counted_figures(org_department=org_department, start=start, end=end),
    )
    record_event(actor=actor, verb="circular.create", target=circular, after=snapshot(circular))
    return circular


def _lock_circular(circular):
    return Circular.objects.select_for_update().get(pk=circular.pk)


def circular_recompute(*, actor, circular, why: str) -> Circular:
    """Count the circular's figures again from the rows as they stand now (dispatches
    recorded, makeups escalated or attended since), audited with the figures before and
    after. Called with the circular locked when the drafter submits it, so that the
    stored figures are always those its stored text went to the head with: the head
    approves them, and the drafter's page tells a text written for other figures
    (`text_for_other_figures`)."""
    before = circular.figures
    figures = figures_now(circular)
    circular.figures = figures
    circular.save(update_fields=["figures"])
    changed = figures != before
    record_event(
        actor=actor,
        verb="circular.recompute",
        target=circular,
        before={"figures": before},
        after={"figures": figures},
        note=f"{why}: {'figures changed' if changed else 'figures unchanged'}",
    )
    return circular


def figures_now(circular) -> dict:
    """The circular's figures as the rows stand now (`counted_figures`), stored or not;
    its department read with its unit and jurisdiction, and kept on `circular`."""
    if not Circular.org_department.is_cached(circular):
        circular.org_department = OrgDepartment.objects.select_related("unit", "jurisdiction").get(
            pk=circular.org_department_id
        )
    return counted_figures(
        org_department=circular.org_department,
        start=circular.period_start,
        end=circular.period_end,
    )


def figures_digest(figures: dict) -> str:
    """A short fingerprint of the figures, carried by the drafter's form: which figures
    the text was written against (`circulars.lines.canonical_figures`: the same for
    figures stored before with rates beside their counts)."""
    canonical = json.dumps(
        canonical_figures(figures), sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


#: The code of the refusal when the figures changed under the drafter's text.
FIGURES_CHANGED = "figures_changed"
#: The code of the refusal of a text submitted unchanged though written for other figures.
TEXT_FOR_OTHER_FIGURES = "text_for_other_figures"


def text_for_other_figures(circular, figures: dict) -> bool:
    """Whether the circular's stored text was written for other figures than `figures`:
    the stored figures are those the text was submitted with (counted again only on
    submission), so a returned circular whose rows changed since has a text that may
    say other numbers than its tables."""
    return bool(circular.body.strip()) and figures_digest(circular.figures) != figures_digest(
        figures
    )


def same_text(one: str, other: str) -> bool:
    """The same text, whatever the line endings and blank lines (a browser sends a text
    box's lines with CRLF)."""

    def lines(text):
        return [line.strip() for line in (text or "").splitlines() if line.strip()]

    return lines(one) == lines(other)


def with_figures(circular, figures: dict):
    """A copy of `circular` carrying `figures`, never saved: for showing and printing."""
    shown = copy.copy(circular)
    shown.figures = figures
    return shown


@dataclass(frozen=True)
class DraftingPage:
    """What the drafter's page shows: the circular with its figures as they stand now
    (`circular`, never saved: the stored ones stay those of the stored text), their
    digest for the form, the text for the text box, the text generated from the
    figures, and whether the stored text was written for other figures — `regenerated`
    when the drafter had not edited it (the box then holds the text generated afresh),
    `other_figures` when the drafter's own text is kept and must be checked."""

    circular: Circular
    figures_seen: str
    text: str
    generated: str
    regenerated: bool = False
    other_figures: bool = False


#: The text generated from a circular's figures (`circulars.documents.generated_text`,
#: passed in by the callers: the documents are built on these services).
TextOf = Callable[[Circular], str]


def drafting_page(circular, figures: dict, text_of: TextOf) -> DraftingPage:
    """The drafter's page with `figures`, counted when it is opened. A stored text
    written for other figures is never offered as if it went with these: untouched
    since it was generated, it is generated again from them; edited, it is kept (the
    drafter's work) and flagged, with the generated text beside it, and `circular_draft`
    refuses it unchanged until the drafter says its numbers were checked."""
    shown = with_figures(circular, figures)
    page = DraftingPage(
        circular=shown, figures_seen=figures_digest(figures), text=circular.body, generated=""
    )
    stale = text_for_other_figures(circular, figures)
    if circular.body.strip() and not stale:
        return page
    generated = text_of(shown)
    page = dataclasses.replace(page, text=generated, generated=generated)
    if not stale:
        return page
    if same_text(circular.body, text_of(circular)):
        return dataclasses.replace(page, regenerated=True)
    return dataclasses.replace(page, text=circular.body, other_figures=True)


def _require_text_for_these_figures(
    circular, before: dict, body: str, checked: bool, text_of: TextOf | None
):
    """Refuse the stored text submitted unchanged when it was written for other figures
    than those counted now (`before`: the figures it was submitted with), unless the
    drafter says its numbers were checked against them or it is the text generated from
    them; a text the drafter edited on the page that said so goes through."""
    written_for = with_figures(circular, before)
    if checked or not same_text(body, circular.body):
        return
    if not text_for_other_figures(written_for, circular.figures):
        return
    if text_of is not None and same_text(body, text_of(circular)):
        return
    raise ValidationError(
        _(
            "This text was written for other figures than those shown (they have changed "
            "since it was submitted): check the numbers in it against the tables and tick "
            "the box to confirm, or use the text generated from the figures shown."
        ),
        code=TEXT_FOR_OTHER_FIGURES,
    )


#: A circular's text: a few pages (a page holds 22 × 28 characters). Longer, it is a
#: report to attach; and the preview lays the whole text out while it holds the renderer.
BODY_MAX_LENGTH = 20_000


@transaction.atomic
def circular_draft(
    *,
    actor,
    circular,
    title: str,
    body: str,
    figures_seen: str | None = None,
    figures_checked: bool = False,
    text_of: TextOf | None = None,
) -> Circular:
    """The drafter submits the text for approval; the figures are counted again.

    figures_seen: the `figures_digest` of the figures the drafter's page showed. A text
    of the drafter's own (not blank: a blank text is generated from the figures when
    issued) written against other figures than those counted now is refused, so that
    the head never approves a text whose numbers disagree with its tables; so is the
    stored text submitted unchanged when it was written for other figures
    (`_require_text_for_these_figures`; figures_checked: the drafter ticked that its
    numbers were checked against the figures shown; text_of: the generated text, which
    needs no such check)."""
    circular = _lock_circular(circular)
    require_any(actor, ("issue_dispatch",), circular.org_department.unit)
    if circular.status not in (CircularStatus.DRAFT, CircularStatus.RETURNED):
        raise ValidationError(_("This step has already been completed by someone else."))
    if not title.strip():
        raise ValidationError({"title": _("A circular needs a title.")})
    if len(body) > BODY_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _(
                    "The text of a circular is at most %(max)s characters (this one has "
                    "%(length)s): put the rest in the attachments."
                )
                % {"max": BODY_MAX_LENGTH, "length": len(body)}
            }
        )
    before = circular.figures
    circular_recompute(actor=actor, circular=circular, why="submitted")
    if figures_seen and body.strip() and figures_digest(circular.figures) != figures_seen:
        raise ValidationError(
            _(
                "The figures have changed since this page was opened (records entered in "
                "the meantime): they are counted again below. Check the numbers in the "
                "text against them, then submit again; or empty the text to have it "
                "generated from the figures."
            ),
            code=FIGURES_CHANGED,
        )
    if body.strip():
        _require_text_for_these_figures(circular, before, body, figures_checked, text_of)
    return change(
        actor=actor,
        instance=circular,
        verb="circular.draft",
        title=title.strip(),
        body=body.strip(),
        status=CircularStatus.AWAITING_APPROVAL,
    )


@transaction.atomic
def circular_decide(*, actor, circular, approve: bool, reason: str = "") -> Circular:
    """The org department head approves the circular, or returns it to the drafter;
    whoever started or drafted it may not, even as the head (回避)."""
    circular = _lock_circular(circular)
    require_circular_decider(actor, circular)
    if circular.status != CircularStatus.AWAITING_APPROVAL:
        raise ValidationError(_("This step has already been completed by someone else."))
    if approve:
        # The PDF is rendered afterwards, in a task (circulars.tasks.issue_circular).
        return change(
            actor=actor, instance=circular, verb="circular.approve", status=CircularStatus.ISSUING
        )
    require_reason(reason, _("Please give the reason for returning."))
    # The figures are not counted again here: they stay those the text was written for,
    # so the drafter's page can tell the text from the figures counted when it opens.
    return change(
        actor=actor,
        instance=circular,
        verb="circular.return",
        note=reason,
        status=CircularStatus.RETURNED,
        return_reason=reason.strip(),
    )


@transaction.atomic
def circular_issue_failed(*, circular, error: str) -> Circular:
    """The document could not be produced: the circular stays approved, with the reason
    shown on its page, until it is issued again."""
    circular = _lock_circular(circular)
    return change(actor=None, instance=circular, verb="circular.issue_failed", issue_error=error)


@transaction.atomic
def circular_mark_issued(*, circular, document) -> Circular:
    circular = _lock_circular(circular)
    if circular.status == CircularStatus.ISSUED:
        return circular
    circular = change(
        actor=None,
        instance=circular,
        verb="circular.issue",
        status=CircularStatus.ISSUED,
        document_number=document.document_number,
        document_id=document.pk,
        issue_error="",
    )
    circulars_notices.circular_issued(circular, document)
    return circular
