from django.urls import path

from circulars import views

app_name = "circulars"

urlpatterns = [
    path("<int:pk>/figures/", views.figures, name="figures"),
]
