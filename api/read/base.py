"""What every read endpoint shares: bounded paging (400 for a page that is not a page),
id filters bounded like `core.http.positive_int` (400 past 2^63), the reach permission of
the list pages (403 for a user who reaches no unit), the read-only viewset, and the
Chinese descriptions of its schema (filters, fields and the `{id}` of a detail path)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers, viewsets

from api.pagination import Pages, ordered
from api.schema import DescribedIdSchema
from core.http import ID_MAX, search_text
from org import selectors as org_selectors

# A row id in a URL: digits only (anything else is no route: 404).
ID_PATTERN = r"[0-9]{1,19}"


class SchemaFilter:
    """A filter whose parameter schema is given here (`schema()`), not guessed by
    drf-spectacular. For such a filter drf-spectacular takes the description from that
    schema alone, never from `help_text`; so the help_text is copied into it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        description = self.extra.get("help_text") or ""
        extend_schema_field({**self.schema(), "description": description})(self)

    def schema(self) -> dict:
        raise NotImplementedError


class IdFilter(SchemaFilter, filters.NumberFilter):
    """A row id in a query: a whole number from 1 to 2^63 − 1, or a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)

    def schema(self):
        return {
            "type": "integer",
            "minimum": self.extra["min_value"],
            "maximum": self.extra["max_value"],
        }


class SearchFilter(SchemaFilter, filters.CharFilter):
    """A search string, bounded like the pages' (`core.http.search_text`)."""

    def filter(self, qs, value):
        return super().filter(qs, search_text(value))

    def schema(self):
        return {"type": "string", "maxLength": 100}


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


class TrueFalseFilter(SchemaFilter, filters.TypedChoiceFilter):
    """`true` or `false`, or a 400 (django-filter's BooleanFilter ignores anything else)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(*args, **kwargs)

    def schema(self):
        return {"type": "boolean"}


#: What a field of one of these names means in every read that shows it. drf-spectacular
#: describes a field by its help_text; a model's verbose_name only gives it a title.
FIELD_DESCRIPTIONS = {
    "id": "这一条的 id",
    "unit": "单位 id",
    "unit_name": "单位名称",
    "cadre": "干部 id",
    "cadre_name": "干部姓名",
    "training_class": "班次 id",
    "class_name": "班次名称",
    "created_at": "创建时间",
}


class ReadSerializer(serializers.ModelSerializer):
    """A read's serializer: a field of a usual name (`FIELD_DESCRIPTIONS`) is described
    without repeating it in every Meta; a field's own help_text (declared, in
    `Meta.extra_kwargs`, or the model's) wins."""

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if not field.help_text and name in FIELD_DESCRIPTIONS:
                field.help_text = FIELD_DESCRIPTIONS[name]
        return fields


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
    schema = DescribedIdSchema()
    id_description = "这一条的 id；不在调用者可见范围内的一条返回 404"
    pagination_class = Pages
    keyset_paging = True  # `?cursor=` walks the list in `ordering` (api.pagination.Keyset)
    lookup_value_regex = ID_PATTERN
    ordering = ("pk",)

    def selector(self, user):
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        """A page of keys first, then those rows: the selector's per-row subqueries (a
        dispatch's open task …) run for the page's rows only, however deep the page —
        SQLite would otherwise compute them for every row it sorts or skips."""
        queryset = self.filter_queryset(self.get_queryset())
        # The ordering's fields too: a keyset page (`?cursor=`) takes its position there
        # (the whole key, the pk last: `api.pagination.Keyset`).
        fields = {field.lstrip("-") for field in self.ordering or ()} - {"pk"}
        keys = [row["pk"] for row in self.paginate_queryset(queryset.values("pk", *fields))]
        rows = {row.pk: row for row in queryset.filter(pk__in=keys)}
        data = self.get_serializer([rows[key] for key in keys if key in rows], many=True).data
        return self.get_paginated_response(data)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema asks for the model only
            return self.get_serializer_class().Meta.model.objects.none()
        queryset = self.selector(self.request.user)
        # The keyset's order (the pk last): page numbers and `?cursor=` list the same rows.
        return ordered(queryset, self.ordering) if self.ordering else queryset
