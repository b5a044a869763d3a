"""Pages. Each view loads what it shows through a jurisdiction-filtered selector (so an
outsider gets 404), and writes only through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.http import positive_int
from org import delegations as org_delegations
from org import policy
from org import selectors as org_selectors
from org import services as org_services
from org.forms import CadreForm, DelegationForm
from org.models import Unit


@login_required
def cadre_list(request):
    policy.require_reach(request.user)
    search = request.GET.get("q", "").strip()
    unit_id = positive_int(request.GET.get("unit"))
    if unit_id and not org_selectors.units_in_reach(request.user).filter(pk=unit_id).exists():
        raise Http404
    page = Paginator(org_selectors.cadre_list(request.user, search=search, unit_id=unit_id), 50)
    context = {
        "page": page.get_page(request.GET.get("page")),
        "search": search,
        "unit": Unit.objects.filter(pk=unit_id).first() if unit_id else None,
    }
    return render(request, "dispatch/cadre_list.html", context)


@login_required
def cadre_detail(request, pk: int):
    cadre = org_selectors.cadre_for_user(request.user, pk)
    if cadre is None:
        raise Http404
    return render(request, "dispatch/cadre_detail.html", {"cadre": cadre})


def _cadre_writable_units(user):
    """Units whose cadre records the user may register or change: a dispatcher's
    jurisdiction and a liaison's units (as `org_services.cadre_save` requires)."""
    return org_selectors.units_in_reach(user, "issue_dispatch") | org_selectors.units_in_reach(
        user, "act_as_liaison"
    )


def _nearest_org_department(unit):
    """The organization department with the narrowest jurisdiction that holds `unit`."""
    from django.db.models import F, Value
    from django.db.models.lookups import StartsWith

    from org.models import OrgDepartment

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

    from org.models import OrgDepartment

    user = request.user
    form = CadreForm(request.POST or None, instance=cadre)
    units = Unit.objects.all() if user.is_superuser else _cadre_writable_units(user)
    form.fields["unit"].queryset = units
    dispatch_units = org_selectors.units_in_reach(user, "issue_dispatch")
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
                cadre = org_services.cadre_save(actor=user, cadre=instance)
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
    cadre = org_selectors.cadre_for_user(request.user, pk)
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
    policy.require_reach(request.user)
    return render(
        request, "dispatch/unit_list.html", {"units": org_selectors.unit_list(request.user)}
    )


def deputy_candidates(user):
    """Whom a department head may delegate to: the other people of the head's own
    unit(s) — those holding a role granted on that very unit (a deputy head, say) — but
    not its liaisons, who prepare the requests the head decides, nor anybody granted on
    a unit above (dispatchers, org department heads, auditors)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef

    from org.models import UnitGroupObjectPermission, UnitUserObjectPermission

    def grants(users, **lookups):
        """Grants (direct, through a group) of dispatch permissions to `users`."""
        lookups["permission__content_type__app_label"] = "org"
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
    from approvals.policy import HEAD_PERMISSION
    from org.models import Delegation

    units = org_selectors.units_in_reach(request.user, "approve_as_head")
    if not units.exists():
        raise PermissionDenied
    candidates = deputy_candidates(request.user)
    form = DelegationForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and "revoke" in request.POST:
        delegation = Delegation.objects.filter(
            pk=positive_int(request.POST["revoke"]) or 0, delegator=request.user
        ).first()
        if delegation is None:
            raise Http404
        org_delegations.delegation_revoke(actor=request.user, delegation=delegation)
        return redirect("delegations")
    if request.method == "POST" and form.is_valid():
        try:
            org_delegations.delegation_create(
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
