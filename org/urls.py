from django.urls import path

from org import activation_views, views

urlpatterns = [
    path("cadres/", views.cadre_list, name="cadre_list"),
    path("cadres/pick/", views.cadre_pick, name="cadre_pick"),
    path("cadres/new/", views.cadre_create, name="cadre_create"),
    path("cadres/<int:pk>/", views.cadre_detail, name="cadre_detail"),
    path("cadres/<int:pk>/edit/", views.cadre_edit, name="cadre_edit"),
    path("units/", views.unit_list, name="unit_list"),
    path("delegations/", views.delegations, name="delegations"),
    # Public: the owner of an imported account sets a password (org.activation).
    path("accounts/activate/", activation_views.activate_with_code, name="account_activate_code"),
    path(
        "accounts/activate/<str:uidb64>/<str:token>/",
        activation_views.activate,
        name="account_activate",
    ),
]
