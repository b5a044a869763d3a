"""Pages. Each view loads what it shows through a jurisdiction-filtered selector (so an
outsider gets 404), and writes only through services."""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import compliance, flows, selectors, services, suggestions
from .forms import (
    CadreForm,
    CancelRollCallForm,
    DelegationForm,
    HourImportForm,
    ReassignForm,
    TrainingClassForm,
)
from .models import DispatchStatus, HourImport, Unit
from .roles import Role, roles_of


def _positive_int(value) -> int | None:
    """A query or form value as an id, or None for anything that is not plain digits."""
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() else None


def _reach_required(request):
    if not (request.user.is_superuser or selectors.units_in_reach(request.user).exists()):
        raise PermissionDenied


@login_required
def home(request):
    roles = roles_of(request.user)
    context = {
        "roles": [(role, Role(role).label) for role in roles],
        "summary": selectors.home_summary(request.user, roles),
    }
    return render(request, "dispatch/home.html", context)


@login_required
def cadre_list(request):
    _reach_required(request)
    search = request.GET.get("q", "").strip()
    unit_id = _positive_int(request.GET.get("unit"))
    if unit_id and not selectors.units_in_reach(request.user).filter(pk=unit_id).exists():
        raise Http404
    page = Paginator(selectors.cadre_list(request.user, search=search, unit_id=unit_id), 50)
    context = {
        "page": page.get_page(request.GET.get("page")),
        "search": search,
        "unit": Unit.objects.filter(pk=unit_id).first() if unit_id else None,
    }
    return render(request, "dispatch/cadre_list.html", context)


@login_required
def cadre_detail(request, pk: int):
    cadre = selectors.cadre_for_user(request.user, pk)
    if cadre is None:
        raise Http404
    return render(request, "dispatch/cadre_detail.html", {"cadre": cadre})


def _cadre_writable_units(user):
    """Units whose cadre records the user may register or change: a dispatcher's
    jurisdiction and a liaison's units (as `services.cadre_save` requires)."""
    return selectors.units_in_reach(user, "issue_dispatch") | selectors.units_in_reach(
        user, "act_as_liaison"
    )


def _nearest_org_department(unit):
    """The organization department with the narrowest jurisdiction that holds `unit`."""
    from django.db.models import F, Value
    from django.db.models.lookups import StartsWith

    from .models import OrgDepartment

    return (
        OrgDepartment.objects.filter(StartsWith(Value(unit.path), F("jurisdiction__path")))
        .select_related("unit")
        .order_by("-jurisdiction__depth")
        .first()
    )


def _cadre_form_page(request, cadre=None):
    """Register or change a cadre. The managing and co-managing organization departments
    are a dispatcher's to choose — among the departments their jurisdiction covers (for
    the managing one, whose jurisdiction also holds a unit they may choose), besides the
    current ones; a liaison keeps them as they are, and a cadre a liaison registers is
    managed by the department with the narrowest jurisdiction over the unit."""
    from django.db.models import Exists, F, OuterRef, Q
    from django.db.models.lookups import StartsWith

    from .models import OrgDepartment

    user = request.user
    form = CadreForm(request.POST or None, instance=cadre)
    units = Unit.objects.all() if user.is_superuser else _cadre_writable_units(user)
    form.fields["unit"].queryset = units
    dispatch_units = selectors.units_in_reach(user, "issue_dispatch")
    assigns = user.is_superuser or (
        dispatch_units.filter(pk=cadre.unit_id).exists()
        if cadre is not None
        else dispatch_units.exists()
    )
    managing = form.fields["managing_org_department"]
    co_managing = form.fields["co_managing_org_department"]
    current = [
        pk
        for pk in (
            cadre and cadre.managing_org_department_id,
            cadre and cadre.co_managing_org_department_id,
        )
        if pk
    ]
    if assigns:
        covered = (
            OrgDepartment.objects.all()
            if user.is_superuser
            else OrgDepartment.objects.filter(unit__in=dispatch_units)
        )
        holds_a_unit = Exists(units.filter(StartsWith(F("path"), OuterRef("jurisdiction__path"))))
        managing.queryset = OrgDepartment.objects.filter(
            Q(pk__in=covered.filter(holds_a_unit).values("pk")) | Q(pk__in=current)
        ).select_related("unit")
        co_managing.queryset = OrgDepartment.objects.filter(
            Q(pk__in=covered.values("pk")) | Q(pk__in=current)
        ).select_related("unit")
    elif cadre is not None:
        for field in (managing, co_managing):
            field.queryset = OrgDepartment.objects.filter(pk__in=current).select_related("unit")
            field.disabled = True
            field.help_text = _("Only a dispatcher may change the organization departments.")
    else:
        del form.fields["managing_org_department"], form.fields["co_managing_org_department"]
    if form.is_valid():
        instance = form.save(commit=False)
        if not assigns and cadre is None:
            instance.managing_org_department = _nearest_org_department(instance.unit)
        changed = {"managing_org_department", "co_managing_org_department"} & set(form.changed_data)
        if (
            assigns
            and changed
            and not user.is_superuser
            and not dispatch_units.filter(pk=instance.unit_id).exists()
        ):
            field = (
                "managing_org_department"
                if "managing_org_department" in changed
                else "co_managing_org_department"
            )
            form.add_error(
                field,
                _(
                    "Only a dispatcher whose jurisdiction holds %(unit)s may choose the "
                    "organization departments of its cadres."
                )
                % {"unit": instance.unit},
            )
        elif instance.managing_org_department_id is None:
            form.add_error("unit", _("No organization department has jurisdiction over this unit."))
        else:
            try:
                cadre = services.cadre_save(actor=user, cadre=instance)
            except PermissionDenied as exc:
                form.add_error("unit", str(exc) or _("This unit is outside your jurisdiction."))
            else:
                messages.success(request, _("The cadre record was saved."))
                return redirect("cadre_detail", pk=cadre.pk)
    return render(request, "dispatch/cadre_form.html", {"form": form, "cadre": cadre})


@login_required
def cadre_create(request):
    if not (request.user.is_superuser or _cadre_writable_units(request.user).exists()):
        raise PermissionDenied
    return _cadre_form_page(request)


@login_required
def cadre_edit(request, pk: int):
    cadre = selectors.cadre_for_user(request.user, pk)
    if cadre is None:
        raise Http404
    if not (
        request.user.is_superuser
        or _cadre_writable_units(request.user).filter(pk=cadre.unit_id).exists()
    ):
        raise PermissionDenied
    return _cadre_form_page(request, cadre)


@login_required
def unit_list(request):
    _reach_required(request)
    return render(request, "dispatch/unit_list.html", {"units": selectors.unit_list(request.user)})


@login_required
def class_list(request):
    _reach_required(request)
    page = Paginator(selectors.class_list(request.user), 50)
    return render(
        request, "dispatch/class_list.html", {"page": page.get_page(request.GET.get("page"))}
    )


@login_required
def class_detail(request, pk: int):
    training_class = selectors.class_list(request.user).filter(pk=pk).first()
    if training_class is None:
        raise Http404
    return render(request, "dispatch/class_detail.html", {"training_class": training_class})


@login_required
def class_create(request):
    if not selectors.units_in_reach(request.user, "issue_dispatch").exists():
        raise PermissionDenied
    form = TrainingClassForm(request.POST or None)
    form.fields["organizer"].queryset = form.fields["organizer"].queryset.filter(
        unit__in=selectors.units_in_reach(request.user, "issue_dispatch")
    )
    if form.is_valid():
        training_class = services.training_class_save(
            actor=request.user, training_class=form.save(commit=False)
        )
        messages.success(request, _("The training class was saved."))
        return redirect("class_detail", pk=training_class.pk)
    return render(request, "dispatch/class_form.html", {"form": form})


@login_required
def dispatch_list(request):
    _reach_required(request)
    status = request.GET.get("status") or None
    if status and status not in DispatchStatus.values:
        status = None
    page = Paginator(selectors.dispatch_list(request.user, status=status), 50)
    return render(
        request,
        "dispatch/dispatch_list.html",
        {
            "page": page.get_page(request.GET.get("page")),
            "status": status,
            "statuses": DispatchStatus.choices,
            "title": _("Dispatches"),
        },
    )


@login_required
def overdue_list(request):
    """Overdue work in the user's jurisdiction: dispatches past a due moment, approval
    decisions overdue or escalated, units that have not nominated by the deadline — each
    with its open task (and, for dispatchers, the page to reassign it)."""
    from django.utils import timezone

    _reach_required(request)
    now = timezone.now()

    def page_of(rows, param):
        return Paginator(rows, 50).get_page(request.GET.get(param))

    dispatches = page_of(selectors.overdue_dispatches(request.user, now), "page")
    approvals = page_of(selectors.overdue_approval_steps(request.user, now), "approvals_page")
    nominations = page_of(selectors.overdue_nominations(request.user, now), "nominations_page")
    rows = [*dispatches, *approvals, *nominations]
    urls = selectors.task_urls(row.open_task_id for row in rows)
    for row in rows:
        row.task_url = urls.get(row.open_task_id)
    return render(
        request,
        "dispatch/overdue_list.html",
        {"dispatches": dispatches, "approvals": approvals, "nominations": nominations},
    )


@login_required
def roll_call_detail(request, pk: int):
    roll_call = selectors.roll_call_list(request.user).filter(pk=pk).first()
    if roll_call is None:
        raise Http404
    form = CancelRollCallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            flows.cancel_roll_call(
                actor=request.user, roll_call=roll_call, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The roll call was cancelled."))
            return redirect("roll_call_detail", pk=pk)
    dispatches = roll_call.dispatches.select_related("cadre", "unit").order_by(
        "unit__path", "cadre__name"
    )
    return render(
        request,
        "dispatch/roll_call_detail.html",
        {
            "roll_call": roll_call,
            "dispatches": dispatches,
            "form": form,
            "allocations": roll_call.allocations.select_related("unit"),
        },
    )


@login_required
def roll_call_list(request):
    _reach_required(request)
    page = Paginator(selectors.roll_call_list(request.user).order_by("-created_at"), 50)
    return render(
        request, "dispatch/roll_call_list.html", {"page": page.get_page(request.GET.get("page"))}
    )


@login_required
def training_record(request, pk: int):
    cadre = selectors.cadre_for_user(request.user, pk)
    if cadre is None:
        raise Http404
    record = selectors.training_record(cadre, request.user)
    return render(
        request,
        "dispatch/cadre_record.html",
        {
            "cadre": cadre,
            "record": record,
            "timeline": Paginator(record["timeline"], 100).get_page(request.GET.get("page")),
            "compliance": compliance.for_cadre(cadre),
        },
    )


@login_required
def class_candidates(request, pk: int):
    training_class = selectors.class_list(request.user).filter(pk=pk).first()
    if training_class is None:
        raise Http404
    if not selectors.has_unit_permission(
        request.user, "issue_dispatch", training_class.organizer.unit
    ):
        raise PermissionDenied
    return render(
        request,
        "dispatch/class_candidates.html",
        {
            "training_class": training_class,
            "suggestions": suggestions.suggest(request.user, training_class),
        },
    )


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

    def clean(self):
        data = super().clean()
        if not data.get("as_of") and "as_of" not in self.errors:
            data["as_of"] = timezone.localdate()
        if data.get("since") and data.get("as_of") and data["as_of"] < data["since"]:
            self.add_error("as_of", _("The period cannot end before it starts."))
        return data


@login_required
def compliance_report(request):
    _reach_required(request)
    unit_id = _positive_int(request.GET.get("unit"))
    cadres = selectors.cadres_in_reach(request.user)
    unit = None
    if unit_id:
        unit = selectors.units_in_reach(request.user).filter(pk=unit_id).first()
        if unit is None:
            raise Http404
        cadres = cadres.filter(unit__path__startswith=unit.path)
    period = CompliancePeriodForm(request.GET)
    status = request.GET.get("status")
    status = status if status in compliance.ORDER else None
    rows, per_page = [], 100
    if period.is_valid():
        # Ordered (worst status, largest shortfall first) and paged in SQL; the page
        # asked for is read first, and brings the count with it.
        rows = compliance.ReportRows(
            cadres, period.cleaned_data["as_of"], period.cleaned_data["since"], status
        )
        number = _positive_int(request.GET.get("page")) or 1
        rows.prefetch((number - 1) * per_page, number * per_page)
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    units = {u.pk: u.name for u in Unit.objects.filter(pk__in={r["unit_id"] for r in page})}
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dispatch/compliance.html",
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
    if not selectors.units_in_reach(request.user, "issue_dispatch").exists():
        raise PermissionDenied
    form = HourImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            hour_import = services.hours_import_preview(
                actor=request.user, name=upload.name, content=upload.read()
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            return redirect("hours_import_preview", pk=hour_import.pk)
    return render(request, "dispatch/hours_import.html", {"form": form})


@login_required
def hours_import_preview(request, pk: int):
    hour_import = HourImport.objects.filter(pk=pk, uploaded_by=request.user).first()
    if hour_import is None:
        raise Http404
    if request.method == "POST":
        try:
            created = services.hours_import_commit(actor=request.user, hour_import=hour_import)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("%(count)d rows imported.") % {"count": len(created)})
        return redirect("hours_import_preview", pk=pk)
    return render(request, "dispatch/hours_import_preview.html", {"hour_import": hour_import})


@login_required
def document_list(request):
    documents = selectors.documents_visible_to(request.user).order_by("-issued_at")
    page = Paginator(documents, 50)
    return render(
        request, "dispatch/document_list.html", {"page": page.get_page(request.GET.get("page"))}
    )


@login_required
def document_download(request, pk: int):
    document = selectors.documents_visible_to(request.user).filter(pk=pk).first()
    if document is None:
        raise Http404
    response = FileResponse(document.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = (
        f"inline; filename*=UTF-8''{quote(document.document_number)}.pdf"
    )
    return response


@login_required
def task_reassign(request, pk: int):
    """A dispatcher hands a stuck task to another person who may do it."""
    from viewflow.workflow.models import Task

    from .services import tasks as task_services

    task = Task.objects.filter(pk=pk, flow_task_type="HUMAN").select_related("process").first()
    if task is None or not task_services.may_reassign(request.user, task):
        raise Http404
    candidates = task_services.reassign_candidates(task).order_by("username")
    form = ReassignForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            task_services.task_reassign(
                actor=request.user, task=task, to_user=form.cleaned_data["user"]
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The task was reassigned."))
            return redirect("overdue_list")
    return render(request, "dispatch/task_reassign.html", {"task": task, "form": form})


def deputy_candidates(user):
    """Whom a department head may delegate to: the other people of the head's own
    unit(s) — those holding a role granted on that very unit (a deputy head, say) — but
    not its liaisons, who prepare the requests the head decides, nor anybody granted on
    a unit above (dispatchers, org department heads, auditors)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef

    from .models import UnitGroupObjectPermission, UnitUserObjectPermission

    def grants(users, **lookups):
        """Grants (direct, through a group) of dispatch permissions to `users`."""
        lookups["permission__content_type__app_label"] = "dispatch"
        return (
            UnitUserObjectPermission.objects.filter(user=users, **lookups),
            UnitGroupObjectPermission.objects.filter(group__user=users, **lookups),
        )

    units = set()
    for held in grants(user, permission__codename="approve_as_head"):
        units.update(held.values_list("content_object_id", flat=True))
    on_unit = grants(OuterRef("pk"), content_object_id__in=units)
    liaison = grants(
        OuterRef("pk"), content_object_id__in=units, permission__codename="act_as_liaison"
    )
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(pk=user.pk)
        .filter(Exists(on_unit[0]) | Exists(on_unit[1]))
        .exclude(Exists(liaison[0]) | Exists(liaison[1]))
        .order_by("first_name", "last_name", "username")
    )


@login_required
def delegations(request):
    """A department head lets a deputy decide in their place for a date window."""
    from approvals import services as approval_services
    from approvals.models import Delegation
    from approvals.policy import HEAD_PERMISSION

    units = selectors.units_in_reach(request.user, "approve_as_head")
    if not units.exists():
        raise PermissionDenied
    candidates = deputy_candidates(request.user)
    form = DelegationForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and "revoke" in request.POST:
        delegation = Delegation.objects.filter(
            pk=_positive_int(request.POST["revoke"]) or 0, delegator=request.user
        ).first()
        if delegation is None:
            raise Http404
        approval_services.delegation_revoke(actor=request.user, delegation=delegation)
        return redirect("delegations")
    if request.method == "POST" and form.is_valid():
        try:
            approval_services.delegation_create(
                actor=request.user,
                delegate=form.cleaned_data["delegate"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                permission=HEAD_PERMISSION,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The delegation was recorded."))
            return redirect("delegations")
    given = (
        Delegation.objects.filter(delegator=request.user)
        .select_related("delegate")
        .order_by("-starts_on")
    )
    return render(
        request,
        "dispatch/delegations.html",
        {"form": form, "given": given, "has_candidates": candidates.exists()},
    )


@login_required
def roll_call_acknowledgements(request, pk: int):
    """For the dispatcher: whose notice has been acknowledged, and whose not yet — one
    line per notified dispatch, from the dispatch's own record (acknowledged on the task
    page or through 签收 in the inbox, by the trainee or a liaison alike)."""
    from .models import Dispatch

    roll_call = selectors.roll_call_list(request.user).filter(pk=pk).first()
    if roll_call is None:
        raise Http404
    if not selectors.has_unit_permission(
        request.user, "issue_dispatch", roll_call.org_department.unit
    ):
        raise PermissionDenied
    rows = list(
        Dispatch.objects.filter(roll_call=roll_call)
        .exclude(notice_reference="")
        .select_related("cadre", "unit")
        .order_by("unit__path", "cadre__name", "pk")
    )
    pending = [d for d in rows if d.status == DispatchStatus.NOTIFIED]
    return render(
        request,
        "dispatch/roll_call_acknowledgements.html",
        {"roll_call": roll_call, "rows": rows, "pending": pending},
    )
