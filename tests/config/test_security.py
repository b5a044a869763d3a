"""Security (README: Security): logins throttled per username and address, unlocked by
the command or the admin; a Content-Security-Policy that no page's scripts break; and a
production profile that `check --deploy` passes."""

import json
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from audit.models import AuditEvent
from config.security import client_ip
from dispatch.models import Dispatch
from tests.flowtools import issue_roll_call, open_task, process_of, task_url

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/accounts/login/"
LOCKED = "登录失败次数过多，账户已暂时锁定，请在 30 分钟后再试或联系管理员解锁。"


def log_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def logged_in(client):
    return "_auth_user_id" in client.session


# -- login throttling -----------------------------------------------------------------


def test_a_username_is_locked_after_repeated_failures_and_others_are_not(world, client):
    for _ in range(30):
        assert log_in(client, "alice", "wrong").status_code in (200, 429)
    response = log_in(client, "alice", "pw-alice")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not logged_in(client)

    assert log_in(client, "bob", "pw-bob").status_code == 302  # same address, other user
    assert logged_in(client)


def test_the_lock_starts_at_the_fifth_failure(world, client):
    for _ in range(4):
        assert log_in(client, "alice", "wrong").status_code == 200
    assert log_in(client, "alice", "pw-alice").status_code == 302  # and the count restarts
    client.logout()
    for _ in range(4):
        log_in(client, "alice", "wrong")
    assert log_in(client, "alice", "wrong").status_code == 429
    assert log_in(client, "alice", "pw-alice").status_code == 429


def test_the_reset_command_unlocks_a_username(world, client):
    for _ in range(5):
        log_in(client, "alice", "wrong")
    assert log_in(client, "alice", "pw-alice").status_code == 429

    call_command("axes_reset_username", "alice")

    assert log_in(client, "alice", "pw-alice").status_code == 302
    assert logged_in(client)


def test_an_administrator_unlocks_a_login_in_the_admin_and_it_is_audited(world, client):
    for _ in range(5):
        log_in(client, "alice", "wrong")
    attempt = AccessAttempt.objects.get(username="alice")
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(root)
    page = client.get("/admin/axes/accessattempt/").content.decode()
    assert "解锁所选登录" in page

    response = client.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock_logins", "_selected_action": [attempt.pk]},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="alice").exists()
    event = AuditEvent.objects.get(verb="login.unlock")
    assert event.actor == root and event.before["username"] == "alice"
    client.logout()
    assert log_in(client, "alice", "pw-alice").status_code == 302


def test_behind_the_proxy_failures_are_charged_to_the_address_the_proxy_saw(
    world, client, settings
):
    settings.XUNDIAO_BEHIND_TLS_PROXY = True
    for _ in range(5):  # the client's own X-Forwarded-For entries do not count
        log_in(client, "alice", "wrong", HTTP_X_FORWARDED_FOR=f"{_}.6.6.6, 10.0.0.1")
    assert log_in(client, "alice", "pw-alice", HTTP_X_FORWARDED_FOR="10.0.0.1").status_code == 429
    assert log_in(client, "alice", "pw-alice", HTTP_X_FORWARDED_FOR="10.0.0.2").status_code == 302


def test_without_the_proxy_x_forwarded_for_is_ignored(settings):
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="10.0.0.9")
    settings.XUNDIAO_BEHIND_TLS_PROXY = False
    assert client_ip(request) == "10.0.0.9"
    settings.XUNDIAO_BEHIND_TLS_PROXY = True
    assert client_ip(request) == "6.6.6.6"


# -- Content-Security-Policy and headers --------------------------------------------


class ScriptAudit(HTMLParser):
    """What in a page the policy would block: inline scripts without a nonce, on*=
    handler attributes, javascript: links; and where the scripts come from."""

    def __init__(self):
        super().__init__()
        self.blocked = []
        self.sources = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.blocked += [f"<{tag} {name}=…>" for name in attrs if name.startswith("on")]
        for name in ("href", "action", "src"):
            if (attrs.get(name) or "").strip().lower().startswith("javascript:"):
                self.blocked.append(f"<{tag} {name}=javascript:…>")
        if tag == "script":
            if attrs.get("src"):
                self.sources.append(attrs["src"])
            elif "json" not in (attrs.get("type") or "") and not attrs.get("nonce"):
                self.blocked.append("inline <script>")


def policy(response):
    header = response.headers["Content-Security-Policy"]
    return {
        name: rest.split()
        for name, _, rest in (d.strip().partition(" ") for d in header.split(";") if d.strip())
    }


def assert_csp_safe(response):
    assert response.status_code in (200, 429), response.status_code
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    audit = ScriptAudit()
    audit.feed(response.content.decode())
    assert audit.blocked == []
    assert all(src.startswith("/") and not src.startswith("//") for src in audit.sources)
    return audit


@pytest.mark.klass(name="全市专题培训班", credit_hours=40)
def test_every_kind_of_page_carries_the_policy_and_no_script_it_would_block(
    world, staff, klass, client
):
    assert_csp_safe(client.get(LOGIN))
    assert_csp_safe(client.get("/admin/login/"))
    for _ in range(5):
        log_in(client, "alice", "wrong")
    assert_csp_safe(log_in(client, "alice", "pw-alice"))  # the lockout page

    client.force_login(world.bob)
    assert_csp_safe(client.get(reverse("home")))
    assert_csp_safe(client.get(reverse("cadre_list")))
    start = assert_csp_safe(client.get("/workflow/rollcall/start/"))
    assert "/static/xundiao/rollcall_start.js" in start.sources  # moved out of the page
    assert_csp_safe(client.get("/workflow/", follow=True))

    issue_roll_call(client, world, klass, [world.cadre_a])
    process = process_of(Dispatch.objects.get(cadre=world.cadre_a), "DispatchFlow")
    task = open_task(process, "confirm")
    client.force_login(staff.lily)
    assert_csp_safe(client.get(task_url(task), follow=True))  # the claim page
    assert_csp_safe(client.get("/workflow/dispatch/queue/"))
    # Viewflow's bulk claim and release pages, whose Back links were onclick handlers.
    bulk = client.post("/workflow/dispatch/queue/assign/", {"pk": [task.pk]})
    assert_csp_safe(bulk)
    assert (
        'href="/workflow/dispatch/queue/"><i class="material-icons" aria-hidden="true">arrow_back'
        in (bulk.content.decode())
    )
    assert client.post(task_url(task, "assign")).status_code == 302
    assert_csp_safe(client.get(task_url(task, "execute")))
    release = client.post("/workflow/dispatch/inbox/unassign/", {"pk": [task.pk]})
    assert_csp_safe(release)
    assert (
        'href="/workflow/dispatch/inbox/"><i class="material-icons" aria-hidden="true">arrow_back'
        in (release.content.decode())
    )

    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(root)
    assert_csp_safe(client.get("/admin/"))
    assert_csp_safe(client.get("/admin/org/cadre/"))
    assert_csp_safe(client.get(f"/admin/org/cadre/{world.cadre_a.pk}/change/"))


# -- production profile ---------------------------------------------------------------


def clean_env(**overrides):
    """This process's environment without any setting the tests below choose."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECURE_", "XUNDIAO_"))
        and k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")
        and not k.endswith("_COOKIE_SECURE")
    }
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings", **overrides}


def run_manage(args, **env_overrides):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean_env(**env_overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def reported_checks(result):
    return set(re.findall(r"\((\w+\.[WE]\d+)\)", result.stdout + result.stderr))


def production(**extra):
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "example.org",
        **extra,
    }


def test_the_deploy_check_passes_with_only_the_three_required_variables():
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], **production())
    # Only the machine's missing fonts and libraries for PDFs may be reported
    # (notifications.W00x, gone once scripts/install-system-packages.sh has run).
    found = {c for c in reported_checks(result) if not c.startswith("notifications.")}
    assert found == set(), result.stdout + result.stderr
    if not reported_checks(result):
        assert result.returncode == 0 and "no issues" in result.stdout


def test_a_plain_http_trial_drops_the_https_settings_and_the_check_says_so():
    result = run_manage(["check", "--deploy"], **production(XUNDIAO_PLAIN_HTTP="1"))
    assert result.returncode == 0, result.stderr
    assert {"security.W004", "security.W008", "security.W012"} <= reported_checks(result)


def https_settings(**env):
    names = [
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
    ]
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_is_https_only_and_trusts_the_proxy_only_when_told():
    prod = https_settings(**production())
    assert prod["SECURE_SSL_REDIRECT"] and prod["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert prod["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert prod["SESSION_COOKIE_SECURE"] and prod["CSRF_COOKIE_SECURE"]
    assert prod["SECURE_PROXY_SSL_HEADER"] is None

    proxied = https_settings(**production(XUNDIAO_BEHIND_TLS_PROXY="1"))
    assert proxied["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]

    trial = https_settings(**production(XUNDIAO_PLAIN_HTTP="1"))
    assert not trial["SECURE_SSL_REDIRECT"] and trial["SECURE_HSTS_SECONDS"] == 0
    assert not trial["SESSION_COOKIE_SECURE"] and not trial["CSRF_COOKIE_SECURE"]

    development = https_settings()
    assert not development["SECURE_SSL_REDIRECT"] and development["SECURE_HSTS_SECONDS"] == 0


def test_without_a_cool_off_the_lock_lasts_until_an_administrator_lifts_it(world, client, settings):
    settings.AXES_COOLOFF_TIME = None
    for _ in range(5):
        log_in(client, "alice", "wrong")
    page = log_in(client, "alice", "pw-alice").content.decode()
    assert "登录失败次数过多，账户已锁定，请联系管理员解锁。" in page and "分钟后" not in page
