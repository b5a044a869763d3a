"""The page of the training cycles of leadership-team members and outstanding young
cadres (issue 12), beside the compliance report: the report lives in `ledger`, which
cannot know whether a class was systematic (`dispatch.leadership`), so this page lives
here. For those who reach cadres, as the compliance report; the rows are the cadres in
the user's reach, measured set-based (`dispatch.leadership.cycle_report`)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import exports
from dispatch import exports as dispatch_exports
from dispatch import leadership
from org import policy
from org import selectors as org_selectors

PER_PAGE = 50


class CycleFilterForm(forms.Form):
    """The day evaluated (today by default), the group and met or not."""

    as_of = forms.DateField(
        label=gettext_lazy("As of"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    group = forms.ChoiceField(
        label=gettext_lazy("Group"),
        required=False,
        choices=[
            ("", gettext_lazy("All")),
            ("leaders", gettext_lazy("Leadership-team member")),
            ("young", gettext_lazy("Outstanding young cadre")),
        ],
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("All statuses")),
            (leadership.MET, gettext_lazy("met")),
            (leadership.UNMET, gettext_lazy("not met")),
        ],
    )

    def clean(self):
        data = super().clean()
        if not data.get("as_of") and "as_of" not in self.errors:
            data["as_of"] = timezone.localdate()
        return data


@login_required
def leadership_report(request):
    policy.require_reach(request.user)
    form = CycleFilterForm(request.GET)
    report = None
    if form.is_valid():
        report = leadership.cycle_report(
            org_selectors.cadres_in_reach(request.user),
            form.cleaned_data["as_of"],
            group=form.cleaned_data["group"] or None,
            status=form.cleaned_data["status"] or None,
        )
        if exports.requested_format(request):
            return exports.export_response(
                request, report.rows, dispatch_exports.CYCLES, _("Training cycles"), "cycles"
            )
    page = Paginator(report.rows if report else [], PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "dispatch/leadership_report.html", {"form": form, "report": report, "page": page}
    )
