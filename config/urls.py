from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dispatch.viewsets import site

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("workflow/", site.urls),
    path("inbox/", include("notifications.urls")),
    path("", include("dispatch.urls")),
]
