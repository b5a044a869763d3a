from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from config.security import add_unlock_action
from core.http import search_text
from workflow.site import site


def _bounded_search(get_search_results):
    def search(request, queryset, search_term):
        return get_search_results(request, queryset, search_text(search_term))

    return search


def _bounded_filters(changelist_view):
    """A change list filtered by an integer beyond the database's (`?unit=2**63`: SQLite
    raises OverflowError) goes back to the unfiltered list with Django's own
    "?e=1" (invalid filter) notice, as any other invalid lookup does."""

    def view(request, extra_context=None):
        try:
            return changelist_view(request, extra_context)
        except OverflowError:
            return HttpResponseRedirect(f"{request.path}?e=1")

    return view


# Nothing is deleted in the admin: every model admin (ours, Viewflow's, Django's), all of
# them registered once the apps are ready, loses its delete permission and action; and its
# search is bounded like the pages' own (core.http.search_text), its filters too.
admin.site.disable_action("delete_selected")
for _model_admin in admin.site._registry.values():
    _model_admin.has_delete_permission = lambda request, obj=None: False
    _model_admin.get_search_results = _bounded_search(_model_admin.get_search_results)
    _model_admin.changelist_view = _bounded_filters(_model_admin.changelist_view)
# Locked logins are unlocked with an action on axes' attempt list (README: Security).
add_unlock_action(admin.site)

urlpatterns = [
    # Browsers ask for /favicon.ico whatever the pages link.
    path("favicon.ico", RedirectView.as_view(url=static("xundiao/favicon.ico"), permanent=True)),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("workflow/", site.urls),
    path("api/v1/", include("api.urls")),
    path("imports/", include("imports.urls")),
    path("inbox/", include("notifications.urls")),
    path("documents/", include("notifications.document_urls")),
    path("surveys/", include("surveys.urls")),
    path("plans/", include("planning.urls")),
    path("feedback/", include("feedback.urls")),
    path("circulars/", include("circulars.urls")),
    path("", include("org.urls")),
    path("", include("ledger.urls")),
    path("", include("workflow.urls")),
    path("", include("dispatch.urls")),
]
