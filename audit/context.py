"""The current request's id, so that audit events written deep in a service can be
traced back to the HTTP request (or task) that caused them."""

import uuid
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("xundiao_request_id", default="")


def get_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str | None = None):
    """Set the id for the current context and return the token to reset it."""
    return _request_id.set(value or uuid.uuid4().hex)


def reset_request_id(token) -> None:
    _request_id.reset(token)
