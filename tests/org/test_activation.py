"""Activating an imported account (org.activation, /accounts/activate/…): the link and
the one-time code each work once, then refuse; a tampered, foreign, reset or expired
token refuses with a clear message and writes nothing."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from audit.models import AuditEvent
from org import activation

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "Xq7!vLp9#mZ"
NEW = {"new_password1": PASSWORD, "new_password2": PASSWORD}
INVALID_LINK = "This activation link is not valid"


@pytest.fixture
def newcomer(db):
    account = User(username="newcomer", first_name="新人")
    account.set_unusable_password()
    account.save()
    return account


@pytest.fixture(autouse=True)
def _english(settings):
    # Messages asserted by their English msgid.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _attempts():
    cache.clear()
    yield
    cache.clear()


def _activations():
    return AuditEvent.objects.filter(verb="account.activate").count()


def test_the_link_sets_the_password_once_then_refuses(client, newcomer):
    path = activation.activation_path(newcomer)
    page = client.get(path)
    assert page.status_code == 200
    assert 'name="new_password1"' in page.content.decode()
    assert page["Referrer-Policy"] == "no-referrer"
    response = client.post(path, NEW)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    newcomer.refresh_from_db()
    assert newcomer.check_password(PASSWORD)
    assert _activations() == 1

    again = client.get(path)
    assert INVALID_LINK in again.content.decode()
    assert 'name="new_password1"' not in again.content.decode()
    client.post(path, {"new_password1": "Other!pass99", "new_password2": "Other!pass99"})
    newcomer.refresh_from_db()
    assert newcomer.check_password(PASSWORD)
    assert _activations() == 1


def test_a_weak_password_is_refused_and_the_link_still_works(client, newcomer):
    path = activation.activation_path(newcomer)
    page = client.post(path, {"new_password1": "123", "new_password2": "123"})
    assert page.status_code == 200
    assert "errorlist" in page.content.decode()
    newcomer.refresh_from_db()
    assert activation.pending(newcomer) and _activations() == 0
    assert client.post(path, NEW).status_code == 302


def test_a_tampered_or_foreign_token_refuses(client, newcomer):
    other = User(username="other")
    other.set_unusable_password()
    other.save()
    path = activation.activation_path(newcomer)
    uidb64, token = path.strip("/").split("/")[-2:]
    other_uid = urlsafe_base64_encode(force_bytes(other.pk))
    tampered = token[:-1] + ("0" if token[-1] != "0" else "1")
    for bad in (
        f"/accounts/activate/{uidb64}/{tampered}/",
        f"/accounts/activate/{other_uid}/{token}/",  # someone else's link on my account
        f"/accounts/activate/{uidb64}/{default_token_generator.make_token(newcomer)}/",
        "/accounts/activate/bm9wZQ/1-2/",
        "/accounts/activate/OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ/x/",
    ):
        page = client.post(bad, NEW)
        assert page.status_code == 200, bad
        assert INVALID_LINK in page.content.decode(), bad
    other.refresh_from_db()
    newcomer.refresh_from_db()
    assert activation.pending(other) and activation.pending(newcomer)
    assert _activations() == 0


def test_an_expired_link_or_code_refuses(client, newcomer, monkeypatch):
    path = activation.activation_path(newcomer)
    code = activation.tokens.code(newcomer)
    later = dt.datetime.now() + dt.timedelta(seconds=activation.ACTIVATION_TIMEOUT + 86400)
    monkeypatch.setattr(activation.tokens, "_now", lambda: later)
    assert INVALID_LINK in client.post(path, NEW).content.decode()
    page = client.post("/accounts/activate/", {"username": "newcomer", "code": code, **NEW})
    assert "one-time code is wrong" in page.content.decode()
    newcomer.refresh_from_db()
    assert activation.pending(newcomer)


def test_an_account_with_a_password_has_no_working_link(client, newcomer):
    path = activation.activation_path(newcomer)
    newcomer.set_password("Some!thing-77")
    newcomer.save()
    assert INVALID_LINK in client.get(path).content.decode()


def test_the_code_sets_the_password_once_then_refuses(client, newcomer):
    code = activation.tokens.code(newcomer)
    assert len(code) == 11 and code[5] == "-"
    typed = code.lower().replace("-", " ")  # as read off paper
    page = client.get("/accounts/activate/")
    assert page.status_code == 200 and 'name="code"' in page.content.decode()
    response = client.post("/accounts/activate/", {"username": "newcomer", "code": typed, **NEW})
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.check_password(PASSWORD)
    assert AuditEvent.objects.get(verb="account.activate").after == {"via": "code"}

    again = client.post(
        "/accounts/activate/",
        {
            "username": "newcomer",
            "code": code,
            "new_password1": "Oth3r!pass",
            "new_password2": "Oth3r!pass",
        },
    )
    assert again.status_code == 200
    assert "one-time code is wrong" in again.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.check_password(PASSWORD)


def test_a_code_works_only_with_its_own_username(client, newcomer):
    other = User(username="other")
    other.set_unusable_password()
    other.save()
    code = activation.tokens.code(newcomer)
    page = client.post("/accounts/activate/", {"username": "other", "code": code, **NEW})
    assert "one-time code is wrong" in page.content.decode()
    page = client.post(
        "/accounts/activate/", {"username": "newcomer", "code": "ABCDE-FGHJK", **NEW}
    )
    assert "one-time code is wrong" in page.content.decode()
    other.refresh_from_db()
    newcomer.refresh_from_db()
    assert activation.pending(other) and activation.pending(newcomer)
    assert _activations() == 0


def test_the_pages_fit_a_phone(client, newcomer):
    for path in (activation.activation_path(newcomer), "/accounts/activate/"):
        text = client.get(path).content.decode()
        assert 'name="viewport" content="width=device-width' in text
        assert "width: 100%" in text and "max-width: 28rem" in text


def test_guessing_codes_locks_the_username_for_a_while(client, newcomer):
    for _attempt in range(activation.CODE_ATTEMPTS):
        client.post("/accounts/activate/", {"username": "newcomer", "code": "AAAAA-AAAAA", **NEW})
    code = activation.tokens.code(newcomer)
    page = client.post("/accounts/activate/", {"username": "newcomer", "code": code, **NEW})
    assert page.status_code == 200
    assert "Too many wrong codes" in page.content.decode()
    newcomer.refresh_from_db()
    assert activation.pending(newcomer)
    # The link still works: the lock only stops guessing through the code page.
    assert client.post(activation.activation_path(newcomer), NEW).status_code == 302
