from django.urls import path

from ledger import views

urlpatterns = [
    path("compliance/", views.compliance_report, name="compliance_report"),
    path("hours/", views.hours_ledger, name="hours_ledger"),
    path("hours/import/", views.hours_import, name="hours_import"),
    path("hours/import/<int:pk>/", views.hours_import_preview, name="hours_import_preview"),
]
