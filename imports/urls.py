"""Include at "imports/": the import pages (a kind's template, upload, preview, commit)."""

from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.batch, name="batch"),
    path("<int:pk>/commit/", views.commit, name="commit"),
    path("<int:pk>/progress.json", views.progress, name="progress"),
    path("<int:pk>/result/", views.result, name="result"),
    path("<slug:kind>/", views.upload, name="upload"),
    path("<slug:kind>/template.xlsx", views.template_xlsx, name="template_xlsx"),
    path("<slug:kind>/template.csv", views.template_csv, name="template_csv"),
]
