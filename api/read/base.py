"""What every read endpoint shares: bounded paging (400 for a page that is not a page),
id filters bounded like `core.http.positive_int` (400 past 2^63), the reach permission of
the list pages (403 for a user who reaches no unit) and the read-only viewset."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, pagination, permissions, viewsets

from core.http import ID_MAX, PAGE_MAX, search_text
from org import selectors as org_selectors

MAX_PAGE_SIZE = 100
# A row id in a URL: digits only (anything else is no route: 404).
ID_PATTERN = r"[0-9]{1,19}"


class Pages(pagination.PageNumberPagination):
    """`page` (1 … 1,000,000) and `page_size` (1 … 100, default 50); anything else is a
    400 naming the parameter. A page past the last is a 404, as in DRF (its body says
    so)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def bounds(self, request) -> tuple[int, int]:
        """The page number and size asked for, or a 400 naming the bad parameter."""
        errors = {}
        page = request.query_params.get(self.page_query_param, "1")
        if not _bounded_int(page, PAGE_MAX):
            errors[self.page_query_param] = [_("A page number from 1 to 1,000,000.")]
        size = request.query_params.get(self.page_size_query_param, str(self.page_size))
        if not _bounded_int(size, MAX_PAGE_SIZE):
            errors[self.page_size_query_param] = [_("A page size from 1 to 100.")]
        if errors:
            raise exceptions.ValidationError(errors)
        return int(page), int(size)

    def paginate_queryset(self, queryset, request, view=None):
        self.bounds(request)
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            bound = PAGE_MAX if parameter["name"] == self.page_query_param else MAX_PAGE_SIZE
            parameter["schema"].update({"minimum": 1, "maximum": bound})
            parameter["description"] = (
                "页码（1–1,000,000）" if bound == PAGE_MAX else "每页条数（1–100，默认 50）"
            )
        return parameters


def _bounded_int(value: str, maximum: int) -> bool:
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(maximum)):
        return False
    return 0 < int(value) <= maximum


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class IdFilter(filters.NumberFilter):
    """A row id in a query: a whole number from 1 to 2^63 − 1, or a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "string", "maxLength": 100})
class SearchFilter(filters.CharFilter):
    """A search string, bounded like the pages' (`core.http.search_text`)."""

    def filter(self, qs, value):
        return super().filter(qs, search_text(value))


class UnitSubtreeFilter(IdFilter):
    """Rows of a unit and every unit below it (as the pages' unit filter). A unit out of
    reach, or none, filters everything out."""

    def __init__(self, *args, unit_path="unit__path", **kwargs):
        self.unit_path = unit_path
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        from org.models import Unit

        unit = Unit.objects.filter(pk=value).only("path").first()
        if unit is None:
            return qs.none()
        return qs.filter(**{f"{self.unit_path}__startswith": unit.path})


class ReachesAUnit(permissions.BasePermission):
    """The list pages' rule (`org.policy.require_reach`): pages of the jurisdiction are
    for users who reach a unit; a trainee or an account without a role gets 403."""

    message = _("You have no jurisdiction: this list is for the staff of a unit.")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated) and (
            user.is_superuser or org_selectors.units_in_reach(user).exists()
        )


class ReadViewSet(viewsets.ReadOnlyModelViewSet):
    """List and retrieve through `selector(user)`; retrieve of a row out of reach is a
    404 (it is not in the selector's rows)."""

    permission_classes = [permissions.IsAuthenticated, ReachesAUnit]
    lookup_value_regex = ID_PATTERN
    ordering = ("pk",)

    def selector(self, user):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema asks for the model only
            return self.get_serializer_class().Meta.model.objects.none()
        queryset = self.selector(self.request.user)
        return queryset.order_by(*self.ordering) if self.ordering else queryset
