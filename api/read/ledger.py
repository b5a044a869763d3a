"""Hour records, indicator rules and compliance, through the ledger's selectors and
`ledger.compliance` (the compliance page's evaluation)."""

from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from api.pagination import Pages
from api.read.base import (
    IdFilter,
    ReachesAUnit,
    ReadSerializer,
    ReadViewSet,
    SearchFilter,
    UnitSubtreeFilter,
)
from core.http import ID_MAX, search_text
from ledger import compliance
from ledger import selectors as ledger_selectors
from ledger.models import HourKind, HourRecord, HourSource, HourStatus, IndicatorRule
from ledger.report import StandingRows
from org import selectors as org_selectors
from org.models import Cadre, IndicatorGroup

TAG = "学时与达标"


class HourRecordSerializer(ReadSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    unit_name = serializers.CharField(
        source="cadre.unit.name", read_only=True, help_text="干部所在单位名称"
    )

    class Meta:
        model = HourRecord
        fields = [
            "id",
            "cadre",
            "cadre_name",
            "unit_name",
            "date",
            "hours",
            "days",
            "kind",
            "source",
            "status",
            "note",
            "created_at",
        ]
        extra_kwargs = {
            "date": {"help_text": "学习日期"},
            "hours": {"help_text": "学时"},
            "kind": {"help_text": "集中培训或网络自学"},
            "source": {"help_text": "学时来源"},
            "status": {"help_text": "认定状态"},
            "note": {"help_text": "备注"},
            "created_at": {"help_text": "记入台账的时间"},
        }


class HourRecordFilter(filters.FilterSet):
    cadre = IdFilter(help_text="干部 id")
    unit = UnitSubtreeFilter(unit_path="cadre__unit__path", help_text="干部所在单位 id（含下级）")
    kind = filters.ChoiceFilter(choices=HourKind.choices, help_text="集中培训或网络自学")
    source = filters.ChoiceFilter(choices=HourSource.choices, help_text="学时来源")
    status = filters.ChoiceFilter(choices=HourStatus.choices, help_text="认定状态")
    date_from = filters.DateFilter("date", "gte", help_text="日期不早于（YYYY-MM-DD）")
    date_until = filters.DateFilter("date", "lte", help_text="日期不晚于（YYYY-MM-DD）")
    search = SearchFilter(method="search_name", help_text="按干部姓名查找（同学时台账页面）")

    def search_name(self, queryset, name, value):
        return queryset.filter(cadre__name__contains=search_text(value))

    class Meta:
        model = HourRecord
        fields = ["cadre", "kind", "source", "status", "search"]


@extend_schema_view(
    list=extend_schema(
        summary="学时记录列表",
        description="管辖范围内干部的学时台账（班次出勤、报备、网络学习导入、学时认定），"
        "与干部培训档案所列相同，最新的在前。",
    ),
    retrieve=extend_schema(summary="学时记录详情", description="管辖范围外返回 404。"),
)
@extend_schema(tags=[TAG])
class HourRecordViewSet(ReadViewSet):
    serializer_class = HourRecordSerializer
    filterset_class = HourRecordFilter
    ordering = ("-date", "-pk")

    def selector(self, user):
        return ledger_selectors.hour_record_list(user)


class IndicatorRuleSerializer(ReadSerializer):
    categories = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="适用的干部类别（空：整个指标组）"
    )

    class Meta:
        model = IndicatorRule
        fields = [
            "id",
            "code",
            "group",
            "categories",
            "kind",
            "window",
            "min_hours",
            "alt_min_days",
            "hours_per_day",
            "effective_from",
            "effective_to",
            "version",
            "supersedes",
            "description",
        ]
        extra_kwargs = {
            "code": {"help_text": "规则代码"},
            "group": {"help_text": "指标组"},
            "kind": {"help_text": "培训类型（集中培训或网络自学）"},
            "window": {"help_text": "统计周期"},
            "min_hours": {"help_text": "最低学时"},
            "alt_min_days": {"help_text": "或最低天数（达到其一即可；为空表示只看学时）"},
            "effective_from": {"help_text": "生效日期"},
            "effective_to": {"help_text": "失效日期（为空表示仍然有效）"},
            "version": {"help_text": "版本号"},
            "supersedes": {"help_text": "本版本替代的上一版本 id"},
            "description": {"help_text": "规则说明"},
        }


class IndicatorRuleFilter(filters.FilterSet):
    group = filters.ChoiceFilter(choices=IndicatorGroup.choices, help_text="指标组")
    in_force_on = filters.DateFilter(method="in_force", help_text="只列该日有效的规则")

    def in_force(self, queryset, name, value):
        return queryset.filter(effective_from__lte=value).exclude(effective_to__lt=value)

    class Meta:
        model = IndicatorRule
        fields = ["group"]


@extend_schema_view(
    list=extend_schema(
        summary="量化指标规则列表",
        description="培训学时的量化指标（含历史版本）。全市统一，凡有管辖范围的用户均可查看。",
    ),
    retrieve=extend_schema(summary="量化指标规则详情"),
)
@extend_schema(tags=[TAG])
class IndicatorRuleViewSet(ReadViewSet):
    serializer_class = IndicatorRuleSerializer
    filterset_class = IndicatorRuleFilter
    ordering = ("group", "code", "version", "pk")

    def selector(self, user):
        return IndicatorRule.objects.all()


class RuleResultSerializer(serializers.Serializer):
    rule_id = serializers.IntegerField(help_text="量化指标规则 id")
    code = serializers.CharField(help_text="规则代码")
    label = serializers.CharField(help_text="如“集中培训（滚动五年）”")
    version = serializers.IntegerField(help_text="规则版本号")
    kind = serializers.CharField(help_text="培训类型：concentrated 集中培训 / online 网络自学")
    categories = serializers.ListField(
        child=serializers.CharField(), help_text="适用的干部类别（空：整个指标组）"
    )
    required_hours = serializers.DecimalField(
        max_digits=6, decimal_places=1, help_text="要求的学时"
    )
    hours = serializers.DecimalField(max_digits=9, decimal_places=1, help_text="已完成学时")
    days = serializers.DecimalField(
        max_digits=9, decimal_places=1, allow_null=True, help_text="已完成天数"
    )
    progress = serializers.FloatField(help_text="完成比例（1.0 为达到要求）")
    status = serializers.ChoiceField(
        choices=compliance.STATUS_CHOICES, help_text="该条规则的达标状态"
    )


class ComplianceRowSerializer(serializers.Serializer):
    cadre_id = serializers.IntegerField(help_text="干部 id")
    name = serializers.CharField(help_text="干部姓名")
    unit_id = serializers.IntegerField(help_text="干部所在单位 id")
    group = serializers.CharField(help_text="指标组")
    status = serializers.ChoiceField(
        choices=compliance.STATUS_CHOICES,
        help_text="总体达标状态（取各条规则中最差者）",
    )
    shortfall = serializers.FloatField(help_text="最大未完成比例（全部达标为 0）")
    rules = RuleResultSerializer(many=True, help_text="适用于该干部的各条量化指标的评估")


def _bounded(day):
    """A day the compliance report can be evaluated on (`compliance.day_refusal`)."""
    refusal = compliance.day_refusal(day)
    if refusal:
        raise serializers.ValidationError(refusal)
    return day


class ComplianceQuery(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text="评估日期（默认今天）")
    since = serializers.DateField(required=False, help_text="只计该日起的学时")
    status = serializers.ChoiceField(
        choices=compliance.STATUS_CHOICES, required=False, help_text="只列总体为该状态的干部"
    )
    unit = serializers.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, help_text="只列该单位及其下级单位的干部"
    )

    def validate_as_of(self, value):
        return _bounded(value)

    def validate_since(self, value):
        return _bounded(value)

    def validate(self, data):
        if data.get("since") and data.get("as_of") and data["as_of"] < data["since"]:
            raise serializers.ValidationError({"as_of": "评估日期不能早于学时起算日期。"})
        return data


@extend_schema(tags=[TAG])
class ComplianceViewSet(viewsets.GenericViewSet):
    """Per cadre in reach: the compliance report's evaluation, worst first, paged in SQL."""

    permission_classes = [IsAuthenticated, ReachesAUnit]
    serializer_class = ComplianceRowSerializer
    pagination_class = Pages
    filter_backends = []
    queryset = Cadre.objects.none()  # for the schema; the rows come from ledger.compliance

    @extend_schema(
        summary="达标情况",
        description="管辖范围内每名干部的学时达标评估（与“达标情况”页面相同）："
        "按状态从差到好、缺口从大到小排序，每页最多 100 人。",
        parameters=[ComplianceQuery],
    )
    def list(self, request):
        query = ComplianceQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        cadres = org_selectors.cadres_in_reach(request.user)
        if data.get("unit"):
            unit = org_selectors.units_in_reach(request.user).filter(pk=data["unit"]).first()
            if unit is None:
                cadres = cadres.none()
            else:
                cadres = cadres.filter(unit__path__startswith=unit.path)
        rows = StandingRows(
            cadres, data.get("as_of") or timezone.localdate(), data.get("since"), data.get("status")
        )
        number, size = self.paginator.bounds(request)
        rows.prefetch((number - 1) * size, number * size)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def register(router) -> None:
    router.register("hours", HourRecordViewSet, basename="hour-record")
    router.register("indicator-rules", IndicatorRuleViewSet, basename="indicator-rule")
    router.register("compliance", ComplianceViewSet, basename="compliance")
