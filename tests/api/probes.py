"""The contract of the API's probe tables (tests/api/endpoints.py `READS`,
tests/api/endpoints_actions.py `ACTIONS`): for each route name of the api namespace, how
tests/api/test_api_permissions.py refuses an outsider.

Each callable receives the `samples` fixture of tests/api/conftest.py: `samples.world` is
the test world of tests/factories.py (Bob the city dispatcher, Carol the county dispatcher,
Charlie a stranger to unit A, Dave a trainee, Rita the school's registrar …) and
`samples.<name>` the rows built there (a dispatch in unit A, a document, …). A callable may
build more rows itself (it runs inside the test's transaction)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

FILTERED = "filtered"
# Any signed-in user gets 2xx (the schema and its docs pages); only anonymous is refused.
SIGNED_IN = "signed-in"


@dataclass(frozen=True)
class Endpoint:
    # The URL to probe: an object out of the outsider's reach, or the list.
    url: Callable[[Any], str]
    # A user of another jurisdiction, or one lacking the role.
    outsider: Callable[[Any], Any]
    # 404 (object out of reach), 403 (a role lacking), FILTERED (a list: `hidden` absent)
    # or SIGNED_IN (nothing to refuse a signed-in user).
    expect: int | str
    method: str = "get"
    # The request body (JSON) of a POST.
    data: Callable[[Any], dict] | None = None
    # FILTERED: the id of a row the outsider must not see in the list.
    hidden: Callable[[Any], Any] | None = None
    # Optional: a user who does get 2xx at `url` (and, for a list, sees `hidden`).
    insider: Callable[[Any], Any] | None = None
    # What an anonymous caller gets (a JSON 401/403; the HTML docs pages redirect to login).
    anonymous: tuple[int, ...] = (401, 403)
