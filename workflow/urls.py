from django.urls import path

from workflow import flowlist, mytasks, views

urlpatterns = [
    path("tasks/", mytasks.task_list, name="task_list"),
    path("flows/", flowlist.flow_list, name="flow_list"),
    path("tasks/<int:pk>/reassign/", views.task_reassign, name="task_reassign"),
]
