"""Include at "inbox/": path("inbox/", include("notifications.urls"))."""

from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/document/", views.document, name="document"),
    path("<int:pk>/documents/<int:document_pk>/", views.document, name="enclosure"),
]
