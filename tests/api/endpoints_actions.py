"""Probes of the action endpoints (helper H5's rows; see tests/api/endpoints.py for the
contract). `ACTIONS` maps a route name of the api namespace (e.g. "api:dispatch-confirm")
to an `Endpoint` of tests/api/endpoints.py; tests/api/test_api_permissions.py fails for a
route of api/ with no row here or in `READS`."""

ACTIONS: dict = {}
