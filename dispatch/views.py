"""Pages. Each view loads what it shows through a jurisdiction-filtered selector (so an
outsider gets 404), and writes only through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core import exports, paging
from core.http import positive_int
from dispatch import exports as dispatch_exports
from dispatch import policy as dispatch_policy
from dispatch import records, selectors, suggestions
from dispatch.flows import rollcall as rollcall_flows
from dispatch.forms import CancelClassForm, CancelRollCallForm, TrainingClassForm
from dispatch.services import class_cancel as cancelling
from dispatch.services import classes as dispatch_services_classes
from ledger import compliance
from ledger import selectors as ledger_selectors
from org import policy
from org import selectors as org_selectors
from org.roles import Role, roles_of


@login_required
def home(request):
    roles = roles_of(request.user)
    context = {
        "roles": [(role, Role(role).label) for role in roles],
        "summary": selectors.home_summary(request.user, roles),
    }
    return render(request, "dispatch/home.html", context)


@login_required
def class_list(request):
    policy.require_reach(request.user)
    classes = selectors.class_list(request.user)
    if exports.requested_format(request):
        return exports.export_response(
            request, classes, dispatch_exports.CLASSES, _("Training classes"), "classes"
        )
    page = Paginator(classes, 50)
    return render(
        request, "dispatch/class_list.html", {"page": page.get_page(request.GET.get("page"))}
    )


@login_required
def class_detail(request, pk: int):
    training_class = selectors.class_list(request.user).filter(pk=pk).first()
    if training_class is None:
        raise Http404
    may_edit = dispatch_policy.may_edit_class(request.user, training_class)
    return render(
        request,
        "dispatch/class_detail.html",
        {
            "training_class": training_class,
            "may_edit": may_edit,
            "cancellable": may_edit and cancelling.class_cancel_refusal(training_class) is None,
            "dispatch_counts": selectors.class_dispatch_counts(training_class),
            "roll_calls": selectors.class_roll_calls(request.user, training_class),
        },
    )


@login_required
def class_cancel(request, pk: int):
    """Call a class off, with the reason (the organizing department's dispatchers,
    before anyone is dispatched to it: `services.class_cancel`)."""
    training_class = selectors.class_list(request.user).filter(pk=pk).first()
    if training_class is None:
        raise Http404
    if not dispatch_policy.may_edit_class(request.user, training_class):
        raise PermissionDenied
    form = CancelClassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cancelling.class_cancel(
                actor=request.user,
                training_class=training_class,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request, _("%(klass)s was cancelled.") % {"klass": training_class.name}
            )
            return redirect("class_detail", pk=pk)
    return render(
        request,
        "dispatch/class_cancel.html",
        {
            "training_class": training_class,
            "form": form,
            "refusal": cancelling.class_cancel_refusal(training_class),
        },
    )


@login_required
def class_create(request):
    if not policy.is_dispatcher(request.user):
        raise PermissionDenied
    return _class_form(request, None)


@login_required
def class_edit(request, pk: int):
    """Change a class (its dates, venue, seats …): the organizing department's
    dispatchers; the class service refuses what may no longer change, and a class moved
    tells its dispatched cadres (`class_save_audited`'s hooks)."""
    training_class = selectors.class_list(request.user).filter(pk=pk).first()
    if training_class is None:
        raise Http404
    if not dispatch_policy.may_edit_class(request.user, training_class):
        raise PermissionDenied
    return _class_form(request, training_class)


def _class_form(request, training_class):
    form = TrainingClassForm(request.POST or None, instance=training_class)
    form.fields["organizer"].queryset = form.fields["organizer"].queryset.filter(
        unit__in=org_selectors.units_in_reach(request.user, "issue_dispatch")
    )
    if form.is_valid():
        try:
            training_class = dispatch_services_classes.training_class_save(
                actor=request.user, training_class=form.instance
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The training class was saved."))
            return redirect("class_detail", pk=training_class.pk)
    return render(
        request, "dispatch/class_form.html", {"form": form, "training_class": training_class}
    )


@login_required
def dispatch_list(request):
    policy.require_reach(request.user)
    statuses = selectors.dispatch_status_choices()
    status = request.GET.get("status") or None
    if status not in dict(statuses):
        status = None
    dispatches = selectors.dispatch_list(request.user, status=status)
    if exports.requested_format(request):
        return exports.export_response(
            request, dispatches, dispatch_exports.DISPATCHES, _("Dispatches"), "dispatches"
        )
    page = Paginator(dispatches, 50)
    return render(
        request,
        "dispatch/dispatch_list.html",
        {
            "page": page.get_page(request.GET.get("page")),
            "status": status,
            "statuses": statuses,
            "title": _("Dispatches"),
        },
    )


@login_required
def overdue_list(request):
    """Overdue work in the user's jurisdiction: dispatches past a due moment, approval
    decisions overdue or escalated, units that have not nominated by the deadline — each
    with its open task (and, for dispatchers, the page to reassign it)."""
    from django.utils import timezone

    policy.require_reach(request.user)
    now = timezone.now()
    if exports.requested_format(request):
        return _overdue_export(request, now)

    def page_of(rows, param):
        return Paginator(rows, 50).get_page(request.GET.get(param))

    dispatches = paging.page_then_annotate(
        selectors.overdue_dispatch_rows(request.user, now),
        50,
        request.GET.get("page"),
        lambda rows: selectors.overdue_dispatch_tasks(rows, request.user),
    )
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


def _overdue_export(request, now):
    rows, columns, name, fallback = dispatch_exports.overdue_table(
        request.user, request.GET.get("table"), now
    )
    return exports.export_response(request, rows, columns, name, fallback)


#: Rows per page of a roll call's dispatches and of its acknowledgements.
ROLL_CALL_PAGE = 100


@login_required
def roll_call_detail(request, pk: int):
    roll_call = selectors.roll_call_list(request.user).filter(pk=pk).first()
    if roll_call is None:
        raise Http404
    form = CancelRollCallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rollcall_flows.cancel_roll_call(
                actor=request.user, roll_call=roll_call, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The roll call was cancelled."))
            return redirect("roll_call_detail", pk=pk)
    if exports.requested_format(request):
        return exports.export_response(
            request,
            selectors.roll_call_dispatches(roll_call),
            dispatch_exports.ROLL_CALL_DISPATCHES,
            str(roll_call),
            f"roll-call-{roll_call.pk}",
        )
    return render(
        request,
        "dispatch/roll_call_detail.html",
        {
            "roll_call": roll_call,
            "page": paging.page_then_annotate(
                selectors.roll_call_dispatch_rows(roll_call),
                ROLL_CALL_PAGE,
                request.GET.get("page"),
                selectors.with_confirmed_by,
            ),
            "form": form,
            "allocations": roll_call.allocations.select_related("unit"),
            # A partner department's dispatcher reads its roll call, not the class.
            "class_visible": selectors.class_list(request.user)
            .filter(pk=roll_call.training_class_id)
            .exists(),
        },
    )


@login_required
def roll_call_list(request):
    policy.require_reach(request.user)
    roll_calls = selectors.roll_call_list(request.user).order_by("-created_at")
    if exports.requested_format(request):
        return exports.export_response(
            request, roll_calls, dispatch_exports.ROLL_CALLS, _("Roll calls"), "roll-calls"
        )
    page = Paginator(roll_calls, 50)
    return render(
        request, "dispatch/roll_call_list.html", {"page": page.get_page(request.GET.get("page"))}
    )


@login_required
def training_record(request, pk: int):
    cadre = org_selectors.cadre_for_user(request.user, pk)
    if cadre is None:
        raise Http404
    if exports.requested_format(request):
        return exports.export_response(
            request,
            ledger_selectors.hour_record_list(request.user)
            .filter(cadre=cadre)
            .order_by("-date", "-pk"),
            dispatch_exports.HOURS,
            f"{cadre.name}-{_('Hours ledger')}",
            f"hours-{cadre.pk}",
        )
    record = records.training_record(cadre, request.user)
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
    if not dispatch_policy.may_suggest_candidates(request.user, training_class):
        raise PermissionDenied
    suggested = suggestions.suggest(request.user, training_class)
    if exports.requested_format(request):
        return exports.export_response(
            request,
            suggested,
            dispatch_exports.CANDIDATES,
            f"{training_class.name}-{_('Suggested candidates')}",
            f"candidates-{training_class.pk}",
        )
    return render(
        request,
        "dispatch/class_candidates.html",
        {"training_class": training_class, "suggestions": suggested},
    )


@login_required
def roll_call_acknowledgements(request, pk: int):
    """For the dispatcher: whose notice has been acknowledged, and whose not yet — one
    line per notified dispatch, from the dispatch's own record (acknowledged on the task
    page or through 签收 in the inbox, by the trainee or a liaison alike)."""
    roll_call = selectors.roll_call_list(request.user).filter(pk=pk).first()
    if roll_call is None:
        raise Http404
    if not dispatch_policy.may_manage_roll_call(request.user, roll_call):
        raise PermissionDenied
    notified = selectors.roll_call_notified(roll_call)
    if exports.requested_format(request):
        return exports.export_response(
            request,
            notified,
            dispatch_exports.ACKNOWLEDGEMENTS,
            f"{roll_call}-{_('Acknowledgements of the notices')}",
            f"acknowledgements-{roll_call.pk}",
        )
    return render(
        request,
        "dispatch/roll_call_acknowledgements.html",
        {
            "roll_call": roll_call,
            "page": Paginator(notified, ROLL_CALL_PAGE).get_page(request.GET.get("page")),
            "counts": selectors.acknowledgement_counts(roll_call),
        },
    )


@login_required
def roll_call_busy(request):
    """The classes that keep cadres busy (`selectors.busy_periods`), for the roll call
    form's clash warning when its picker searches (xundiao/rollcall_start.js): ?cadre=
    (up to 50) among the cadres the roll call offers the user; others are left out."""
    if not org_selectors.may_pick(request.user, "roll_call"):
        raise PermissionDenied
    ids = [pk for pk in (positive_int(v) for v in request.GET.getlist("cadre")[:50]) if pk]
    cadres = org_selectors.cadres_offered(request.user, "roll_call").filter(pk__in=ids)
    return JsonResponse(selectors.busy_periods(cadres))
