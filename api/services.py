"""Writes of the API app: issuing and revoking tokens (audited)."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from api.models import ApiToken
from audit.services import record_event

KEY_PREFIX = "xd_"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_issue(*, actor, user, name: str) -> tuple[ApiToken, str]:
    """Issue a token for `user`: returns the row and the key, which is never stored and
    cannot be shown again."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name.strip(), key_digest=digest(key), prefix=key[:10])
    token.created_by = actor if getattr(actor, "is_authenticated", False) else None
    token.full_clean()
    token.save()
    record_event(
        actor=actor,
        verb="api_token.issue",
        target=token,
        after={"user": user.username, "name": token.name, "prefix": token.prefix},
    )
    return token, key


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> bool:
    """Revoke a token (kept, with the moment of revocation). False if it already was."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return False
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_event(
        actor=actor,
        verb="api_token.revoke",
        target=token,
        before={"revoked_at": None},
        after={"user": token.user.username, "prefix": token.prefix},
    )
    return True
