"""Who may do what on the organization's records — one predicate per rule, asked by the
services (which refuse), the views (which hide or 403) and the template tags (which hide
links)."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from org import selectors


def require_reach(user) -> None:
    """Pages of the jurisdiction (cadres, units, classes) are for users who reach a unit."""
    if not (user.is_superuser or selectors.units_in_reach(user).exists()):
        raise PermissionDenied


def require_unit_permission(user, perm: str, unit) -> None:
    """`user` holds `perm` (a codename on Unit) on `unit`; the system (None) may all."""
    if user is not None and not selectors.has_unit_permission(user, perm, unit):
        raise PermissionDenied(_("This unit is outside your jurisdiction."))
