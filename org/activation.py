"""Activating an account an import created: the person sets their own password, through a
link or a one-time code the importer hands them. Nothing about either is stored.

* The link /accounts/activate/<uidb64>/<token>/ carries a token of Django's
  PasswordResetTokenGenerator with this module's own key salt (so a password-reset token
  never activates, and the reverse), valid for ACTIVATION_TIMEOUT.
* The one-time code (10 characters, printed beside the link for whoever cannot click
  it) is derived the same way: an HMAC of the same account state and the day it was
  issued, typed with the username at /accounts/activate/.

Both hash the account's password field, so once a password is set (the field changes)
neither works again: they are single-use without a table of used tokens.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from audit.services import record_event

#: how long a link or code works after it is issued (the importer prints a new one later)
ACTIVATION_TIMEOUT = getattr(settings, "XUNDIAO_ACTIVATION_TIMEOUT", 14 * 24 * 3600)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper
CODE_LENGTH = 10
#: wrong codes typed for one username before the code page refuses it for CODE_LOCK seconds
CODE_ATTEMPTS = 10
CODE_LOCK = 3600


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "xundiao.org.activation.ActivationTokenGenerator"

    def check_token(self, user, token):
        """Django's check with this generator's own timeout instead of
        PASSWORD_RESET_TIMEOUT."""
        if not (user and token) or not pending(user):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return 0 <= self._num_seconds(self._now()) - ts <= ACTIVATION_TIMEOUT

    def code(self, user, day: int | None = None) -> str:
        """The one-time code for `user` issued on `day` (days since 2001-01-01; today by
        default), as XXXXX-XXXXX."""
        day = self._today() if day is None else day
        digest = salted_hmac(
            self.key_salt + ".code",
            self._make_hash_value(user, day),
            secret=self.secret,
            algorithm=self.algorithm,
        ).digest()
        number = int.from_bytes(digest[:8], "big")
        chars = []
        for _index in range(CODE_LENGTH):
            number, rest = divmod(number, len(CODE_ALPHABET))
            chars.append(CODE_ALPHABET[rest])
        return "".join(chars[:5]) + "-" + "".join(chars[5:])

    def check_code(self, user, code: str) -> bool:
        if not (user and code) or not pending(user):
            return False
        typed = normalize_code(code)
        today = self._today()
        days = ACTIVATION_TIMEOUT // (24 * 3600)
        # Every day's code is compared, so the answer takes the same time whichever matches.
        matches = [
            constant_time_compare(normalize_code(self.code(user, day)), typed)
            for day in range(today - days, today + 1)
        ]
        return any(matches)

    def _today(self) -> int:
        return (self._now().date() - dt.date(2001, 1, 1)).days


def normalize_code(code: str) -> str:
    return "".join(str(code or "").upper().split()).replace("-", "")


tokens = ActivationTokenGenerator()


def pending(user) -> bool:
    """The account has never had a password: it waits for activation."""
    return user.is_active and not user.has_usable_password()


def activation_path(user) -> str:
    """The path of the account's activation link (made now, valid ACTIVATION_TIMEOUT)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("account_activate", args=[uidb64, tokens.make_token(user)])


def user_from_link(uidb64: str, token: str):
    """The pending account a link names, or None (unknown, tampered, used or expired)."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    if not 0 < pk < 2**63:
        return None
    user = get_user_model().objects.filter(pk=pk).first()
    return user if user is not None and tokens.check_token(user, token) else None


def _attempts_key(username: str) -> str:
    digest = hashlib.sha256(str(username or "").strip().encode()).hexdigest()
    return f"xundiao:activation-code:{digest}"


def code_locked(username: str) -> bool:
    """Too many wrong codes have been typed for `username` lately: 50 bits of code stay
    out of reach of guessing through the page."""
    return (cache.get(_attempts_key(username)) or 0) >= CODE_ATTEMPTS


def user_from_code(username: str, code: str):
    """The pending account whose username and one-time code these are, or None (a wrong
    code counts towards `code_locked`)."""
    user = get_user_model().objects.filter(username=str(username or "").strip()[:150]).first()
    if user is not None and tokens.check_code(user, code):
        return user
    key = _attempts_key(username)
    cache.add(key, 0, CODE_LOCK)
    try:
        cache.incr(key)
    except ValueError:  # expired in between
        cache.set(key, 1, CODE_LOCK)
    return None


@transaction.atomic
def account_activate(*, user, form, via: str):
    """The person behind a pending account sets their password (a bound, valid
    SetPasswordForm for `user`); the link and the code stop working."""
    locked = get_user_model().objects.select_for_update().get(pk=user.pk)
    if not pending(locked):
        # Someone used the link in another tab meanwhile.
        return None
    form.user = locked
    form.save()
    record_event(actor=locked, verb="account.activate", target=locked, after={"via": via})
    return locked
