"""Login throttling glue for django-axes (README: Security): which logins count, which
address a failure is charged to, and unlocking from the admin.

Settings live in config/settings.py (AXES_*); the lockout page is
templates/registration/locked_out.html."""

from axes.backends import AxesStandaloneBackend
from axes.utils import reset
from django.conf import settings
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from audit.services import record_event


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' lockout check for logins that come through a web request. `authenticate()`
    called without a request (the test client's login(), the shell, a management command)
    is no web login: nothing to throttle, and axes would refuse it outright."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request) -> str | None:
    """The address a failed login is charged to. Behind the TLS proxy
    (XUNDIAO_BEHIND_TLS_PROXY=1) REMOTE_ADDR is the proxy's own address; the proxy appends
    the address it saw to X-Forwarded-For, so the right-most entry is the one a client
    cannot forge. Without the proxy, X-Forwarded-For is ignored (anyone can send it)."""
    if settings.XUNDIAO_BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR")


@admin.action(description=_("Unlock the selected logins"))
def unlock_logins(model_admin, request, queryset):
    """Clear the failures of each selected username and address, so the next login with
    the right password succeeds (as `manage.py axes_reset_username` does); audited."""
    unlocked = 0
    for attempt in queryset:
        record_event(
            actor=request.user,
            verb="login.unlock",
            target=attempt,
            before={
                "username": attempt.username,
                "ip_address": attempt.ip_address,
                "failures": attempt.failures_since_start,
            },
        )
        unlocked += reset(ip=attempt.ip_address, username=attempt.username)
    model_admin.message_user(
        request,
        ngettext("%(count)d login unlocked.", "%(count)d logins unlocked.", unlocked)
        % {"count": unlocked},
        messages.SUCCESS,
    )


def add_unlock_action(site: admin.AdminSite) -> None:
    """Nothing is deleted in the admin (config/urls.py), axes' own way to unlock included:
    its attempt list gets an unlock action instead."""
    from axes.models import AccessAttempt

    model_admin = site._registry.get(AccessAttempt)
    if model_admin is not None:
        model_admin.actions = [*model_admin.actions, unlock_logins]
