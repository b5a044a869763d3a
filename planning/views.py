"""The plan pages (mounted at /plans/): thin — parse, call a service or selector,
render. Out of reach → 404; in reach without the role → 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core import exports
from core.http import page_number
from org.policy import require_reach
from planning import flows, need, policy, selectors, services
from planning.documents import target_categories_label
from planning.exports import ACTUAL_COLUMNS, LINE_COLUMNS, plan_list_table
from planning.forms import (
    LineForm,
    PartnerNominateForm,
    ReasonForm,
    line_initial,
    named_cadres,
    parse_allocations,
    parse_sessions,
)
from planning.models import LineMode

PAGE_SIZE = 50
#: lines of the plan a page: each shows its seats per unit (sixty units and more in a city)
LINES_PAGE_SIZE = 25


def _errors(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _plan(request, pk):
    plan = selectors.plan_for_user(request.user, pk)
    if plan is None:
        raise Http404
    return plan


@login_required
def plan_list(request):
    require_reach(request.user)
    plans = selectors.plans_in_reach(request.user).order_by("-year", "org_department", "-version")
    if exports.requested_format(request):
        return exports.export_response(
            request, *plan_list_table(request.user, request.GET.get("table"), plans)
        )
    offered = selectors.offered_lines(request.user)
    return render(
        request,
        "planning/plan_list.html",
        {
            "page": Paginator(plans, PAGE_SIZE).get_page(page_number(request.GET.get("page"))),
            "offered": offered[:100],
            "may_start": flows.PlanFlow.start.can_execute(request.user),
        },
    )


def _page(request, rows, param: str, per_page: int = PAGE_SIZE):
    """The page of `rows` the query's `param` asks for."""
    return Paginator(rows, per_page).get_page(page_number(request.GET.get(param)))


@login_required
def plan_detail(request, pk):
    """The plan: a page of its lines (each with what the user may do to it), and pages
    of its removed lines, consultations, partner nominations and versions, each list
    paged by its own query parameter. The queries are as many however long each is."""
    plan = _plan(request, pk)
    if exports.requested_format(request):
        return exports.export_response(
            request, selectors.plan_line_rows(plan), LINE_COLUMNS, str(plan), f"plan-{plan.pk}"
        )
    lines = selectors.plan_lines_page(plan, page_number(request.GET.get("page")), LINES_PAGE_SIZE)
    may_draft = policy.may_draft(request.user, plan)
    for line in lines:
        line.targets = target_categories_label(line)
    survey = need.plan_survey(request.user, plan)
    return render(
        request,
        "planning/plan_detail.html",
        {
            "plan": plan,
            "lines": lines,
            "changeable": {
                line.pk for line in lines if may_draft and policy.line_refusal(line) is None
            },
            "removable": {
                line.pk
                for line in lines
                if may_draft and policy.line_refusal(line, removing=True) is None
            },
            "removed": _page(request, selectors.removed_lines(plan), "removed_page"),
            "consultations": _page(
                request, selectors.plan_consultations(plan), "consultations_page"
            ),
            "versions": _page(request, selectors.plan_versions(plan), "versions_page"),
            "nominations": _page(request, selectors.plan_nominations(plan), "nominations_page"),
            "may_draft": may_draft,
            "submit_url": flows.draft_task_url(plan) if may_draft else None,
            "may_approve": policy.may_approve(request.user, plan),
            "reason_form": ReasonForm(),
            "survey": survey,
            "need": need.need_against_plan(plan, survey) if survey else None,
        },
    )


def _line_fields(request, form, plan, line=None) -> dict:
    """The service's fields from a valid line form (the text parts parsed; the cadres
    named looked up in the plan's department's jurisdiction)."""
    data = dict(form.cleaned_data)
    cadres = data.pop("cadres")
    current = list(line.named_cadres.all()) if line is not None else ()
    data["allocations"] = parse_allocations(request.user, data["allocations"])
    data["sessions"] = parse_sessions(data["sessions"])
    data["partner_seats"] = data["partner_seats"] or 0
    data["cadres"] = (
        named_cadres(request.user, cadres, current=current, department=plan.org_department)
        if data["mode"] == LineMode.NAMED
        else []
    )
    return data


@login_required
def line_add(request, pk):
    plan = _plan(request, pk)
    if not policy.may_draft(request.user, plan):
        raise PermissionDenied
    if refusal := policy.plan_edit_refusal(plan):
        messages.error(request, refusal)
        return redirect("planning:detail", plan.pk)
    form = LineForm(request.POST or None)
    form.fields["partner"].queryset = policy.partner_choices(plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.line_add(actor=request.user, plan=plan, **_line_fields(request, form, plan))
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("The class has been added to the plan."))
            return redirect("planning:detail", plan.pk)
    return render(
        request,
        "planning/line_form.html",
        {"plan": plan, "form": form, "title": _("Add a class")},
    )


def _draftable_line(request, pk, *, removing=False):
    """The line (404 out of reach; 403 for who may not draft its plan) and why it cannot
    be changed or removed now (None: it can)."""
    line = selectors.line_for_user(request.user, pk)
    if line is None:
        raise Http404
    if not policy.may_draft(request.user, line.plan):
        raise PermissionDenied
    return line, policy.line_refusal(line, removing=removing)


@login_required
def line_change(request, pk):
    line, refusal = _draftable_line(request, pk)
    if refusal:
        messages.error(request, refusal)
        return redirect("planning:detail", line.plan_id)
    form = LineForm(request.POST or None, initial=line_initial(line))
    form.fields["partner"].queryset = policy.partner_choices(line.plan)
    if request.method == "POST" and form.is_valid():
        try:
            fields = _line_fields(request, form, line.plan, line)
            new = services.line_change(actor=request.user, line=line, **fields)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            if new.pk == line.pk:
                messages.info(request, _("Nothing was changed: the class stays as it was."))
            else:
                messages.success(request, _("The class has been changed."))
            return redirect("planning:detail", line.plan_id)
    return render(
        request,
        "planning/line_form.html",
        {"plan": line.plan, "form": form, "title": _("Change the class"), "line": line},
    )


@login_required
def line_remove(request, pk):
    line, refusal = _draftable_line(request, pk, removing=True)
    if refusal:
        messages.error(request, refusal)
        return redirect("planning:detail", line.plan_id)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.line_remove(actor=request.user, line=line, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("The class has been removed from the plan."))
            return redirect("planning:detail", line.plan_id)
    notes = []
    if line.training_class_id is not None:
        notes.append(
            _(
                "The class already exists: publishing this version of the plan calls it "
                "off, with this reason, and tells its institution."
            )
        )
    return render(
        request,
        "planning/reason_form.html",
        {
            "form": form,
            "title": _("Remove the class from the plan"),
            "subject": line,
            "notes": notes,
        },
    )


@login_required
def line_waive(request, pk):
    line = selectors.line_for_user(request.user, pk)
    if line is None:
        raise Http404
    if not policy.may_approve(request.user, line.plan):
        raise PermissionDenied
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.line_waive(actor=request.user, line=line, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("The waiver has been recorded."))
            return redirect("planning:detail", line.plan_id)
    return render(
        request,
        "planning/reason_form.html",
        {
            "form": form,
            "title": _("Waive the teaching indicators"),
            "subject": line,
            "shortfalls": policy.line_shortfalls(line),
        },
    )


@login_required
def new_version(request, pk):
    plan = _plan(request, pk)
    if not policy.may_draft(request.user, plan):
        raise PermissionDenied
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = flows.start_new_version(
                actor=request.user, plan=plan, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("A new version of the plan has been started."))
            return redirect("planning:detail", new.pk)
    return render(
        request,
        "planning/reason_form.html",
        {"form": form, "title": _("Change the published plan"), "subject": plan},
    )


@login_required
def plan_actual(request, pk):
    plan = _plan(request, pk)
    rows = selectors.plan_vs_actual(plan.org_department, plan.year)
    if exports.requested_format(request):
        return exports.export_response(
            request, rows, ACTUAL_COLUMNS, f"{plan.title}-{_('Plan against actual')}", "plan-actual"
        )
    return render(
        request,
        "planning/plan_actual.html",
        {
            "plan": plan,
            "page": Paginator(rows, PAGE_SIZE).get_page(page_number(request.GET.get("page"))),
            "totals": {k: sum(r[k] for r in rows) for k in ("planned", "named", "attended", "gap")},
        },
    )


@login_required
def partner_nominate(request, pk):
    line = selectors.offered_line_for_user(request.user, pk)
    if line is None:
        # Those who read the plan see the line: a role they lack, not a page that is not.
        if selectors.line_for_user(request.user, pk) is not None:
            raise PermissionDenied
        raise Http404
    form = PartnerNominateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        keys = [k.strip() for k in form.cleaned_data["cadres"].splitlines() if k.strip()][:1000]
        cadres, missing, shared = selectors.partner_nominees(request.user, line, keys)
        try:
            unknown = []
            if missing:
                unknown.append(
                    _("Not found in your jurisdiction: %(names)s") % {"names": "、".join(missing)}
                )
            if shared:
                unknown.append(
                    _("Several cadres are named %(names)s: give the ID number.")
                    % {"names": "、".join(shared)}
                )
            if unknown:
                raise ValidationError({"cadres": unknown})
            services.partner_nominate(actor=request.user, line=line, cadres=cadres)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("The nominations have been recorded."))
            return redirect("planning:list")
    return render(
        request,
        "planning/reason_form.html",
        {
            "form": form,
            "title": _("Nominate into the offered seats"),
            "subject": line,
            "notes": selectors.offered_line_notes(line),
        },
    )
