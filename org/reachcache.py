"""The reach of a user, remembered while one request is answered.

`org.selectors.grant_roots` (the units on which a user holds each permission, directly,
through a group or through a running delegation) and `org.backends` (the units a
permission reaches) keep their answers here for the length of a request, so a page asks
the grant tables once, not once per selector or per row. Outside a request (a Celery
task, a management command, a test calling a service) nothing is remembered.

Every write that changes a reach — `org.services.role_grant`, `role_revoke`,
`delegation_create`, `delegation_revoke`, `unit_save` (a move rewrites paths) — calls
`forget()`, so even the request that made the change sees it at once; the next request
starts empty anyway.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_cache: ContextVar[dict | None] = ContextVar("xundiao_reach_cache", default=None)


def remembered(key: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()`, or its answer from earlier in this request."""
    cache = _cache.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def active() -> bool:
    return _cache.get() is not None


def forget() -> None:
    """Drop everything remembered (a grant, delegation or unit changed)."""
    cache = _cache.get()
    if cache is not None:
        cache.clear()


@contextmanager
def scope() -> Iterator[None]:
    """Remember reaches inside the block (a request, or a test that acts like one)."""
    token = _cache.set({})
    try:
        yield
    finally:
        _cache.reset(token)


class ReachCacheMiddleware:
    """Remember reaches for the length of each request (every method: the writes that
    change a reach call `forget()`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with scope():
            return self.get_response(request)
