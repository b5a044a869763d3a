"""Views of the human tasks in dispatch flows. Each parses its form, calls one service,
and completes the task; Viewflow has already checked that the user owns the task, and
the service checks the jurisdiction again and that the step is still open."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from circulars import documents as circular_documents
from circulars import exports as circular_exports
from circulars import lines as circular_lines
from circulars import selectors as circular_selectors
from circulars import services as circular_services
from circulars.forms import CircularDraftForm, CircularStartForm
from core import exports
from core.formatting import format_percent, format_span
from org import selectors as org_selectors
from org.models import OrgDepartment
from workflow.task_views import DecisionTaskView, TaskFormView


class CircularStartView(TaskFormView):
    form_class = CircularStartForm
    start = True
    template_name = "workflow/start_form.html"

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["org_department"].queryset = OrgDepartment.objects.filter(
            unit__in=org_selectors.units_in_reach(self.request.user, "issue_dispatch")
        ).select_related("unit")
        return form

    def perform(self, form):
        data = form.cleaned_data
        return circular_services.circular_create(
            actor=self.request.user,
            org_department=data["org_department"],
            period_kind=data["period_kind"],
            start=data["period_start"],
            end=data["period_end"],
        )


#: Names of unexcused absentees per page of a circular's task page (the PDF lists all).
ABSENTEES_PAGE = 100


def absentee_page(figures, number):
    """Page `number` (`?absentees_page=`) of the figures' absentees: the page is cut
    from the count stored in the figures and only its names are read, in one query,
    however many absences the period had."""
    page = Paginator(range(circular_selectors.absentee_count(figures)), ABSENTEES_PAGE)
    page = page.get_page(number)
    page.object_list = circular_selectors.absentee_rows(
        figures, offset=(page.number - 1) * ABSENTEES_PAGE, limit=ABSENTEES_PAGE
    )
    return page


def circular_table(circular, absentees_page=None) -> dict:
    """The figures of the circular as the issued PDF prints them, for the task pages;
    the absentees a page at a time (`absentee_page`)."""
    figures = circular.figures

    def line(row):
        rates = circular_lines.rate_counts(row)
        return {**row, **{key: format_percent(*counts) for key, counts in rates.items()}}

    rows = circular_lines.circular_rows(figures)
    total = circular_lines.total_line(rows)
    return {
        "rows": [line(r) for r in rows],
        "total": line(total) if rows else {},
        "absentees": absentee_page(figures, absentees_page),
        "overdue_makeups": figures.get("overdue_makeups", []),
    }


def circular_details(circular):
    summary = circular_lines.circular_summary(circular.figures)
    return [
        (_("Organization department"), circular.org_department.unit.name),
        (
            _("Period"),
            format_span(circular.period_start, circular.period_end),
        ),
        (_("Named (person-times)"), summary.get("named", 0)),
        (_("Attended"), summary.get("attended", 0)),
        (_("Attendance rate"), format_percent(summary.get("attended", 0), summary["expected"])),
        (_("Makeup overdue"), summary.get("makeup_overdue", 0)),
        (_("Returned because"), circular.return_reason or "—"),
    ]


class CircularTaskMixin:
    """The task pages that show the circular's figures; `?format=xlsx` (or csv) downloads
    them, to whoever may open the task (Viewflow checks that before `get`)."""

    template_name = "circulars/circular_task.html"

    def get(self, request, *args, **kwargs):
        if exports.requested_format(request):
            circular = self.subject()
            return exports.export_response(
                request,
                circular_exports.figure_rows(circular),
                circular_exports.FIGURES,
                circular.title or _("Circular"),
                f"circular-{circular.pk}",
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["circular_table"] = circular_table(
            self.subject(), absentees_page=self.request.GET.get("absentees_page")
        )
        return context


class CircularDraftView(CircularTaskMixin, TaskFormView):
    """The drafter edits the circular's one text, pre-filled with the text generated from
    the figures; a POST with `preview` answers the first page as it would print (PNG)
    and completes nothing.

    The page shows the figures as they stand when it is opened (counted then, not
    stored: `circular_services.drafting_page`), the form carries their digest, and a
    stored text written for other figures is flagged or generated again."""

    form_class = CircularDraftForm
    template_name = "circulars/circular_draft.html"
    #: the drafter's tick that the numbers of a flagged text were checked (not a field
    #: of the form: it is shown only on a page that flags the text)
    CHECKED = "figures_checked"

    def stored(self):
        """The circular as stored: its figures are those its stored text went with."""
        return self.activation.process.artifact

    def figures(self):
        """The figures as they stand now, counted once per request (again after a
        refusal, `forget_figures`)."""
        if getattr(self, "_figures", None) is None:
            self._figures = circular_services.figures_now(self.stored())
        return self._figures

    def forget_figures(self):
        self._figures = self._drafting = None

    def drafting(self):
        if getattr(self, "_drafting", None) is None:
            self._drafting = circular_services.drafting_page(
                self.stored(), self.figures(), circular_documents.generated_text
            )
        return self._drafting

    def subject(self):
        # Everything the page shows (table, details, export, preview) is of the figures
        # as they stand now.
        return circular_services.with_figures(self.stored(), self.figures())

    def details(self, circular):
        return circular_details(circular)

    def get_initial(self):
        page = self.drafting()
        return {"title": self.stored().title, "body": page.text, "figures_seen": page.figures_seen}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["drafting"] = self.drafting()
        return context

    def post(self, request, *args, **kwargs):
        if "preview" in request.POST:
            form = self.get_form()
            form.is_valid()
            data = getattr(form, "cleaned_data", {})
            png = circular_documents.preview_png(
                self.subject(),
                title=data.get("title") or request.POST.get("title", "")[:255],
                text=data.get("body", ""),
            )
            response = HttpResponse(png, content_type="image/png")
            response["Cache-Control"] = "no-store"
            return response
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        try:
            return circular_services.circular_draft(
                actor=self.request.user,
                circular=self.stored(),
                figures_checked=bool(self.request.POST.get(self.CHECKED)),
                text_of=circular_documents.generated_text,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            self.figures_changed = exc.code == circular_services.FIGURES_CHANGED
            raise

    def form_valid(self, form):
        self.figures_changed = False
        response = super().form_valid(form)
        if not self.figures_changed:
            return response
        # The step was rolled back; the page counts the figures again, and the form now
        # carries them, with the drafter's text as it was.
        self.forget_figures()
        form.data = form.data.copy()
        form.data["figures_seen"] = self.drafting().figures_seen
        return self.form_invalid(form)


class CircularApproveView(CircularTaskMixin, DecisionTaskView):
    choices = [("approve", _("Approve and issue")), ("return", _("Return to the drafter"))]

    def details(self, circular):
        return circular_details(circular) + [
            (_("Title"), circular.title),
            (_("Text"), circular.body or "—"),
        ]

    def perform(self, form):
        return circular_services.circular_decide(
            actor=self.request.user,
            circular=self.subject(),
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
        )
