"""The class catalogue in the /workflow/ site: the training classes the user's
jurisdiction reaches, read only."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, ReadonlyModelViewset

from dispatch import selectors
from dispatch.models import TrainingClass
from org import selectors as org_selectors


def _reaches_anything(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser or org_selectors.units_in_reach(user).exists()
    )


class TrainingClassViewset(ReadonlyModelViewset):
    model = TrainingClass
    title = _("Training classes")
    icon = "school"
    list_columns = ("name", "institution", "start_date", "end_date", "quota")

    def get_queryset(self, request):
        return selectors.class_list(request.user)

    def has_view_permission(self, user, obj=None):
        if obj is not None:
            if not selectors.classes_in_reach(user).filter(pk=obj.pk).exists():
                raise Http404  # a class out of reach, as on the project's own pages
            return True
        return _reaches_anything(user)


class CatalogApplication(Application):
    title = _("Training classes")
    app_name = "catalog"
    icon = "school"
    viewsets = [TrainingClassViewset()]

    def has_view_permission(self, user, obj=None):
        return _reaches_anything(user)
