"""Viewflow frontend: the Site mounted at /workflow/. Flow viewsets are added to the
dispatch Application as the flows land; its pages show only what the user reaches."""

from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, ReadonlyModelViewset, Site

from . import selectors
from .models import TrainingClass


def _reaches_anything(user) -> bool:
    return user.is_authenticated and selectors.units_in_reach(user).exists()


class TrainingClassViewset(ReadonlyModelViewset):
    model = TrainingClass
    title = _("Training classes")
    icon = "school"
    list_columns = ("name", "institution", "start_date", "end_date", "quota")

    def get_queryset(self, request):
        return selectors.class_list(request.user)

    def has_view_permission(self, user, obj=None):
        if obj is not None:
            return selectors.classes_in_reach(user).filter(pk=obj.pk).exists()
        return _reaches_anything(user)


class DispatchApplication(Application):
    title = _("Training dispatch")
    app_name = "dispatch"
    icon = "assignment_ind"
    viewsets = [TrainingClassViewset()]

    def has_view_permission(self, user, obj=None):
        return _reaches_anything(user)


site = Site(title=_("Xundiao"), viewsets=[DispatchApplication()])
