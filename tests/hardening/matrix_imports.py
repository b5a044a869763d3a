"""The permission matrix's entries for the import pages (/imports/): see route_matrix."""

from tests.hardening.route_matrix import Expect  # noqa: F401

#: the sample object each import route with an id takes
OBJECTS: dict[str, str] = {}

PAGES: dict[str, Expect] = {}
