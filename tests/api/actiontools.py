"""Helpers of the action endpoints' tests (tests/api/test_actions_*.py): an API client
signed in as someone, and the audit verbs written about an object."""

from django.contrib.contenttypes.models import ContentType
from rest_framework.test import APIClient

from audit.models import AuditEvent

BASE = "/api/v1/actions"


def api(user):
    """An API client with `user`'s session (the API also takes tokens)."""
    client = APIClient()
    client.force_login(user)
    return client


def post(user, path, data=None, **kwargs):
    kwargs.setdefault("format", "json")
    return api(user).post(f"{BASE}/{path}", data or {}, **kwargs)


def verbs(obj):
    """The audit verbs about `obj`, oldest first."""
    return list(
        AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk)
        )
        .order_by("pk")
        .values_list("verb", flat=True)
    )


def event_count():
    return AuditEvent.objects.count()
