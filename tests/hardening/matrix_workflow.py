"""The permission matrix's entries for the workflow app's own pages: see route_matrix.

流程 (/flows/) lists the flows a person takes part in: every signed-in user opens it (the
list is filtered, never refused)."""

from tests.hardening.route_matrix import SIGNED_IN_PAGE

PAGES = {
    "flow_list": SIGNED_IN_PAGE,
}
OBJECTS: dict[str, str] = {}
