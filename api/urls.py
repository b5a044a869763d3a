"""/api/v1/: the REST API (README: API). Reads are registered by `api.routes_read`,
actions by `api.routes_actions`; both on one router, so the schema lists them together."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api import routes_actions, routes_read

app_name = "api"

router = DefaultRouter()
routes_read.register(router)
routes_actions.register(router)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include(router.urls)),
]
