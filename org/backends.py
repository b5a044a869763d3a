"""Object permissions that follow the unit tree.

django-guardian stores grants on units; this backend answers `user.has_perm(perm, obj)`
for units (and cadres, through their unit) by the jurisdiction rule: a grant on a unit
reaches every unit below it, and a deputy holds a delegator's permission while the
delegation runs. Since that rule covers every direct grant too, its answer is final: a
unit out of reach is refused here (PermissionDenied), and guardian's own backend, listed
after this one, is left to other objects. Model-level (obj=None) checks are left to the
other backends.

While a GET or HEAD request is answered (it changes no grant), the units a user reaches
by a permission are looked up once and remembered, so a list that checks each of its
rows asks the database once per permission, not once per row.
"""

from contextvars import ContextVar

from django.core.exceptions import PermissionDenied

from org import selectors as org_selectors
from org.models import Cadre, Unit

_reach_cache: ContextVar[dict | None] = ContextVar("xundiao_reach_cache", default=None)


class ReachCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        token = _reach_cache.set({})
        try:
            return self.get_response(request)
        finally:
            _reach_cache.reset(token)


def _reaches(user, codename: str, unit_pk: int) -> bool:
    cache = _reach_cache.get()
    if cache is None:
        return org_selectors.units_in_reach(user, codename).filter(pk=unit_pk).exists()
    key = (user.pk, codename)
    if key not in cache:
        cache[key] = frozenset(
            org_selectors.units_in_reach(user, codename).values_list("pk", flat=True)
        )
    return unit_pk in cache[key]


def _unit_pk(obj):
    if isinstance(obj, Unit):
        return obj.pk
    if isinstance(obj, Cadre):
        return obj.unit_id
    return None


class JurisdictionBackend:
    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        if obj is None or not user_obj.is_active or not perm.startswith("org."):
            return False
        unit_pk = _unit_pk(obj)
        if unit_pk is None:
            return False
        if _reaches(user_obj, perm.split(".", 1)[1], unit_pk):
            return True
        raise PermissionDenied
