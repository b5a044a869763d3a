"""The period a circular reports, and the one circular that reports it.

A circular (通报) tells the units what happened in a period that is over: it ends by
today at the latest (today itself is the usual case of a dispatcher issuing a circular
"to date"), within the days the ledger can evaluate (`compliance.day_refusal`), and its
kind agrees with its dates. A period is reported once per organization department: a
circular overlapping another of the department's is refused — except that a calendar
year's circular (年度通报, with the plan, evaluation and training-cycle sections) sums
up the months and quarters of its year. Asked by `circular_services.circular_create`,
which both the dispatcher's start form and the schedule go through, and by the start
form itself so that each field carries its own error."""

import calendar
import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Process
from viewflow.workflow.status import PROCESS

from circulars.models import Circular, CircularPeriod
from circulars.yearly import is_yearly
from core.formatting import format_date, format_span
from core.validation import implausible_day_refusal
from ledger import compliance


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def kind_fits(kind: str, start: dt.date, end: dt.date) -> bool:
    """Do the dates make the period `kind` says: one calendar month, one calendar quarter
    or one calendar year, from its first day to its last; a custom period any span."""
    if kind == CircularPeriod.MONTH:
        return start.day == 1 and end == _last_day(start.year, start.month)
    if kind == CircularPeriod.QUARTER:
        last = start.month + 2
        return start.day == 1 and start.month % 3 == 1 and end == _last_day(start.year, last)
    if kind == CircularPeriod.YEAR:
        return is_yearly(start, end)
    return kind == CircularPeriod.CUSTOM


def _kind_refusal(kind: str) -> str:
    if kind == CircularPeriod.MONTH:
        return _(
            "A monthly circular covers one calendar month, from its first day to its last. "
            "Choose a custom period for other dates."
        )
    if kind == CircularPeriod.QUARTER:
        return _(
            "A quarterly circular covers one calendar quarter (January to March, April to "
            "June, July to September or October to December), from its first day to its "
            "last. Choose a custom period for other dates."
        )
    if kind == CircularPeriod.YEAR:
        return _(
            "A yearly circular covers one calendar year, from 1 January to 31 December. "
            "Choose a custom period for other dates."
        )
    return _("Choose the period: monthly, quarterly, yearly or custom.")


def period_errors(
    kind: str, start: dt.date, end: dt.date, today: dt.date | None = None
) -> dict[str, str]:
    """Why the period cannot be reported, by form field ({} when it can).

    The days are bounded first (a year 1 or 9999 would overflow the arithmetic of the
    period's label and of the compliance windows); then the period must have ended —
    figures "截至" a day not yet come would report makeups as overdue a year early and
    judge hours against a day still ahead; then the kind must agree with the dates, so
    that the stored kind says what the dates are."""
    errors = {
        field: refusal
        for field, day in (("period_start", start), ("period_end", end))
        if (refusal := compliance.day_refusal(day))
    }
    # 1900: a mistyped year, not a period to report (a period not yet over is refused
    # below, by its end).
    if not errors and (refusal := implausible_day_refusal(start, years_ahead=100)):
        errors["period_start"] = refusal
    if errors:
        return errors
    if end < start:
        return {"period_end": _("The period cannot end before it starts.")}
    today = today or timezone.localdate()
    if end > today:
        errors["period_end"] = _(
            "A circular reports a period that has ended: the period must end by today "
            "(%(today)s) at the latest."
        ) % {"today": format_date(today)}
    if not kind_fits(kind, start, end):
        errors["period_kind"] = _kind_refusal(kind)
    return errors


def require_reportable_period(kind: str, start: dt.date, end: dt.date) -> None:
    """`period_errors`, raised as the form's errors."""
    errors = period_errors(kind, start, end)
    if errors:
        raise ValidationError(errors)


#: A circular of a calendar year (`yearly.is_yearly`), as a filter.
CALENDAR_YEAR = Q(
    period_start__month=1,
    period_start__day=1,
    period_end__month=12,
    period_end__day=31,
    period_end__year=ExtractYear("period_start"),
)


def live_circulars(org_department):
    """The department's circulars that still report their period: all of them, in any
    status (a returned one goes back to its drafter), but those whose process an
    administrator cancelled (Viewflow's manage actions), which will never be issued."""
    cancelled = Process.objects.filter(
        artifact_content_type=ContentType.objects.get_for_model(Circular),
        artifact_object_id=OuterRef("pk"),
        status=PROCESS.CANCELED,
    )
    return Circular.objects.filter(org_department=org_department).exclude(Exists(cancelled))


def conflicting_circular(org_department, start: dt.date, end: dt.date) -> Circular | None:
    """The department's live circular whose period overlaps [start, end], if any. A
    calendar year's circular conflicts only with another of the same year; the months,
    quarters and spans of dates conflict with one another, not with the year's."""
    live = live_circulars(org_department)
    if is_yearly(start, end):
        clashing = live.filter(period_start=start, period_end=end)
    else:
        clashing = live.filter(period_start__lte=end, period_end__gte=start).exclude(CALENDAR_YEAR)
    return clashing.order_by("period_start", "pk").first()


def describe(circular) -> str:
    """The circular as a refusal names it: its title, and its document number once
    issued (“关于2026年第一季度干部调训情况的通报” X组通〔2026〕3号)."""
    name = f"“{circular.title}”"
    return f"{name} {circular.document_number}" if circular.document_number else name


def require_no_conflict(org_department, start: dt.date, end: dt.date) -> None:
    """Refused, naming the existing circular, when the period is already reported
    (`conflicting_circular`). Called with the department's row locked, so that two
    dispatchers starting the same period at once do not both pass."""
    existing = conflicting_circular(org_department, start, end)
    if existing is None:
        return
    raise ValidationError(
        _(
            "This period overlaps that of the circular %(circular)s of the same "
            "organization department (%(period)s, %(status)s): a period is reported in "
            "one circular."
        )
        % {
            "circular": describe(existing),
            "period": format_span(existing.period_start, existing.period_end),
            "status": existing.get_status_display(),
        }
    )
