"""Probes of the action endpoints (filled by the action endpoints' author). `ACTIONS` maps
a route name of the api namespace (e.g. "api:dispatch-confirm") to an `Endpoint` of
tests/api/probes.py (read its docstring for the contract); tests/api/test_api_permissions.py
fails for a route of api/ that has no row here or in tests/api/endpoints.py `READS`."""

from tests.api.probes import Endpoint  # noqa: F401

ACTIONS: dict = {}
