"""API tokens: only the key's SHA-256 is kept; a token signs its user in until an
administrator revokes it (audited, never deleted); the session keeps working, with CSRF
enforced on writes."""

import hashlib
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from api import services
from api.models import ApiToken
from audit.models import AuditEvent

UNITS = "/api/v1/units/"


def with_token(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_signs_its_user_in_and_only_the_digest_is_stored(world):
    token, key = services.token_issue(actor=world.bob, user=world.carol, name="网络学院平台")
    assert key not in {token.key_digest, token.prefix} and key.startswith(token.prefix)
    assert ApiToken.objects.get().key_digest == hashlib.sha256(key.encode()).hexdigest()

    response = with_token(key).get(UNITS)
    assert response.status_code == 200
    # Carol serves the county: the city's unit A is not in her list.
    assert world.a.pk not in {row["id"] for row in response.json()["results"]}
    assert world.b.pk in {row["id"] for row in response.json()["results"]}
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_bearer_works_too(world):
    _token, key = services.token_issue(actor=None, user=world.bob, name="平台")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(UNITS).status_code == 200


@pytest.mark.parametrize("header", ["Token nonsense", "Token", "Token a b", "Bearer xd_wrong"])
def test_a_wrong_token_is_a_401(world, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(UNITS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"]


def test_a_revoked_token_is_refused_and_kept(world):
    token, key = services.token_issue(actor=world.bob, user=world.carol, name="平台")
    assert services.token_revoke(actor=world.bob, token=token) is True
    assert services.token_revoke(actor=world.bob, token=token) is False
    assert with_token(key).get(UNITS).status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None
    events = AuditEvent.objects.filter(verb__startswith="api_token.", target_id=str(token.pk))
    assert sorted(events.values_list("verb", flat=True)) == ["api_token.issue", "api_token.revoke"]


def test_the_token_of_an_inactive_user_is_refused(world):
    _token, key = services.token_issue(actor=None, user=world.carol, name="平台")
    get_user_model().objects.filter(pk=world.carol.pk).update(is_active=False)
    assert with_token(key).get(UNITS).status_code == 401


def test_the_admin_issues_a_token_once_and_revokes_it_never_deletes(world, client):
    admin = get_user_model().objects.create_superuser("root", password="pw-root")
    client.force_login(admin)
    response = client.post(
        reverse("admin:api_apitoken_add"), {"user": world.carol.pk, "name": "学习平台"}, follow=True
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    key = next(re.search(r"xd_[\w-]+", m).group() for m in shown if "xd_" in m)
    assert hashlib.sha256(key.encode()).hexdigest() == token.key_digest
    assert with_token(key).get(UNITS).status_code == 200
    # Shown once: the token's own page has no key.
    page = client.get(reverse("admin:api_apitoken_change", args=[token.pk]))
    assert key not in page.content.decode()

    response = client.post(
        reverse("admin:api_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert with_token(key).get(UNITS).status_code == 401
    assert ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=False).exists()
    delete = client.get(reverse("admin:api_apitoken_delete", args=[token.pk]))
    assert delete.status_code in (302, 403)
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert AuditEvent.objects.filter(verb="api_token.revoke", actor=admin).count() == 1


def test_staff_who_are_not_superusers_cannot_issue_tokens(world, client):
    get_user_model().objects.filter(pk=world.bob.pk).update(is_staff=True)
    client.force_login(world.bob)
    client.post(reverse("admin:api_apitoken_add"), {"user": world.bob.pk, "name": "x"})
    assert not ApiToken.objects.exists()


def test_the_command_prints_a_working_key(world):
    out = io.StringIO()
    call_command("issue_api_token", "carol", name="干部信息系统", stdout=out)
    key = out.getvalue().strip()
    assert with_token(key).get(UNITS).status_code == 200
    assert AuditEvent.objects.filter(verb="api_token.issue").count() == 1
    with pytest.raises(CommandError):
        call_command("issue_api_token", "nobody-at-all", name="x")


def test_the_session_works_and_csrf_is_enforced_on_writes(world, samples):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.bob)
    assert client.get(UNITS).status_code == 200
    response = client.post("/api/v1/actions/filings/", {}, format="json")
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "CSRF" in detail and "请求被拒绝" in detail  # said in Chinese, not DRF's English
    assert "Failed" not in detail
