"""Viewflow's process and task admin, read only: a process or task edited there (its
status, owner, permission or subject) changes flow state without the domain services
and without an audit event — the dispatch it runs would stay 已点名 with no step left.
Flow state changes through the flows' own audited pages."""

from django.contrib import admin
from viewflow.workflow.admin import ProcessAdmin, TaskAdmin
from viewflow.workflow.models import Process, Task


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyProcessAdmin(_ReadOnly, ProcessAdmin):
    pass


class ReadOnlyTaskAdmin(_ReadOnly, TaskAdmin):
    pass


for model, model_admin in ((Process, ReadOnlyProcessAdmin), (Task, ReadOnlyTaskAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
