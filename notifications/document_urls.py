from django.urls import path

from notifications import document_views

urlpatterns = [
    path("", document_views.document_list, name="document_list"),
    path("<int:pk>/", document_views.document_download, name="document_download"),
]
