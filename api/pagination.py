"""The API's pages (REST_FRAMEWORK DEFAULT_PAGINATION_CLASS): bounded like the site's
(`core.http.PAGE_MAX`); kept apart from the views, which DRF's settings import it before."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination

from core.http import PAGE_MAX

MAX_PAGE_SIZE = 100


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
