"""The feedback app's pages (mounted in config/urls.py)."""

from django.urls import path

from feedback import views

app_name = "feedback"

urlpatterns = [
    path("evaluations/", views.evaluation_list, name="evaluations"),
    path("evaluations/<int:pk>/", views.evaluation, name="evaluation"),
    path("report/", views.report, name="report"),
    path("report/institutions/", views.institution_report, name="institutions"),
    path("report/classes/<int:pk>/", views.class_report, name="class_report"),
]
