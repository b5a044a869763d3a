"""schemathesis against the live schema through WSGI: every operation (the reads and
the actions), authenticated with a dispatcher's token on a small world, a bounded and
repeatable number of examples each. No answer may be a 500, and every answer must match
the schema: its status documented, its content type and its body as described.

On the SQLite leg only: it checks the schema and the code, not the database, and one
leg is enough to keep CI's time."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import checks
from schemathesis.specs.openapi import checks as openapi_checks

from api import services

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="schemathesis runs on the SQLite leg only (it tests the schema and the code)",
)

EXAMPLES = 6
CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]


@pytest.fixture
def wsgi_app(settings):
    """The project's WSGI application on the test's own connection: Django must not
    close it after each request (the test client does the same)."""
    from django.core.wsgi import get_wsgi_application

    settings.ALLOWED_HOSTS = ["*"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_every_operation_answers_as_its_schema_says(samples, wsgi_app, settings):
    rest = {**settings.REST_FRAMEWORK}
    rest["DEFAULT_THROTTLE_RATES"] = {"user": "100000/minute", "anon": "100000/minute"}
    settings.REST_FRAMEWORK = rest
    _token, key = services.token_issue(actor=None, user=samples.world.bob, name="schemathesis")
    auth = {"Authorization": f"Token {key}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app, headers=auth)

    failures, tried = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        tried += 1

        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            response = case.call(headers=auth)
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as error:  # every operation's failure is told
            failures.append(f"{operation.label}: {str(error)[:800]}")
    assert tried >= 30
    assert not failures, "\n\n".join(failures)
