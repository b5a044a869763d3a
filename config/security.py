"""Login throttling glue for django-axes (README: Security): which logins count, which
address a failure is charged to, the address-wide limit next to axes' own per-username
one, and unlocking from the admin.

Settings live in config/settings.py (AXES_*); the lockout page is
templates/registration/locked_out.html."""

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Sum
from django.utils import timezone
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


def address_failures(ip_address, since=None) -> int:
    """The failed logins charged to `ip_address`, whatever the usernames: those of the
    attempts whose last failure is at or after `since` (all of them when None)."""
    attempts = AccessAttempt.objects.filter(ip_address=ip_address)
    if since is not None:
        attempts = attempts.filter(attempt_time__gte=since)
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


def address_is_locked(ip_address, since=None) -> bool:
    return address_failures(ip_address, since) >= settings.XUNDIAO_LOGIN_ADDRESS_FAILURE_LIMIT


def cool_off_start():
    """Where the cool-off window starts now (None: no cool-off, every failure counts)."""
    cool_off = get_cool_off()
    return None if cool_off is None else timezone.now() - cool_off


class LoginThrottleHandler(AxesDatabaseHandler):
    """Axes' database handler with a second, address-wide limit (AXES_HANDLER). Axes
    itself has one failure limit for all its lockout parameters, so the per-username one
    stays axes' own (AXES_LOCKOUT_PARAMETERS = username + address, AXES_FAILURE_LIMIT),
    and this handler adds the other: once XUNDIAO_LOGIN_ADDRESS_FAILURE_LIMIT failures
    within the cool-off come from one address, whatever the usernames (password
    spraying), that address counts as having reached the per-username limit for every
    username. `get_failures` is the one place axes asks, both before a password is
    checked and after a failure is recorded; a successful login still clears only its own
    username's failures, so a valid account cannot wipe the address's count."""

    def get_failures(self, request, credentials=None) -> int:
        failures = super().get_failures(request, credentials)
        since = None if get_cool_off(request) is None else get_cool_off_threshold(request)
        if address_is_locked(request.axes_ip_address, since):
            return max(failures, get_failure_limit(request, credentials))
        return failures


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
    the right password succeeds (as `manage.py axes_reset_username` does); where the
    address itself is locked (LoginThrottleHandler), all of that address's failures, as
    `manage.py axes_reset_ip` does. Audited."""
    unlocked = 0
    for attempt in queryset:
        whole_address = address_is_locked(attempt.ip_address, cool_off_start())
        record_event(
            actor=request.user,
            verb="login.unlock",
            target=attempt,
            before={
                "username": attempt.username,
                "ip_address": attempt.ip_address,
                "failures": attempt.failures_since_start,
                "address_locked": whole_address,
            },
        )
        if whole_address:
            unlocked += reset(ip=attempt.ip_address)
        else:
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
    model_admin = site._registry.get(AccessAttempt)
    if model_admin is not None:
        model_admin.actions = [*model_admin.actions, unlock_logins]
