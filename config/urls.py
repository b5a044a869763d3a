from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from dispatch.viewsets import site

urlpatterns = [
    # Browsers ask for /favicon.ico whatever the pages link.
    path("favicon.ico", RedirectView.as_view(url=static("xundiao/favicon.ico"), permanent=True)),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("workflow/", site.urls),
    path("inbox/", include("notifications.urls")),
    path("", include("dispatch.urls")),
]
