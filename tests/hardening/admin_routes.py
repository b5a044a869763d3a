"""The permission matrix's rule for Django's admin (/admin/): see route_matrix.

Every route a registered ModelAdmin contributes by Django's standard (changelist, add,
change, history, delete, and the bare object URL that redirects to the change page) has
its entry by rule, so a newly registered model is probed without a line here: the admin
lets in staff only (everyone else is sent to the admin's login page), and a staff member
then gets what the ModelAdmin's own `has_*_permission` allows them on the sample object
(the model's first row): 200 (an empty POST: the form again, or saved) where it allows,
403 where it does not, and Django's "no such object" redirect (302) where the ModelAdmin's
queryset hides the row from them. Any other admin route — the site's own pages, a
ModelAdmin's extra URLs — needs an entry in SITE_PAGES, or the completeness test fails.

Probed, on the city side only (the admin knows no sides), for ADMIN_ROLES."""

import functools
from dataclasses import dataclass

from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model

from tests.hardening.roles_and_sides import (
    ANONYMOUS,
    CITY,
    CITY_DISPATCHER,
    DEPUTY,
    OK,
    STAFF,
    SUPERUSER,
    Expect,
)

#: signed out; the widest role of the domain (not staff: the admin's gate is is_staff,
#: the same for every role of the matrix); a staff member; a superuser
ADMIN_ROLES = [ANONYMOUS, CITY_DISPATCHER, STAFF, SUPERUSER]
#: the usernames of the two admin roles (built by probing.build_world)
ADMIN_USERS = {STAFF: "matrix-staff", SUPERUSER: "matrix-superuser"}

_ACTIONS = ("changelist", "add", "change", "history", "delete")


@functools.cache
def _model_routes():
    """{route name or pattern: (ModelAdmin, action)} of the standard routes of every
    registered ModelAdmin."""
    routes = {}
    for model, model_admin in admin.site._registry.items():
        label = f"{model._meta.app_label}_{model._meta.model_name}"
        for action in _ACTIONS:
            routes[f"admin:{label}_{action}"] = (model_admin, action)
        path = f"admin/{model._meta.app_label}/{model._meta.model_name}/<path:object_id>/"
        routes[path] = (model_admin, "redirect")
    return routes


def model_route(pattern, name):
    """(ModelAdmin, action) for a standard route of a registered ModelAdmin, else None."""
    return _model_routes().get(name or pattern)


def sample_key(model) -> str:
    return f"admin:{model._meta.label_lower}"


def build_samples(world, users) -> dict:
    """The sample of each registered model: its first row, once the tables the world
    leaves empty have theirs (ROWS). A model with no row has no sample, and the probing
    test names its routes."""
    for label, make in ROWS.items():
        model = apps.get_model(label)
        if not model._default_manager.exists():
            make(world, users)
    samples = {}
    for model in admin.site._registry:
        pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if pk is not None:
            samples[sample_key(model)] = pk
    return samples


def _contact_profile(world, users):
    from notifications.models import ContactProfile

    ContactProfile.objects.create(user=users[SUPERUSER])


def _group_grant(world, users):
    """A role group's grant (a group nobody is in, so nobody reaches more)."""
    from django.contrib.auth.models import Group, Permission

    from org.models import UnitGroupObjectPermission

    UnitGroupObjectPermission.objects.create(
        group=Group.objects.create(name="matrix: nobody"),
        permission=Permission.objects.get(content_type__app_label="org", codename="read_scope"),
        content_object=world.root,
    )


def _delegation(world, users):
    """Alice's delegation to Dan, revoked: the deputy decides nothing more (the matrix
    probes him without a delegation running)."""
    import datetime as dt

    from org.models import Delegation

    today = dt.date.today()
    Delegation.objects.create(
        delegator=world.alice,
        delegate=users[DEPUTY],
        permission="org.approve_as_head",
        starts_on=today,
        ends_on=today + dt.timedelta(days=7),
        revoked=True,
    )


def _transfer(world, users):
    from org.models import CadreTransfer, TransferSource

    CadreTransfer.objects.create(
        cadre=world.cadre_a1, from_unit=world.a, to_unit=world.a1, source=TransferSource.FORM
    )


def _standings(world, users):
    """Today's compliance standings, counted as the nightly job counts them."""
    from django.utils import timezone

    from ledger import standings

    standings.recount(timezone.localdate())


def _follow_up_setting(world, users):
    from feedback.models import FollowUpSetting

    FollowUpSetting.objects.create(org_department=world.county_od, months=6)


def _api_token(world, users):
    from api.services import token_issue

    token_issue(actor=users[SUPERUSER], user=world.bob, name="矩阵")


def _login_failure(world, users):
    """A failed sign-in as a name nobody has, as django-axes records it."""
    from axes.models import AccessAttempt, AccessFailureLog

    common = {
        "user_agent": "matrix",
        "ip_address": "192.0.2.1",
        "username": "intruder",
        "http_accept": "*/*",
        "path_info": "/accounts/login/",
    }
    AccessAttempt.objects.create(**common, get_data="", post_data="", failures_since_start=1)
    AccessFailureLog.objects.create(**common)


#: a row for each registered model whose table the world leaves empty
ROWS = {
    "notifications.contactprofile": _contact_profile,
    "org.unitgroupobjectpermission": _group_grant,
    "org.delegation": _delegation,
    "org.cadretransfer": _transfer,
    "ledger.complianceday": _standings,
    "ledger.compliancestanding": _standings,
    "feedback.followupsetting": _follow_up_setting,
    "api.apitoken": _api_token,
    "axes.accessattempt": _login_failure,
    "axes.accessfailurelog": _login_failure,
}


def _staff_member(role):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(username=ADMIN_USERS[role])
    return request


@dataclass(frozen=True)
class ModelAdminExpect(Expect):
    """The outcomes of one standard route of a ModelAdmin: "login" for everyone who is
    not staff; for staff, what the ModelAdmin's permissions allow on the sample object,
    in the order Django's views ask them."""

    model_admin: admin.ModelAdmin | None = None
    action: str = ""

    def allowed(self, role, side, method):
        if role not in ADMIN_USERS:
            return {"login"}
        if self.action == "redirect":  # to the change page, whoever the staff member is
            return {"302"}
        ma, request = self.model_admin, _staff_member(role)
        if self.action == "changelist":
            return {"200"} if ma.has_view_or_change_permission(request) else {"403"}
        if self.action == "add":
            return (
                (OK if method == "POST" else {"200"}) if ma.has_add_permission(request) else {"403"}
            )
        obj = ma.model._default_manager.order_by("pk").first()
        shown = ma.get_queryset(request).filter(pk=obj.pk).exists()
        target = obj if shown else None
        if self.action == "history":  # looks the object up first
            if not shown:
                return {"302"}
            return {"200"} if ma.has_view_or_change_permission(request, obj) else {"403"}
        if self.action == "delete":  # asks the permission first
            if not ma.has_delete_permission(request, target):
                return {"403"}
            return {"200"} if shown else {"302"}
        # change: viewing needs the view or change permission, saving the change one
        if method == "POST":
            may, done = ma.has_change_permission(request, target), OK
        else:
            may, done = ma.has_view_or_change_permission(request, target), {"200"}
        if not may:
            return {"403"}
        return done if shown else {"302"}


def _staff_page(get, post, *, public=False, others=frozenset({"login"})):
    """A page of the admin site: `get`/`post` for the staff member and the superuser
    (one set for both, or a dict role → set), `others` for everyone else."""

    def table(value):
        return value if isinstance(value, dict) else {STAFF: value, SUPERUSER: value}

    return Expect(get=table(get), post=table(post), otherwise=others, public=public)


#: The admin site's own pages, and the extra URLs of a ModelAdmin: (expectation, sample
#: URL). The staff member holds no model permission, so sees no app on the index.
SITE_PAGES: dict[str, tuple[Expect, str]] = {
    "admin:index": (_staff_page({"200"}, {"200"}), "/admin/"),
    # The login form for everyone; staff are sent on to the index (GET only).
    "admin:login": (
        _staff_page({"302"}, {"200"}, public=True, others=frozenset({"200"})),
        "/admin/login/",
    ),
    # Signing out is a POST (then on to the site); whoever is not staff is sent to the
    # index, not the login.
    "admin:logout": (
        _staff_page({"405"}, {"302"}, public=True, others=frozenset({"302"})),
        "/admin/logout/",
    ),
    "admin:password_change": (_staff_page({"200"}, {"200"}), "/admin/password_change/"),
    "admin:password_change_done": (
        _staff_page({"200"}, {"405"}),
        "/admin/password_change/done/",
    ),
    # Without the field it completes, autocomplete refuses (PermissionDenied); GET only.
    "admin:autocomplete": (_staff_page({"403"}, {"405"}), "/admin/autocomplete/"),
    "admin:jsi18n": (_staff_page({"200"}, {"405"}), "/admin/jsi18n/"),
    # No model of ours has a page on the site (get_absolute_url): 404.
    "admin:view_on_site": (_staff_page({"404"}, {"404"}), "/admin/r/{content_type}/{cadre}/"),
    # An app's models: the superuser's; an app with no model the staff member may see
    # is no page for them.
    "admin:app_list": (
        _staff_page({STAFF: {"404"}, SUPERUSER: {"200"}}, {STAFF: {"404"}, SUPERUSER: {"200"}}),
        "/admin/org/",
    ),
    # Anything else under /admin/.
    r"admin/(?P<url>.*)$": (_staff_page({"404"}, {"404"}), "/admin/no-such-page/"),
    # Setting a user's password: the change permission on users (the superuser's).
    "admin:auth_user_password_change": (
        _staff_page({STAFF: {"403"}, SUPERUSER: {"200"}}, {STAFF: {"403"}, SUPERUSER: {"200"}}),
        "/admin/auth/user/{user}/password/",
    ),
}


def entry(pattern, name):
    """The entry of an admin route, or None if it has none."""
    route = model_route(pattern, name)
    if route is not None:
        return ModelAdminExpect(model_admin=route[0], action=route[1])
    page = SITE_PAGES.get(name or pattern)
    return None if page is None else page[0]


def sample_url(pattern, name, samples):
    """The URL to probe (the city side only), or None where the model has no row."""
    if samples["side"] != CITY:
        return None
    route = model_route(pattern, name)
    if route is not None:
        model_admin, action = route
        pk = samples.get(sample_key(model_admin.model))
        if action in ("changelist", "add"):
            return "/" + pattern
        return None if pk is None else "/" + pattern.replace("<path:object_id>", str(pk))
    page = SITE_PAGES.get(name or pattern)
    if page is None:
        return None
    from django.contrib.contenttypes.models import ContentType

    from org.models import Cadre

    return page[1].format(
        content_type=ContentType.objects.get_for_model(Cadre).pk,
        cadre=samples["cadre"],
        user=samples[sample_key(get_user_model())],
    )
