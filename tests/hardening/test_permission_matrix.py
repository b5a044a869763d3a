"""The permission matrix (issue 13): every route of config.urls — our pages, Viewflow's
/workflow/ site and the admin — has an entry in `tests/hardening/route_matrix.py` (the
admin's by rule: `tests/hardening/admin_routes.py`), every route that takes an id has a
sample object, and every role, signed out or in, inside or outside the sample objects'
jurisdiction, gets the status the matrix allows for GET and for an empty POST; never a
500, and a refused POST writes no audit event.

The probing (tests/hardening/probing.py) runs as two tests, each over one share of
the routes (the second in test_permission_matrix_second_share.py, so that two CI workers
share about 9,000 requests): each builds the world once, collects every failure and
reports them together; each probe runs in a savepoint rolled back afterwards. Which
routes are probed with which roles (to stay under 3 minutes a database on a loaded
machine): see `probing.probed_routes` — every role on SQLite, one of each kind the
jurisdiction check tells apart on PostgreSQL (`probing.every_role`). Leaks found and
left for a fix are listed in `route_matrix.KNOWN`; routes with an id that cannot be
sampled, in `route_matrix.UNSAMPLED`."""

import pytest

from tests.flowtools import FLOW_APPS
from tests.hardening import admin_routes
from tests.hardening import route_matrix as matrix
from tests.hardening.probing import TASK_ACTIONS, all_routes, node_key, probe_matrix

# Minutes as a whole: the xdist workers take it first (tests/conftest.py).
pytestmark = pytest.mark.heavy


def test_every_route_has_an_entry_in_the_matrix():
    missing = [r for r in all_routes() if matrix.entry_for(r.pattern, r.name) is None]
    assert not missing, "routes without an entry in tests/hardening/route_matrix.py:\n" + (
        "\n".join(f"  {r.pattern}  (name {r.name!r})" for r in missing)
    )


def test_the_matrix_names_no_route_that_is_gone():
    """An entry left behind by a removed route would stand ready for a later route of the
    same name, unreviewed."""
    routes = all_routes()
    keys = {r.name for r in routes} | {r.pattern for r in routes}
    nodes = {matrix.flow_route(r.pattern)[:2] for r in routes if matrix.flow_route(r.pattern)}
    named = [*matrix.PAGES, *matrix.OBJECTS, *admin_routes.SITE_PAGES]
    named += [k for k in matrix.UNSAMPLED if not node_key(k)]
    stale = [k for k in named if k not in keys]
    stale += [
        f"{app}:{node}"
        for app, flow_nodes in matrix.FLOW_NODES.items()
        for node in flow_nodes
        if (app, node) not in nodes
    ]
    stale += [k for k in matrix.UNSAMPLED if node_key(k) and node_key(k) not in nodes]
    assert not stale, f"matrix entries without a route: {stale}"


def test_every_route_with_an_id_has_a_sample():
    """A route that takes an id is probed only with a sample object: our pages name the
    sample they take in OBJECTS, each human node of a flow has a sample task
    (SAMPLE_TASKS), each flow's processes are sampled (FLOW_APPS); the admin samples
    every registered model by rule (admin_routes). Else the route is listed, with the
    reason, in UNSAMPLED. (That the world really holds the samples, the probing test
    checks.)"""
    sampled_nodes = {(app, node) for app, node, _side in matrix.SAMPLE_TASKS}
    flow_apps = {*FLOW_APPS.values(), *matrix.EXTRA_FLOW_APPS.values()}
    missing = []
    for r in all_routes():
        if r.pattern.startswith("admin/") or not matrix.takes_an_id(r.pattern):
            continue
        flow = matrix.flow_route(r.pattern)
        if flow is None:
            if (r.name or r.pattern) not in {*matrix.OBJECTS, *matrix.UNSAMPLED}:
                missing.append(f"{r.pattern} (name {r.name!r}): no OBJECTS entry")
        elif flow[0] not in flow_apps:
            missing.append(f"{r.pattern}: the flow of {flow[0]!r} is in no FLOW_APPS")
        elif (
            flow[1]
            and flow[2] in TASK_ACTIONS
            and matrix.FLOW_NODES[flow[0]].get(flow[1]) == matrix.HUMAN
            and flow[:2] not in sampled_nodes
            and f"{flow[0]}:{flow[1]}" not in matrix.UNSAMPLED
        ):
            missing.append(f"{r.pattern}: the human node has no SAMPLE_TASKS entry")
    assert not missing, "routes with an id that no sample reaches:\n" + "\n".join(missing)


@pytest.mark.usefixtures("import_kind", "quiet_refusals", "media")
def test_every_role_gets_what_the_matrix_allows_first_share(world, client):
    """The first of the two shares of the probed routes (the other:
    test_permission_matrix_second_share.py, which a second CI worker can run meanwhile)."""
    failures = probe_matrix(world, client, share=0, shares=2)
    assert not failures, f"{len(failures)} off the matrix:\n" + "\n".join(failures)
