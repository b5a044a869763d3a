"""Object permissions that follow the unit tree.

django-guardian stores grants on units; this backend answers `user.has_perm(perm, obj)`
for units (and objects that belong to a unit) by the jurisdiction rule: a grant on a unit
reaches every unit below it, and a deputy holds a delegator's permission while the
delegation runs. Model-level (obj=None) checks are left to the other backends.
"""

from . import selectors
from .models import Cadre, Unit


def _unit_of(obj):
    if isinstance(obj, Unit):
        return obj
    if isinstance(obj, Cadre):
        return obj.unit
    return None


class JurisdictionBackend:
    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None):
        if obj is None or not user_obj.is_active or not perm.startswith("dispatch."):
            return False
        unit = _unit_of(obj)
        if unit is None:
            return False
        codename = perm.split(".", 1)[1]
        return selectors.units_in_reach(user_obj, codename).filter(pk=unit.pk).exists()
