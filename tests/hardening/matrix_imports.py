"""The permission matrix's entries for the import pages (/imports/): see route_matrix.

The samples: the test kind `test_units` (tests/imports/testkind.py: dispatchers import
it) and on each side a checked batch of it, uploaded by that side's dispatcher (Bob in
the city, Carol in the county). A batch is its uploader's: 404 for everyone else."""

from tests.hardening.route_matrix import (
    CITY,
    CITY_DISPATCHER,
    COUNTY,
    COUNTY_DISPATCHER,
    LIAISON,
    SIGNED_IN,
    Expect,
    every,
)

#: the sample object each import route with an id takes
OBJECTS: dict[str, str] = {
    "imports:upload": "import_kind",
    "imports:template_xlsx": "import_kind",
    "imports:template_csv": "import_kind",
    "imports:batch": "import_batch",
    "imports:commit": "import_batch",
    "imports:progress": "import_batch",
    "imports:result": "import_batch",
}

_IMPORTERS = {CITY_DISPATCHER: {"200"}, COUNTY_DISPATCHER: {"200"}}


def _uploader(outcome):
    """`outcome` for the uploader of each side's batch, 404 for the other dispatcher."""
    return {
        CITY_DISPATCHER: {CITY: {outcome}, COUNTY: {"404"}},
        COUNTY_DISPATCHER: {CITY: {"404"}, COUNTY: {outcome}},
    }


_GET_ONLY = every({"405"}, SIGNED_IN)

PAGES: dict[str, Expect] = {
    # A liaison imports cadres (org.imports: may_edit_cadre), so sees the page too.
    "imports:index": Expect(get={**_IMPORTERS, LIAISON: {"200"}}, post=_GET_ONLY),
    "imports:upload": Expect(get=_IMPORTERS, post=_IMPORTERS),
    "imports:template_xlsx": Expect(get=_IMPORTERS, post=_GET_ONLY),
    "imports:template_csv": Expect(get=_IMPORTERS, post=_GET_ONLY),
    "imports:batch": Expect(get=_uploader("200"), post=_GET_ONLY, otherwise=frozenset({"404"})),
    "imports:commit": Expect(
        get=_GET_ONLY, post=_uploader("302"), post_otherwise=frozenset({"404"})
    ),
    "imports:progress": Expect(get=_uploader("200"), post=_GET_ONLY, otherwise=frozenset({"404"})),
    # Not committed yet: back to the batch's page.
    "imports:result": Expect(get=_uploader("302"), post=_GET_ONLY, otherwise=frozenset({"404"})),
}
