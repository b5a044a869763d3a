"""The second share of the permission matrix's probed routes (tests/hardening/
test_permission_matrix.py has the first, and says what is probed)."""

import pytest

from tests.hardening.probing import probe_matrix

# Minutes as a whole: the xdist workers take it first (tests/conftest.py).
pytestmark = pytest.mark.heavy


@pytest.mark.usefixtures("import_kind", "quiet_refusals", "media")
def test_every_role_gets_what_the_matrix_allows_second_share(world, client):
    failures = probe_matrix(world, client, share=1, shares=2)
    assert not failures, f"{len(failures)} off the matrix:\n" + "\n".join(failures)
