"""The planning app's pages (mounted in config/urls.py)."""

from django.urls import path

from planning import views

app_name = "planning"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/lines/add/", views.line_add, name="line_add"),
    path("<int:pk>/new-version/", views.new_version, name="new_version"),
    path("<int:pk>/actual/", views.plan_actual, name="actual"),
    path("lines/<int:pk>/change/", views.line_change, name="line_change"),
    path("lines/<int:pk>/remove/", views.line_remove, name="line_remove"),
    path("lines/<int:pk>/waive/", views.line_waive, name="waive"),
    path("lines/<int:pk>/nominate/", views.partner_nominate, name="nominate"),
]
