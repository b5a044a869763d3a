"""Who may import what: each kind's own `may_import`, asked again on every step."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from imports.kinds import ImportKind, registry


def may_import_any(user) -> bool:
    return bool(user.is_authenticated and registry.available_to(user))


def kind_for(user, slug: str) -> ImportKind:
    """The kind `slug` if `user` may import it: 404 for no such kind, 403 if not theirs."""
    kind = registry.get(slug)
    if kind is None:
        raise Http404
    if not kind.may_import(user):
        raise PermissionDenied
    return kind
