"""Checks of user input that every app shares."""

from django.core.exceptions import ValidationError


def require_reason(reason, message) -> str:
    """A step that refuses, returns or cancels must say why; returns the stripped reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    return reason
