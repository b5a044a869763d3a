"""The permission matrix's entries for account activation (/accounts/activate/…): see
route_matrix."""

from tests.hardening.route_matrix import Expect  # noqa: F401

OBJECTS: dict[str, str] = {}

PAGES: dict[str, Expect] = {}
