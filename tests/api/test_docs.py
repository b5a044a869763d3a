"""The OpenAPI schema and its two docs pages: for signed-in users, in Chinese, and
runnable under the site's Content-Security-Policy (script-src 'self', no CDN)."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.contrib.staticfiles import finders
from django.urls import reverse


class Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources, self.inline, self.links = [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if attrs.get("src"):
                self.sources.append(attrs["src"])
            else:
                self.inline += 1
        if tag == "link" and attrs.get("href"):
            self.links.append(attrs["href"])


def directives(response):
    header = response.headers["Content-Security-Policy"]
    return {
        name: rest.split()
        for name, _, rest in (d.strip().partition(" ") for d in header.split(";") if d.strip())
    }


def assert_runs_under_the_policy(client, response):
    """No inline script, every script and stylesheet from this site (a static file or
    the page's own start-up script), and a policy that allows only the site's scripts."""
    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert "worker-src" not in policy and "'unsafe-eval'" not in policy["script-src"]
    page = Scripts()
    page.feed(response.content.decode())
    assert page.inline == 0
    assert not re.search(r"https?://", response.content.decode())  # nothing from a CDN
    for url in page.sources + page.links:
        assert url.startswith("/") and not url.startswith("//"), url
        path = urlsplit(url).path
        if path.startswith("/static/"):
            assert finders.find(path.removeprefix("/static/")), url
        else:
            script = client.get(url)
            assert script.status_code == 200
            assert script["Content-Type"].startswith("application/javascript")
    return page


def test_swagger_ui_runs_its_start_up_script_from_a_file(world, client):
    client.force_login(world.bob)
    page = assert_runs_under_the_policy(client, client.get(reverse("api:docs")))
    assert any("swagger-ui-bundle.js" in src for src in page.sources)
    start_up = next(src for src in page.sources if "script=" in src)
    script = client.get(start_up).content.decode()
    assert reverse("api:schema") in script


def test_redoc_runs_without_its_fonts_or_an_inline_script(world, client):
    client.force_login(world.bob)
    response = client.get(reverse("api:redoc"))
    page = assert_runs_under_the_policy(client, response)
    assert any("redoc.standalone.js" in src for src in page.sources)
    # Redoc's search runs in a worker made from a blob: URL, which script-src 'self' refuses.
    assert "disable-search" in response.content.decode()


def test_the_docs_send_an_anonymous_visitor_to_the_login_page(client):
    for name in ("api:docs", "api:redoc"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_schema_is_for_signed_in_callers_and_speaks_chinese(world, client):
    assert client.get(reverse("api:schema")).status_code in (401, 403)
    client.force_login(world.carol)
    schema = client.get(reverse("api:schema")).json()
    assert schema["openapi"].startswith("3.")
    operations = [op for path in schema["paths"].values() for op in path.values()]
    reads = [op for op in operations if op["operationId"].split("_")[0] != "actions"]
    assert all(re.search(r"[\u4e00-\u9fff]", op.get("summary", "")) for op in reads), [
        op["operationId"]
        for op in reads
        if not re.search(r"[\u4e00-\u9fff]", op.get("summary", ""))
    ]
    assert all(op.get("tags") for op in operations)
    cadre = schema["components"]["schemas"]["Cadre"]["properties"]
    assert "脱敏" in cadre["id_number"]["description"]
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_every_coded_value_of_the_schema_is_explained_in_chinese(world, client):
    """Lists send stable codes (status, kind, reason …); the schema says what each one
    means, in Chinese: every enum lists each of its values with its label — the
    compliance statuses and a makeup's reason included."""
    client.force_login(world.carol)
    components = client.get(reverse("api:schema")).json()["components"]["schemas"]
    unexplained = []
    for name, component in components.items():
        for value in component.get("enum", ()):
            if value in ("", None):
                continue
            found = re.search(rf"\* `{re.escape(str(value))}` - (.*)", component["description"])
            if not (found and re.search(r"[\u4e00-\u9fff]", found.group(1))):
                unexplained.append((name, value))
    assert not unexplained, unexplained
    reason = components["Makeup"]["properties"]["reason"]
    assert "$ref" in str(reason)  # an enum, not free text
    # Named as before (clients generated from the schema keep their type names).
    assert "ComplianceStatusEnum" in components
    assert not [name for name in components if re.fullmatch(r".*[0-9A-F][0-9a-f]{2}Enum", name)]
