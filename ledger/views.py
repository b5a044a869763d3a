"""Pages. Each view loads what it shows through a jurisdiction-filtered selector (so an
outsider gets 404), and writes only through services."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.services import refusal_detail
from core import exports
from core.formatting import format_date, format_hours
from core.http import page_number, positive_int
from core.paging import CountedPaginator, rows_by_ids
from core.validation import REASON_MAX_LENGTH, validate_attachment
from ledger import compliance
from ledger import exports as ledger_exports
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.forms import HourImportForm, HourLedgerFilterForm
from ledger.recognition import recognition_provider
from ledger.report import StandingRows
from org import policy
from org import selectors as org_selectors
from org.models import Unit
from workflow.task_views import TaskFormView

LEDGER_PAGE_SIZE = 50
# Pages served of the hours ledger (the newest 5,000 records of a filter): a deeper page of a
# million records costs seconds of OFFSET; older records are found by filtering by date,
# or downloaded.
LEDGER_MAX_PAGES = 100


class CompliancePeriodForm(forms.Form):
    """The day the report is evaluated on (today by default) and, optionally, the first
    day from which hours count."""

    since = forms.DateField(
        label=gettext_lazy("Hours counted from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    as_of = forms.DateField(
        label=gettext_lazy("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_since(self):
        return self._bounded("since")

    def clean_as_of(self):
        return self._bounded("as_of")

    def _bounded(self, name: str):
        day = self.cleaned_data.get(name)
        refusal = compliance.day_refusal(day)
        if refusal:
            raise ValidationError(refusal)
        return day

    def clean(self):
        data = super().clean()
        if not data.get("as_of") and "as_of" not in self.errors:
            data["as_of"] = timezone.localdate()
        if data.get("since") and data.get("as_of") and data["as_of"] < data["since"]:
            self.add_error("as_of", _("The period cannot end before it starts."))
        return data


@login_required
def compliance_report(request):
    policy.require_reach(request.user)
    unit_id = positive_int(request.GET.get("unit"))
    cadres = org_selectors.cadres_in_reach(request.user)
    unit = None
    if unit_id:
        unit = org_selectors.units_in_reach(request.user).filter(pk=unit_id).first()
        if unit is None:
            raise Http404
        cadres = cadres.filter(unit__path__startswith=unit.path)
    period = CompliancePeriodForm(request.GET)
    status = request.GET.get("status")
    status = status if status in compliance.ORDER else None
    rows, per_page = [], 100
    if period.is_valid() and exports.requested_format(request):
        report = compliance.ReportRows(
            cadres, period.cleaned_data["as_of"], period.cleaned_data["since"], status
        )
        name = f"{_('Compliance')}-{unit.name}" if unit else _("Compliance")
        return exports.export_response(
            request,
            ledger_exports.report_rows(report),
            ledger_exports.COMPLIANCE,
            name,
            "compliance",
        )
    if period.is_valid():
        # Ordered (worst status, largest shortfall first) and paged in SQL — from the
        # day's stored standings when current, else live (ledger.report); the page
        # asked for is read first, and brings the count with it.
        rows = StandingRows(
            cadres, period.cleaned_data["as_of"], period.cleaned_data["since"], status
        )
        number = page_number(request.GET.get("page"))
        rows.prefetch((number - 1) * per_page, number * per_page)
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    for row in page:
        row["indicators"] = compliance.indicators_text(row)  # as the download prints it
    units = {u.pk: u.name for u in Unit.objects.filter(pk__in={r["unit_id"] for r in page})}
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ledger/compliance.html",
        {
            "page": page,
            "unit": unit,
            "units": units,
            "status": status,
            "period": period,
            "as_of": period.cleaned_data.get("as_of") if period.is_valid() else None,
            "query": query.urlencode(),
        },
    )


@login_required
def hours_import(request):
    if not policy.is_dispatcher(request.user):
        raise PermissionDenied
    form = HourImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            hour_import = ledger_services.hours_import_preview(
                actor=request.user, upload=upload, name=upload.name
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            return redirect("hours_import_preview", pk=hour_import.pk)
    return render(request, "ledger/hours_import.html", {"form": form})


@login_required
def hours_import_preview(request, pk: int):
    hour_import = ledger_selectors.hour_import_of(request.user, pk)
    if hour_import is None:
        raise Http404
    if request.method == "POST":
        try:
            created = ledger_services.hours_import_commit(
                actor=request.user, hour_import=hour_import
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("%(count)d rows imported.") % {"count": len(created)})
        return redirect("hours_import_preview", pk=pk)
    # A page of rows at a time, those with errors first (or only those); the counts come
    # from one aggregate query, so a large import costs the page no more than a small one.
    errors_only = request.GET.get("show") == "errors"
    counts = ledger_selectors.hour_import_counts(hour_import)
    per_page = ledger_selectors.PREVIEW_PAGE_SIZE
    pages = max(1, -(-(counts["errors"] if errors_only else counts["rows"]) // per_page))
    number = min(positive_int(request.GET.get("page")) or 1, pages)
    rows = ledger_selectors.hour_import_rows(hour_import, errors_only=errors_only)
    return render(
        request,
        "ledger/hours_import_preview.html",
        {
            "hour_import": hour_import,
            "counts": counts,
            "rows": rows[(number - 1) * per_page : number * per_page],
            "errors_only": errors_only,
            "number": number,
            "pages": pages,
        },
    )


@login_required
def hours_ledger(request):
    """The hours ledger of the cadres in reach: every record, newest first, filtered and
    paged, its count and the recognized hours of the filtered list in one query; the
    download (`?format=`) has every record of the filtered list."""
    policy.require_reach(request.user)
    unit_id = positive_int(request.GET.get("unit"))
    unit = None
    if unit_id:
        unit = org_selectors.units_in_reach(request.user).filter(pk=unit_id).first()
        if unit is None:
            raise Http404
    form = HourLedgerFilterForm(request.GET)
    records = None
    if form.is_valid():
        records = ledger_selectors.hour_ledger(
            request.user, unit=unit, search=form.cleaned_data["q"], **_ledger_filters(form)
        )
        if exports.requested_format(request):
            name = f"{_('Hours ledger')}-{unit.name}" if unit else _("Hours ledger")
            return exports.export_response(
                request, ledger_exports.ledger_rows(records), ledger_exports.LEDGER, name, "hours"
            )
    totals = ledger_selectors.hour_ledger_totals(records) if records is not None else None
    page = None
    if totals is not None:
        paginator = CountedPaginator(records, LEDGER_PAGE_SIZE, totals["rows"])
        page = paginator.get_page(min(page_number(request.GET.get("page")), LEDGER_MAX_PAGES))
        # The page's ids first (the list's index answers them), then its 50 rows by id.
        page = rows_by_ids(page, ledger_selectors.hour_records_by_ids)
    return render(
        request,
        "ledger/hours_ledger.html",
        {
            "form": form,
            "unit": unit,
            "page": page,
            "totals": totals,
            "last_served": page is not None and page.number == LEDGER_MAX_PAGES,
            "may_import": policy.is_dispatcher(request.user),
        },
    )


def _ledger_filters(form) -> dict:
    data = form.cleaned_data
    return {name: data[name] for name in ("kind", "source", "status", "since", "until")}


# -- the task of RecognitionFlow: a request sent back to the unit, corrected -----------------


class RecognitionCorrectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachment = forms.FileField(
        label=gettext_lazy("Attachment"),
        required=False,
        validators=[validate_attachment],
        help_text=gettext_lazy("A proof of the hours; leave empty to keep the one already sent."),
    )


class RecognitionCorrectView(TaskFormView):
    """The liaison corrects a recognition request the approval sent back — why, and by
    whom, shown above the form — and submits it again (`recognition_resubmit`)."""

    form_class = RecognitionCorrectForm

    def details(self, record):
        details = [
            (gettext_lazy("Cadre"), record.cadre.name),
            (gettext_lazy("Unit"), record.cadre.unit.name),
            (gettext_lazy("Date"), format_date(record.date)),
            (gettext_lazy("Kind of training"), record.get_kind_display()),
            (gettext_lazy("Credit hours"), format_hours(record.hours)),
            (gettext_lazy("Platform or institution"), recognition_provider(record)),
        ]
        if record.attachment:
            details.append((gettext_lazy("Attachment"), record.attachment.name.rsplit("/", 1)[-1]))
        if refused := refusal_detail(record):
            details.append(refused)
        return details

    def get_initial(self):
        return {"reason": ledger_services.recognition_reason(self.subject())}

    def perform(self, form):
        return ledger_services.recognition_resubmit(
            actor=self.request.user,
            record=self.subject(),
            reason=form.cleaned_data["reason"],
            attachment=form.cleaned_data.get("attachment"),
        )
