"""/api/v1/: the REST API (README: API). Reads are registered by `api.routes_read`,
actions by `api.routes_actions`; both on one router, so the schema lists them together.

The schema and its docs pages are for signed-in users (SPECTACULAR_SETTINGS
SERVE_PERMISSIONS); the HTML docs send an anonymous visitor to the login page like every
other page. Swagger UI's start-up script is served as a file (SpectacularSwaggerSplitView),
so the page runs under the site's CSP (script-src 'self') without an inline script."""

from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularJSONAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import SimpleRouter

from api import errors, routes_actions, routes_read

app_name = "api"

# No root view and no ".json" suffix routes: the schema and the docs list the endpoints.
router = SimpleRouter()
routes_read.register(router)
routes_actions.register(router)

urlpatterns = [
    path("schema/", SpectacularJSONAPIView.as_view(), name="schema"),
    path(
        "docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path(
        "redoc/",
        login_required(
            SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")
        ),
        name="redoc",
    ),
    path("", include(router.urls)),
    # Last: any other path under /api/v1/ is a JSON 404, not the site's HTML page — one
    # with a newline in it too (`.` would not match it; Django cannot reverse `(?s)`).
    re_path(r"^[\s\S]*$", errors.not_found, name="not_found"),
]
