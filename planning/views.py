"""The plan pages (mounted at /plans/): thin — parse, call a service or selector,
render. Out of reach → 404; in reach without the role → 403."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core import exports
from core.http import page_number
from dispatch.models import SessionContent
from org import selectors as org_selectors
from org.models import Unit
from org.policy import require_reach
from planning import flows, policy, selectors, services
from planning.exports import ACTUAL_COLUMNS
from planning.forms import LineForm, PartnerNominateForm, ReasonForm
from planning.models import LineMode

PAGE_SIZE = 50


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
    offered = selectors.offered_lines(request.user)
    return render(
        request,
        "planning/plan_list.html",
        {
            "page": Paginator(plans, PAGE_SIZE).get_page(page_number(request.GET.get("page"))),
            "offered": offered[:100],
        },
    )


@login_required
def plan_detail(request, pk):
    plan = _plan(request, pk)
    return render(
        request,
        "planning/plan_detail.html",
        {
            "plan": plan,
            "lines": selectors.plan_lines(plan),
            "consultations": selectors.consultation_rows(plan),
            "versions": selectors.plan_versions(plan),
            "nominations": selectors.plan_nominations(plan),
            "may_draft": policy.may_draft(request.user, plan),
            "may_approve": policy.may_approve(request.user, plan),
            "reason_form": ReasonForm(),
        },
    )


def _allocations(text, form):
    pairs = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        code, _sep, seats = raw.replace("：", ":").partition(":")
        unit = Unit.objects.filter(code=code.strip()).first() if code.strip() else None
        if unit is None or not seats.strip().isdigit():
            raise ValidationError(
                {"allocations": _("Line %(n)d: unit code: seats") % {"n": number}}
            )
        pairs.append((unit, int(seats)))
    return pairs


def _sessions(text):
    rows = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.replace("，", ",").split(",")]
        try:
            date = dt.date.fromisoformat(parts[0])
            hours, content = parts[1], parts[2]
        except (IndexError, ValueError):
            raise ValidationError(
                {
                    "sessions": _(
                        "Line %(n)d: date, hours, content, teacher, leading cadre (1/0), title"
                    )
                    % {"n": number}
                }
            ) from None
        labels = {str(label): value for value, label in SessionContent.choices}
        rows.append(
            {
                "date": date,
                "hours": hours,
                "content": labels.get(content, content),
                "teacher": parts[3] if len(parts) > 3 else "",
                "by_leading_cadre": len(parts) > 4 and parts[4] in ("1", "是", "yes", "true"),
                "title": parts[5] if len(parts) > 5 else "",
            }
        )
    return rows


def _named_cadres(user, text):
    """The cadres of a named line, one a line by ID number or name, looked up among the
    cadres the dispatcher may name (others read as not found); a name two of them share
    must be given as the ID number."""
    keys = list(dict.fromkeys(k.strip() for k in (text or "").splitlines() if k.strip()))
    if not keys:
        return []
    reach = org_selectors.cadres_in_reach(user, "issue_dispatch").filter(
        Q(id_number__in=keys) | Q(name__in=keys)
    )
    by_id, by_name = {}, {}
    for c in reach:
        by_id[c.id_number] = c
        by_name.setdefault(c.name, []).append(c)
    missing = [k for k in keys if k not in by_id and k not in by_name]
    if missing:
        raise ValidationError({"cadres": _("Not found: %(names)s") % {"names": "、".join(missing)}})
    shared = [k for k in keys if k not in by_id and len(by_name[k]) > 1]
    if shared:
        raise ValidationError(
            {
                "cadres": _("Several cadres are named %(names)s: give the ID number.")
                % {"names": "、".join(shared)}
            }
        )
    return [by_id[k] if k in by_id else by_name[k][0] for k in keys]


@login_required
def line_add(request, pk):
    plan = _plan(request, pk)
    if not policy.may_draft(request.user, plan):
        raise PermissionDenied
    if plan.status not in services.EDITABLE:
        messages.error(request, _("Only a draft or returned plan can be changed."))
        return redirect("planning:detail", plan.pk)
    form = LineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        named = data.pop("cadres")
        try:
            services.line_add(
                actor=request.user,
                plan=plan,
                allocations=_allocations(data.pop("allocations"), form),
                cadres=_named_cadres(request.user, named) if data["mode"] == LineMode.NAMED else [],
                sessions=_sessions(data.pop("sessions")),
                partner_seats=data.pop("partner_seats") or 0,
                **data,
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("The class has been added to the plan."))
            return redirect("planning:detail", plan.pk)
    return render(request, "planning/line_form.html", {"plan": plan, "form": form})


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
        raise Http404
    form = PartnerNominateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        keys = [k.strip() for k in form.cleaned_data["cadres"].splitlines() if k.strip()][:1000]
        cadres, missing = selectors.partner_nominees(request.user, line, keys)
        try:
            if missing:
                raise ValidationError(
                    {
                        "cadres": _("Not found in your jurisdiction: %(names)s")
                        % {"names": "、".join(missing)}
                    }
                )
            services.partner_nominate(actor=request.user, line=line, cadres=cadres)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("The nominations have been recorded."))
            return redirect("planning:list")
    return render(
        request,
        "planning/reason_form.html",
        {"form": form, "title": _("Nominate into the offered seats"), "subject": line},
    )
