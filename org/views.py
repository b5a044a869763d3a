"""Pages of the organization: cadres, units, delegations. Each view loads what it shows
through a jurisdiction-filtered selector (so an outsider gets 404), asks `org.policy`
what the user may do (403 for a page of a role the user lacks), and writes only through
`org.services`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core import exports
from core.http import positive_int, search_text
from org import exports as org_exports
from org import policy, selectors, services
from org.forms import CadreForm, DelegationForm

UNITS_PAGE_SIZE = 100


@login_required
def cadre_list(request):
    policy.require_reach(request.user)
    search = search_text(request.GET.get("q"))
    unit_id = positive_int(request.GET.get("unit"))
    unit = selectors.units_in_reach(request.user).filter(pk=unit_id).first() if unit_id else None
    if unit_id and unit is None:
        raise Http404
    cadres = selectors.cadre_list(request.user, search=search, unit_id=unit_id)
    if exports.requested_format(request):
        name = f"{_('Cadres')}-{unit.name}" if unit else _("Cadres")
        rows = org_exports.cadre_rows(cadres, request.user)
        return exports.export_response(request, rows, org_exports.CADRES, name, "cadres")
    page = Paginator(cadres, 50)
    context = {"page": page.get_page(request.GET.get("page")), "search": search, "unit": unit}
    return render(request, "org/cadre_list.html", context)


@login_required
def cadre_pick(request):
    """The cadres a form's picker offers, found as the user types (core.widgets.MultiPicker,
    xundiao/site.js): ?for= the purpose, ?q= the search, ?unit= the allotted unit of a
    nomination. At most a page of matches, in JSON, without ID numbers."""
    purpose = request.GET.get("for", "")
    if purpose not in selectors.PICK_PURPOSES:
        raise Http404
    if not selectors.may_pick(request.user, purpose):
        raise PermissionDenied
    cadres, more = selectors.cadre_pick(
        request.user,
        purpose,
        search=search_text(request.GET.get("q")),
        unit_id=positive_int(request.GET.get("unit")),
    )
    results = [
        {"id": c.pk, "name": c.name, "unit": c.unit.name, "position": c.position} for c in cadres
    ]
    return JsonResponse({"results": results, "more": more})


@login_required
def cadre_detail(request, pk: int):
    cadre = selectors.cadre_for_user(request.user, pk)
    if cadre is None:
        raise Http404
    return render(request, "org/cadre_detail.html", {"cadre": cadre})


def _cadre_form_page(request, cadre=None):
    """Register or change a cadre. The form offers what `org.policy` allows — the units
    the user keeps records of, and the organization departments only to a dispatcher who
    may choose them — and `services.cadre_save` decides."""
    user = request.user
    shows_id_number = cadre is None or policy.may_see_id_number(user, cadre)
    form = CadreForm(request.POST or None, instance=cadre, shows_id_number=shows_id_number)
    form.fields["unit"].queryset = policy.cadre_units(user)
    current = (
        [cadre.managing_org_department_id, cadre.co_managing_org_department_id] if cadre else []
    )
    managing = form.fields["managing_org_department"]
    co_managing = form.fields["co_managing_org_department"]
    if policy.may_choose_departments(user, cadre.unit if cadre else None):
        managing.queryset = policy.choosable_departments(user, managing=True, current=current)
        co_managing.queryset = policy.choosable_departments(user, managing=False, current=current)
    elif cadre is not None:
        for field in (managing, co_managing):
            field.queryset = selectors.org_departments([pk for pk in current if pk])
            field.disabled = True
            field.help_text = _("Only a dispatcher may change the organization departments.")
    else:
        del form.fields["managing_org_department"], form.fields["co_managing_org_department"]
    if form.is_valid():
        try:
            cadre = services.cadre_save(actor=user, cadre=form.instance)
        except PermissionDenied as exc:
            form.add_error("unit", str(exc) or _("This unit is outside your jurisdiction."))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The cadre record was saved."))
            return redirect("cadre_detail", pk=cadre.pk)
    return render(request, "org/cadre_form.html", {"form": form, "cadre": cadre})


@login_required
def cadre_create(request):
    if not policy.may_edit_cadre(request.user):
        raise PermissionDenied
    return _cadre_form_page(request)


@login_required
def cadre_edit(request, pk: int):
    cadre = selectors.cadre_for_user(request.user, pk)
    if cadre is None:
        raise Http404
    if not policy.may_edit_cadre(request.user, cadre):
        raise PermissionDenied
    return _cadre_form_page(request, cadre)


@login_required
def unit_list(request):
    policy.require_reach(request.user)
    search = search_text(request.GET.get("q"))
    units = selectors.unit_list(request.user, search=search)
    if exports.requested_format(request):
        return exports.export_response(request, units, org_exports.UNITS, _("Units"), "units")
    page = Paginator(units, UNITS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "org/unit_list.html", {"page": page, "search": search})


#: delegations are never deleted: the list a head has given grows, so it is paged
DELEGATIONS_PER_PAGE = 20


@login_required
def delegations(request):
    """A department head lets a deputy decide in their place for a date window."""
    if not policy.may_delegate(request.user):
        raise PermissionDenied
    candidates = policy.deputy_candidates(request.user)
    form = DelegationForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and "revoke" in request.POST:
        delegation = selectors.delegation_given(request.user, positive_int(request.POST["revoke"]))
        if delegation is None:
            raise Http404
        try:
            services.delegation_revoke(actor=request.user, delegation=delegation)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The delegation was revoked."))
        return redirect("delegations")
    if request.method == "POST" and form.is_valid():
        try:
            services.delegation_create(
                actor=request.user,
                delegate=form.cleaned_data["delegate"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The delegation was recorded."))
            return redirect("delegations")
    given = Paginator(selectors.delegations_given(request.user), DELEGATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    today = timezone.localdate()
    for delegation in given:
        delegation.revocable = policy.delegation_revocable(delegation, today)
    context = {"form": form, "page": given, "has_candidates": candidates.exists()}
    return render(request, "org/delegations.html", context)
