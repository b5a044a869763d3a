from django.urls import path

from . import attendance, mytasks, views

urlpatterns = [
    path("", views.home, name="home"),
    path("cadres/", views.cadre_list, name="cadre_list"),
    path("cadres/new/", views.cadre_create, name="cadre_create"),
    path("cadres/<int:pk>/", views.cadre_detail, name="cadre_detail"),
    path("cadres/<int:pk>/edit/", views.cadre_edit, name="cadre_edit"),
    path("units/", views.unit_list, name="unit_list"),
    path("classes/", views.class_list, name="class_list"),
    path("classes/new/", views.class_create, name="class_create"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path("dispatches/", views.dispatch_list, name="dispatch_list"),
    path("dispatches/overdue/", views.overdue_list, name="overdue_list"),
    path("rollcalls/", views.roll_call_list, name="roll_call_list"),
    path("cadres/<int:pk>/record/", views.training_record, name="training_record"),
    path("classes/<int:pk>/candidates/", views.class_candidates, name="class_candidates"),
    path("classes/<int:pk>/attendance/", attendance.class_attendance, name="class_attendance"),
    path("compliance/", views.compliance_report, name="compliance_report"),
    path("hours/import/", views.hours_import, name="hours_import"),
    path("documents/", views.document_list, name="document_list"),
    path("tasks/<int:pk>/reassign/", views.task_reassign, name="task_reassign"),
    path("delegations/", views.delegations, name="delegations"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("hours/import/<int:pk>/", views.hours_import_preview, name="hours_import_preview"),
    path("rollcalls/<int:pk>/", views.roll_call_detail, name="roll_call_detail"),
    path(
        "rollcalls/<int:pk>/acknowledgements/",
        views.roll_call_acknowledgements,
        name="roll_call_acknowledgements",
    ),
]

urlpatterns += [
    path("tasks/", mytasks.task_list, name="task_list"),
]
