"""Requests the API cannot read get a JSON 400 or 404, never a 500 and never the site's
HTML pages: JSON nested thousands deep, a body or a form past Django's bounds, a write
to a path no endpoint has (the CSRF check answered it with HTML), a path with a
newline."""

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from api import services
from audit.models import AuditEvent
from dispatch.models import RollCall
from tests.factories import cadre


def deep(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def session(user, csrf=False):
    client = APIClient(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def token(user):
    _row, key = services.token_issue(actor=None, user=user, name="测试")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def assert_json_error(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    return response.json()


def roll_call_body(klass, cadres):
    return {
        "training_class": klass.pk,
        "mode": "named",
        "response_deadline": (dt.datetime.now(dt.UTC) + dt.timedelta(days=10)).isoformat(),
        "cadres": cadres,
    }


# -- JSON nested too deeply -----------------------------------------------------------------


@pytest.mark.parametrize("depth", [3000, 900, 40])
def test_json_nested_too_deeply_is_a_400(world, klass, depth):
    body = deep(depth)
    callers = [
        (session(world.bob), "/api/v1/actions/roll-calls/"),
        (token(world.bob), "/api/v1/actions/roll-calls/"),
        (session(world.rita), f"/api/v1/actions/classes/{klass.pk}/attendance/"),
    ]
    events = AuditEvent.objects.count()
    for client, path in callers:
        response = client.post(path, body, content_type="application/json")
        assert "32" in assert_json_error(response, 400)["detail"]
    assert AuditEvent.objects.count() == events and not RollCall.objects.exists()


def test_json_nested_as_deep_as_the_api_reads_is_read(world, klass):
    """An ordinary body nests three deep (an object, a list, objects)."""
    body = {"rows": [{"dispatch": 1, "result": "present"}]}
    path = f"/api/v1/actions/classes/{klass.pk}/attendance/"
    response = session(world.rita).post(path, body, format="json")
    # Read, and refused for what it says: the class has not begun.
    assert response.status_code == 400 and "non_field_errors" in response.json()


# -- past Django's bounds -------------------------------------------------------------------


@pytest.mark.parametrize("client", [session, token])
def test_a_form_of_too_many_fields_is_a_json_400_saying_to_send_json(
    world, klass, client, settings
):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
    body = roll_call_body(klass, list(range(1, 999)))
    response = client(world.bob).post("/api/v1/actions/roll-calls/", body, format="multipart")
    assert "application/json" in assert_json_error(response, 400)["detail"]
    encoded = "&".join(f"{key}={value}" for key, value in body.items() if key != "cadres")
    encoded += "".join(f"&cadres={pk}" for pk in body["cadres"])
    response = client(world.bob).post(
        "/api/v1/actions/roll-calls/", encoded, content_type="application/x-www-form-urlencoded"
    )
    assert "application/json" in assert_json_error(response, 400)["detail"]
    assert not RollCall.objects.exists()


def test_a_form_with_csrf_checked_and_too_many_fields_is_a_json_400(world, settings):
    """The session's CSRF check reads the form before any parser does."""
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
    encoded = "&".join(f"cadres={pk}" for pk in range(1, 1100))
    client = session(world.bob, csrf=True)
    client.cookies[settings.CSRF_COOKIE_NAME] = "k" * 32  # a cookie, but no token sent
    response = client.post(
        "/api/v1/actions/roll-calls/", encoded, content_type="application/x-www-form-urlencoded"
    )
    assert "application/json" in assert_json_error(response, 400)["detail"]


def test_the_same_roll_call_as_json_is_read(world, klass):
    """The list that was too long as a form is read as JSON (its cadres are checked)."""
    names = [cadre("张三", world.a, world.city_od) for _ in range(2)]
    body = roll_call_body(klass, [names[0].pk, names[1].pk, *range(10**6, 10**6 + 996)])
    response = session(world.bob).post("/api/v1/actions/roll-calls/", body, format="json")
    assert response.status_code == 400 and "cadres" in response.json()


@pytest.mark.parametrize("client", [session, token])
def test_a_body_over_the_upload_bound_is_a_json_400(world, client, settings):
    body = json.dumps({"comment": "长" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 3 + 10)})
    response = client(world.bob).post(
        "/api/v1/actions/roll-calls/", body, content_type="application/json"
    )
    assert "MB" in assert_json_error(response, 400)["detail"]


def test_too_many_files_is_a_json_400(world, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    files = {f"file{i}": SimpleUploadedFile(f"{i}.csv", b"a,b\n") for i in range(5)}
    response = session(world.bob).post("/api/v1/actions/hour-imports/", files, format="multipart")
    assert "3" in assert_json_error(response, 400)["detail"]


@pytest.mark.parametrize(
    "url, who",
    [
        ("/api/v1/actions/roll-calls/", "bob"),
        ("/api/v1/actions/hour-imports/", "bob"),
        ("/api/v1/actions/classes/{klass}/attendance/", "rita"),
    ],
)
def test_a_multipart_body_without_its_boundary_is_told_in_chinese(world, klass, url, who):
    response = token(getattr(world, who)).post(
        url.format(klass=klass.pk), b'{"a": 1}', content_type="multipart/form-data"
    )
    detail = assert_json_error(response, 400)["detail"]
    assert detail.startswith("请求正文不是有效的 multipart/form-data 表单"), detail
    assert "Multipart form parse error" not in detail


# -- paths no endpoint has ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_to_no_endpoint_is_a_json_404(world, method):
    for client in (session(world.bob, csrf=True), token(world.bob), APIClient()):
        response = getattr(client, method)("/api/v1/no-such-thing/", {"a": 1}, format="json")
        assert assert_json_error(response, 404)["detail"]


@pytest.mark.parametrize(
    "path", ["/api/v1/units/1%0A/", "/api/v1/units/%0A", "/api/v1/%0A/x/", "/api/v1/a%0Ab/"]
)
def test_a_path_with_a_newline_is_a_json_404(world, path):
    for method in ("get", "post"):
        response = getattr(session(world.bob, csrf=True), method)(path)
        assert assert_json_error(response, 404)["detail"]


def test_the_schema_says_to_send_a_long_list_as_json(world, api):
    schema = api.as_(world.bob).get("/api/v1/schema/?format=json").json()
    cadres = schema["components"]["schemas"]["RollCallIssue"]["properties"]["cadres"]
    assert cadres["maxItems"] == 1000 and "JSON" in cadres["description"]


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00", "9999-12-31T23:59:59"])
def test_a_moment_the_server_cannot_place_is_a_400_naming_it(world, klass, moment):
    """Year 1 without an offset overflows when placed in the server's time zone: a 400 on
    the field, not a 500 (the year 9999 one is simply after the class starts)."""
    body = {**roll_call_body(klass, [world.cadre_a.pk]), "response_deadline": moment}
    response = session(world.bob).post("/api/v1/actions/roll-calls/", body, format="json")
    errors = assert_json_error(response, 400)
    assert "response_deadline" in errors, errors
    assert not RollCall.objects.exists()
