from django.urls import path

from workflow import mytasks, views

urlpatterns = [
    path("tasks/", mytasks.task_list, name="task_list"),
    path("tasks/<int:pk>/reassign/", views.task_reassign, name="task_reassign"),
]
