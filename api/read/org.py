"""Units, organization departments and cadres, as the unit and cadre pages show them."""

from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from api.read.base import (
    IdFilter,
    ReadSerializer,
    ReadViewSet,
    SearchFilter,
    TrueFalseFilter,
    UnitSubtreeFilter,
)
from core.http import search_text
from org import policy, selectors
from org.models import Cadre, CadreCategory, OrgDepartment, Unit, UnitKind

TAG = "组织与干部"


class UnitSerializer(ReadSerializer):
    parent_name = serializers.CharField(
        source="parent.name",
        read_only=True,
        default=None,
        allow_null=True,
        help_text="上级单位名称",
    )

    class Meta:
        model = Unit
        fields = ["id", "code", "name", "kind", "parent", "parent_name", "depth"]
        extra_kwargs = {
            "code": {"help_text": "单位代码"},
            "name": {"help_text": "单位名称"},
            "kind": {"help_text": "单位类别"},
            "parent": {"help_text": "上级单位 id（顶级单位为空）"},
            "depth": {"help_text": "在单位树中的层级（顶级为 0）"},
        }


class UnitFilter(filters.FilterSet):
    within = UnitSubtreeFilter(unit_path="path", help_text="只列该单位及其下级单位（单位 id）")
    kind = filters.ChoiceFilter(choices=UnitKind.choices, help_text="单位类别")
    search = SearchFilter(method="search_units", help_text="按名称或代码查找")

    def search_units(self, queryset, name, value):
        value = search_text(value)
        return queryset.filter(Q(name__contains=value) | Q(code__contains=value))

    class Meta:
        model = Unit
        fields = ["within", "kind", "search"]


@extend_schema_view(
    list=extend_schema(
        summary="单位列表",
        description="调用者管辖范围内的单位（授权单位及其全部下级单位），按单位树排序。",
    ),
    retrieve=extend_schema(summary="单位详情", description="管辖范围外的单位返回 404。"),
)
@extend_schema(tags=[TAG])
class UnitViewSet(ReadViewSet):
    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    ordering = ("path", "pk")

    def selector(self, user):
        return selectors.unit_list(user)


class OrgDepartmentSerializer(ReadSerializer):
    name = serializers.CharField(source="unit.name", read_only=True, help_text="组织部门名称")
    jurisdiction_name = serializers.CharField(
        source="jurisdiction.name", read_only=True, help_text="管辖范围的顶级单位名称"
    )

    class Meta:
        model = OrgDepartment
        fields = [
            "id",
            "unit",
            "name",
            "jurisdiction",
            "jurisdiction_name",
            "issuer_code",
            "contact_person",
            "contact_phone",
        ]
        extra_kwargs = {
            "unit": {"help_text": "组织部门本身的单位 id"},
            "jurisdiction": {"help_text": "管辖范围的顶级单位 id（其下全部单位都在管辖内）"},
            "issuer_code": {"help_text": "发文机关代字，如“X组通”"},
            "contact_person": {"help_text": "公文附注中的联系人（可为空）"},
            "contact_phone": {"help_text": "公文附注中的联系电话（可为空）"},
        }


@extend_schema_view(
    list=extend_schema(summary="组织部门列表", description="本单位在调用者管辖范围内的组织部门。"),
    retrieve=extend_schema(summary="组织部门详情", description="管辖范围外返回 404。"),
)
@extend_schema(tags=[TAG])
class OrgDepartmentViewSet(ReadViewSet):
    serializer_class = OrgDepartmentSerializer
    ordering = ("unit__path", "pk")

    def selector(self, user):
        return selectors.org_department_list(user)


class IdNumberField(serializers.CharField):
    """A cadre's ID number: whole where the row says the caller may see it
    (`id_number_shown`, annotated for the whole list by `CadreViewSet` from
    `org.policy.id_number_shown`), masked otherwise — and masked on a row without it."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, cadre):
        if getattr(cadre, "id_number_shown", False):
            return cadre.id_number
        return cadre.masked_id_number


class CadreSerializer(ReadSerializer):
    id_number = IdNumberField(
        help_text="公民身份号码：调用者可维护该干部档案（管辖其所在单位的调训专员、该单位的联络员）"
        "时为完整号码，否则脱敏（仅前4位和后4位）"
    )
    unit_name = serializers.CharField(source="unit.name", read_only=True, help_text="所在单位名称")

    class Meta:
        model = Cadre
        fields = [
            "id",
            "name",
            "gender",
            "id_number",
            "unit",
            "unit_name",
            "position",
            "rank",
            "category",
            "is_leadership_member",
            "is_young_cadre",
            "managing_org_department",
            "co_managing_org_department",
        ]
        extra_kwargs = {
            "name": {"help_text": "姓名"},
            "gender": {"help_text": "性别"},
            "unit": {"help_text": "所在单位 id"},
            "position": {"help_text": "职务"},
            "rank": {"help_text": "职级（可为空）"},
            "category": {"help_text": "干部类别"},
            "is_leadership_member": {"help_text": "是否领导班子成员"},
            "is_young_cadre": {"help_text": "是否优秀年轻干部"},
            "managing_org_department": {"help_text": "主管组织部门 id"},
            "co_managing_org_department": {"help_text": "协管组织部门 id（仅双重管理干部）"},
        }


class CadreFilter(filters.FilterSet):
    unit = UnitSubtreeFilter(help_text="只列该单位及其下级单位的干部（单位 id）")
    category = filters.ChoiceFilter(choices=CadreCategory.choices, help_text="干部类别")
    is_leadership_member = TrueFalseFilter(help_text="是否领导班子成员")
    is_young_cadre = TrueFalseFilter(help_text="是否优秀年轻干部")
    managing_org_department = IdFilter(help_text="主管组织部门 id")
    # The search itself is the page's (org.selectors.cadre_list); declared here for the
    # schema and for its bound.
    search = SearchFilter(method="searched_by_selector", help_text="按姓名或职务查找")

    def searched_by_selector(self, queryset, name, value):
        return queryset

    class Meta:
        model = Cadre
        fields = ["unit", "category", "is_leadership_member", "is_young_cadre"]


@extend_schema_view(
    list=extend_schema(
        summary="干部列表",
        description="调用者管辖范围内的干部（所在单位在管辖内，或由管辖内的组织部门主管、协管）。"
        "身份证号对可维护该干部档案者（管辖其所在单位的调训专员、该单位的联络员）为完整号码，"
        "对其他调用者脱敏。",
    ),
    retrieve=extend_schema(summary="干部详情", description="管辖范围外的干部返回 404。"),
)
@extend_schema(tags=[TAG])
class CadreViewSet(ReadViewSet):
    serializer_class = CadreSerializer
    filterset_class = CadreFilter
    ordering = ("unit__path", "name", "pk")

    def selector(self, user):
        search = search_text(self.request.query_params.get("search"))
        cadres = selectors.cadre_list(user, search=search)
        return cadres.annotate(id_number_shown=policy.id_number_shown(user))


def register(router) -> None:
    router.register("units", UnitViewSet, basename="unit")
    router.register("org-departments", OrgDepartmentViewSet, basename="org-department")
    router.register("cadres", CadreViewSet, basename="cadre")
