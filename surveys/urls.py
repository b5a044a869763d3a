"""The surveys app's pages (mounted in config/urls.py at /surveys/)."""

from django.urls import path

from surveys import views

app_name = "surveys"

urlpatterns = [
    path("", views.survey_list, name="list"),
    path("<int:pk>/", views.survey_detail, name="detail"),
    path("<int:pk>/results/", views.survey_results, name="results"),
]
