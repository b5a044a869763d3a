"""The API's pages (REST_FRAMEWORK DEFAULT_PAGINATION_CLASS): bounded like the site's
(`core.http.PAGE_MAX`); kept apart from the views, which DRF's settings import it before.

Two ways through a list: page numbers (`page`, with the total `count`), or a keyset walk
(`cursor`: empty for the first page, then each answer's `next` or `previous`), whose every
page costs what the first does however deep it lies — no rows skipped, nothing counted."""

import base64
import binascii
import datetime as dt
import json
import math

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

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
            return self.keyset.paginate_queryset(queryset, request, view)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self.keyset is None:
            return super().get_paginated_response(data)
        return self.keyset.get_paginated_response(data)

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


class Keyset:
    """The keyset walk behind `?cursor=`, ordered as the view's list with the row's pk as
    the last tie-breaker: the cursor holds the whole key of the row a page ended on (every
    ordering field, the pk last), and the next page is the rows after that key, compared
    as a tuple — `(a, b, pk) > (x, y, z)`, spelled `a >= x AND (a > x OR (a = x AND (b > y
    OR (b = y AND pk > z))))` so that SQLite and PostgreSQL both take it, and an index on
    the first field bounds the scan — `LIMIT size + 1`. Rows sharing a sort value are
    never skipped or repeated, and a deep page costs what the first does: nothing skipped
    by OFFSET, nothing counted.

    A NULL sorts as the greatest value (PostgreSQL's default; `NULLS LAST` ascending,
    `NULLS FIRST` descending, spelled out for a nullable field so that SQLite agrees).

    The cursor is opaque: base64url of `["n", *key]` (the rows after the key), `["p",
    *key]` (the rows before it, for `previous`) or `["p"]` (the last page). A cursor that
    is not one of ours is a 400 naming the parameter."""

    CURSOR_MAX = 2000
    cursor_query_param = "cursor"
    #: the largest integer a position may hold (a 64-bit column)
    INT_MAX = 2**63 - 1

    def __init__(self, size: int, ordering):
        self.size = size
        self.ordering = tuple(ordering)
        self.base_url = None
        self.next = self.previous = None

    @staticmethod
    def beyond(key, values, backwards: bool) -> Q:
        """The rows that come after the position `values` in the walk's direction: the
        tuple comparison, from the last field (the pk) out to the first."""
        rest, pairs = None, list(zip(key, values, strict=True))
        for (name, desc, _field, nullable), value in reversed(pairs):
            # Bigger values come next ascending forwards, or descending backwards.
            step = _past(name, value, desc == backwards, nullable)
            rest = step if rest is None else step | (_equal(name, value) & rest)
        name, desc, _field, nullable = key[0]
        if len(key) > 1 and values[0] is not None and not nullable:
            # Redundant, for the planner: a range on the first field an index can bound.
            rest &= Q(**{f"{name}__{'lte' if desc != backwards else 'gte'}": values[0]})
        return rest

    # -- a page -----------------------------------------------------------------------

    def paginate_queryset(self, queryset, request, view=None):
        """The page's rows (the values of `queryset`, which holds every key field)."""
        self.base_url = request.build_absolute_uri()
        key = sort_key(queryset.model, self.ordering)
        backwards, position = self.decode_cursor(request, key)
        queryset = queryset.order_by(*_order_by(key, backwards))
        if position is not None:
            queryset = queryset.filter(self.beyond(key, position, backwards))
        rows = list(queryset[: self.size + 1])
        more = len(rows) > self.size
        rows = rows[: self.size]
        names = [name for name, *_rest in key]
        edge = [[row[name] for name in names] for row in (rows[0], rows[-1])] if rows else None
        if backwards:
            rows.reverse()
            if position is not None:
                # Nothing before a position: the list begins again at the first page.
                self.next = self.link("n", edge[0]) if edge else self.link()
            self.previous = self.link("p", edge[1]) if more else None
        else:
            self.next = self.link("n", edge[1]) if more else None
            if position is not None:
                # Nothing after a position (rows gone since): back to the last page.
                self.previous = self.link("p", edge[0]) if edge else self.link("p")
        return rows

    def get_paginated_response(self, data):
        return Response(
            {"count": None, "next": self.next, "previous": self.previous, "results": data}
        )

    # -- the cursor -------------------------------------------------------------------

    def link(self, direction: str | None = None, values=None) -> str:
        """The list's address with a cursor: none given is the first page."""
        encoded = "" if direction is None else encode_cursor(direction, values or ())
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def decode_cursor(self, request, key) -> tuple[bool, list | None]:
        """(backwards, the position's values or None) of the request's cursor."""
        encoded = request.query_params.get(self.cursor_query_param, "")
        if not encoded:
            return False, None
        if len(encoded) > self.CURSOR_MAX or not encoded.isascii():
            raise self.invalid()
        try:
            raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4), b"-_", validate=True)
            token = json.loads(raw.decode())
        except (ValueError, binascii.Error, RecursionError):  # RecursionError: [[[[…]]]]
            raise self.invalid() from None
        if not isinstance(token, list) or not token or token[0] not in ("n", "p"):
            raise self.invalid()
        backwards, values = token[0] == "p", token[1:]
        if not values:
            return backwards, None  # the first page, or the last
        if len(values) != len(key):
            raise self.invalid()
        try:
            values = [
                _value(field, nullable, value)
                for (_name, _desc, field, nullable), value in zip(key, values, strict=True)
            ]
        except (ValueError, TypeError, DjangoValidationError):
            raise self.invalid() from None
        return backwards, values

    def invalid(self):
        return exceptions.ValidationError(
            {self.cursor_query_param: [_("Not a cursor this list gave out.")]}
        )


def encode_cursor(direction: str, values) -> str:
    """The cursor of the rows after ("n") or before ("p") the row whose sort key (every
    field of the list's ordering, the pk last) is `values`; `("p", ())` is the last page."""
    token = [direction, *(_plain(value) for value in values)]
    raw = json.dumps(token, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def sort_key(model, ordering) -> list[tuple[str, bool, object, bool]]:
    """(name, descending, model field, nullable) of each field of `ordering` (names of
    the model's fields, across relations with `__`), the pk appended as the last
    tie-breaker unless it is there: a key no two rows share."""
    key = []
    for entry in ordering:
        name = entry.lstrip("-")
        current, nullable, field = model, False, None
        for part in name.split("__"):
            field = current._meta.pk if part == "pk" else current._meta.get_field(part)
            nullable = nullable or field.null
            if field.is_relation:
                current = field.related_model
        key.append((name, entry.startswith("-"), field, nullable))
    if not any(name == "pk" or field is model._meta.pk for name, _d, field, _n in key):
        key.append(("pk", False, model._meta.pk, False))
    return key


def ordered(queryset, ordering):
    """`queryset` in `ordering` as the keyset walks it: the pk last, a NULL greatest (the
    page numbers' order too, so that both ways list the same rows)."""
    return queryset.order_by(*_order_by(sort_key(queryset.model, ordering), False))


def _order_by(key, backwards: bool) -> list:
    return [_order(name, desc != backwards, nullable) for name, desc, _f, nullable in key]


def _order(name: str, descending: bool, nullable: bool):
    if not nullable:
        return f"-{name}" if descending else name
    return F(name).desc(nulls_first=True) if descending else F(name).asc(nulls_last=True)


def _past(name: str, value, bigger: bool, nullable: bool) -> Q:
    """`name` beyond `value`: bigger or smaller, NULL being the greatest value."""
    if bigger:
        if value is None:
            return Q(pk__in=[])  # nothing is bigger than NULL
        past = Q(**{f"{name}__gt": value})
        return past | Q(**{f"{name}__isnull": True}) if nullable else past
    if value is None:
        return Q(**{f"{name}__isnull": False})
    return Q(**{f"{name}__lt": value})


def _equal(name: str, value) -> Q:
    return Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})


def _plain(value):
    """A key's value as JSON holds it."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (dt.date, dt.time)):  # datetimes too
        return value.isoformat()
    return str(value)


def _value(field, nullable: bool, value):
    """A position's value for `field`, or ValueError for one no row could have given."""
    if value is None:
        if not nullable:
            raise ValueError("null")
        return None
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("not finite")
    if isinstance(value, int) and abs(value) > Keyset.INT_MAX:
        raise ValueError("too large")
    if isinstance(value, str):
        value.encode("utf-8")  # a lone surrogate is a UnicodeEncodeError, a ValueError
        if "\x00" in value:
            raise ValueError("NUL")
    elif not isinstance(value, (bool, int, float)):
        raise TypeError("not a scalar")
    value = field.target_field.to_python(value) if field.is_relation else field.to_python(value)
    if isinstance(value, dt.datetime) and settings.USE_TZ:
        if timezone.is_naive(value):
            raise ValueError("naive")
        try:
            value.astimezone(dt.UTC)  # as the database will be given it
        except OverflowError:
            raise ValueError("out of range") from None
    if isinstance(value, int) and abs(value) > Keyset.INT_MAX:
        raise ValueError("too large")
    return value


def _keyset_paged(view) -> bool:
    """Lists that may be walked by `cursor`: the read lists, ordered on their own rows."""
    return getattr(view, "keyset_paging", False)


def _bounded_int(value: str, maximum: int) -> bool:
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(maximum)):
        return False
    return 0 < int(value) <= maximum
