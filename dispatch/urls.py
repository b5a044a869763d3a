from django.urls import path

from dispatch import (
    attendance,
    attendance_correction,
    curriculum_views,
    leadership_views,
    views,
)

urlpatterns = [
    path("", views.home, name="home"),
    path("classes/", views.class_list, name="class_list"),
    path("classes/new/", views.class_create, name="class_create"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path("classes/<int:pk>/edit/", views.class_edit, name="class_edit"),
    path("classes/<int:pk>/cancel/", views.class_cancel, name="class_cancel"),
    path("classes/<int:pk>/candidates/", views.class_candidates, name="class_candidates"),
    path("classes/<int:pk>/attendance/", attendance.class_attendance, name="class_attendance"),
    path(
        "classes/<int:pk>/attendance/<int:dispatch_pk>/correct/",
        attendance_correction.attendance_correct,
        name="attendance_correct",
    ),
    path(
        "classes/<int:pk>/sessions/new/",
        curriculum_views.class_session_create,
        name="class_session_create",
    ),
    path("sessions/<int:pk>/edit/", curriculum_views.class_session_edit, name="class_session_edit"),
    path("dispatches/", views.dispatch_list, name="dispatch_list"),
    path("dispatches/overdue/", views.overdue_list, name="overdue_list"),
    path("rollcalls/", views.roll_call_list, name="roll_call_list"),
    path("rollcalls/busy/", views.roll_call_busy, name="roll_call_busy"),
    path("rollcalls/<int:pk>/", views.roll_call_detail, name="roll_call_detail"),
    path(
        "rollcalls/<int:pk>/acknowledgements/",
        views.roll_call_acknowledgements,
        name="roll_call_acknowledgements",
    ),
    path("cadres/<int:pk>/record/", views.training_record, name="training_record"),
    path("compliance/cycles/", leadership_views.leadership_report, name="leadership_report"),
]
