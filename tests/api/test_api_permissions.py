"""Every route under api/ has a probe (tests/api/endpoints.py, endpoints_actions.py), and
each probe holds: anonymous is refused (401/403 JSON; the HTML docs go to the login
page), the outsider gets 404 for a row out of reach, 403 for a role lacking, a list
without the hidden row — never a 500 — and the insider does see it.

One test per check walks every probe on one world and reports every failing route at once
(a world per probe would cost a second each)."""

from django.urls import URLPattern, URLResolver, get_resolver

from tests.api.endpoints import ENDPOINTS
from tests.api.probes import FILTERED, SIGNED_IN


def api_routes() -> list[tuple[str, str]]:
    found = []

    def walk(resolver, prefix, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
                walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern) and prefix.startswith("api/"):
                found.append((prefix + str(entry.pattern), f"{namespace}{entry.name}"))

    walk(get_resolver(), "", "")
    return found


def test_every_api_route_has_a_probe():
    missing = [f"{pattern}  ({name})" for pattern, name in api_routes() if name not in ENDPOINTS]
    assert not missing, "api/ routes without a probe in tests/api/endpoints*.py:\n" + "\n".join(
        missing
    )


def test_no_probe_names_a_route_that_is_gone():
    names = {name for _pattern, name in api_routes()}
    assert not [name for name in ENDPOINTS if name not in names]


def _call(client, endpoint, samples):
    url = endpoint.url(samples)
    if endpoint.method == "get":
        return client.get(url)
    data = endpoint.data(samples) if endpoint.data else {}
    return getattr(client, endpoint.method)(url, data, format="json")


def _ids(response):
    return {row.get("id", row.get("cadre_id")) for row in response.json()["results"]}


def _is_json_detail(response):
    return "json" in response["Content-Type"] and "detail" in response.json()


def test_anonymous_is_refused_everywhere(samples, api):
    client = api.as_(None)
    failures = []
    for name, endpoint in sorted(ENDPOINTS.items()):
        response = _call(client, endpoint, samples)
        if response.status_code not in endpoint.anonymous:
            failures.append(f"{name}: {response.status_code}")
        elif response.status_code != 302 and not _is_json_detail(response):
            failures.append(f"{name}: no JSON detail ({response['Content-Type']})")
    assert not failures, failures


def _outsider_failure(name, endpoint, response, samples):
    status = response.status_code
    if status >= 500:
        return f"{name}: {status}"
    if endpoint.expect in (FILTERED, SIGNED_IN):
        if status != 200:
            return f"{name}: {status}, not 200"
        if endpoint.expect == FILTERED and endpoint.hidden(samples) in _ids(response):
            return f"{name}: lists the row out of reach"
        return None
    if status != endpoint.expect:
        return f"{name}: {status}, not {endpoint.expect}"
    if "json" in response["Content-Type"] and "detail" not in response.json():
        return f"{name}: a refusal without a detail"
    return None


def test_the_outsider_is_refused_or_sees_none_of_it(samples, api):
    failures = []
    for name, endpoint in sorted(ENDPOINTS.items()):
        response = _call(api.as_(endpoint.outsider(samples)), endpoint, samples)
        failure = _outsider_failure(name, endpoint, response, samples)
        if failure:
            failures.append(failure)
    assert not failures, failures


def test_the_insider_gets_it(samples, api):
    failures = []
    for name, endpoint in sorted(ENDPOINTS.items()):
        if endpoint.insider is None:
            continue
        response = _call(api.as_(endpoint.insider(samples)), endpoint, samples)
        if not 200 <= response.status_code < 300:
            failures.append(f"{name}: {response.status_code}")
        elif endpoint.expect == FILTERED and endpoint.hidden(samples) not in _ids(response):
            failures.append(f"{name}: the insider does not see the row")
    assert not failures, failures


def test_every_read_has_an_insider():
    """A refusal proves little if nobody gets in: every read probe names an insider."""
    from tests.api.endpoints import READS

    # (api:not_found answers 404 to everyone: there is nothing to get into)
    without = [n for n, e in READS.items() if e.insider is None and e.expect != SIGNED_IN]
    assert without == ["api:not_found"]
