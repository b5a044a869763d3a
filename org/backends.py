"""Object permissions that follow the unit tree.

django-guardian stores grants on units; this backend answers `user.has_perm(perm, obj)`
for units (and cadres, through their unit) by the jurisdiction rule: a grant on a unit
reaches every unit below it, and a deputy holds a delegator's permission while the
delegation runs. Since that rule covers every direct grant too, its answer is final: a
unit out of reach is refused here (PermissionDenied), and guardian's own backend, listed
after this one, is left to other objects. Model-level (obj=None) checks are left to the
other backends.

While a request is answered, the units a user reaches by a permission are looked up once
and remembered (`org.reachcache`, forgotten whenever a grant, delegation or unit changes),
so a list that checks each of its rows asks the database once per permission, not once
per row.
"""

from django.core.exceptions import PermissionDenied

from org import reachcache
from org import selectors as org_selectors
from org.models import Cadre, Unit

# Kept importable from here: settings.MIDDLEWARE names it.
ReachCacheMiddleware = reachcache.ReachCacheMiddleware


def _reaches(user, codename: str, unit_pk: int) -> bool:
    if not reachcache.active():
        return org_selectors.units_in_reach(user, codename).filter(pk=unit_pk).exists()
    units = reachcache.remembered(
        ("units", user.pk, codename),
        lambda: frozenset(
            org_selectors.units_in_reach(user, codename).values_list("pk", flat=True)
        ),
    )
    return unit_pk in units


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
