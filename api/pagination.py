"""The API's pages (REST_FRAMEWORK DEFAULT_PAGINATION_CLASS): bounded like the site's
(`core.http.PAGE_MAX`); kept apart from the views, which DRF's settings import it before.

Two ways through a list: page numbers (`page`, with the total `count`), or a keyset walk
(`cursor`: empty for the first page, then each answer's `next`), whose every page costs
what the first does however deep it lies — no rows skipped, nothing counted."""

from django.core.exceptions import ValidationError as DjangoValidationError
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
    cursor_query_param = "cursor"
    keyset = None

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
        _page, size = self.bounds(request)
        if self.cursor_query_param in request.query_params and _keyset_paged(view):
            self.keyset = Keyset(size, view.ordering or ("pk",))
            try:
                return self.keyset.paginate_queryset(queryset, request, view)
            except (ValueError, TypeError, DjangoValidationError):
                # A position that is not a value of the ordering's first field.
                raise self.keyset.invalid() from None
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self.keyset is None:
            return super().get_paginated_response(data)
        response = self.keyset.get_paginated_response(data)
        response.data = {"count": None, **response.data}
        return response

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        properties = response["properties"]
        properties["count"].update(
            nullable=True, description="总条数；按 cursor 翻页时为 null（不计数）"
        )
        properties["next"]["description"] = "下一页的地址；已是末页时为 null"
        properties["previous"]["description"] = "上一页的地址；已是首页时为 null"
        properties["results"]["description"] = "本页的各条"
        return response

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            bound = PAGE_MAX if parameter["name"] == self.page_query_param else MAX_PAGE_SIZE
            parameter["schema"].update({"minimum": 1, "maximum": bound})
            parameter["description"] = (
                "页码（1–1,000,000）" if bound == PAGE_MAX else "每页条数（1–100，默认 50）"
            )
        if not _keyset_paged(view):
            return parameters
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "按键翻页：首页传空值，之后沿用上一页返回的 next / previous；"
                    "深页与首页同样快，不返回总数（给出 cursor 时忽略 page）"
                ),
                "schema": {"type": "string", "maxLength": Keyset.CURSOR_MAX},
            }
        )
        return parameters


class Keyset(pagination.CursorPagination):
    """The keyset walk behind `?cursor=`: ordered as the view's list, a page's rows are
    those after the last one seen (`WHERE key < …  LIMIT size + 1`), so the database
    reads a page's worth of keys whatever the depth. A cursor that is not one of ours is
    a 400 naming the parameter."""

    CURSOR_MAX = 200
    template = None

    def __init__(self, size: int, ordering):
        self.size = size
        self.ordering = tuple(ordering)

    def get_page_size(self, request):
        return self.size

    def get_ordering(self, request, queryset, view):
        return self.ordering

    def invalid(self):
        return exceptions.ValidationError(
            {self.cursor_query_param: [_("Not a cursor this list gave out.")]}
        )

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param, "")
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise self.invalid() from None
        if len(encoded) > self.CURSOR_MAX or "\x00" in (cursor.position or ""):
            raise self.invalid()
        return cursor


def _keyset_paged(view) -> bool:
    """Lists that may be walked by `cursor`: the read lists, ordered on their own rows."""
    return getattr(view, "keyset_paging", False)


def _bounded_int(value: str, maximum: int) -> bool:
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(maximum)):
        return False
    return 0 < int(value) <= maximum
