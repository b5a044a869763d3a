"""Institutions, classes, roll calls, dispatches, filings and makeups, through the
selectors of the class, roll call and dispatch pages and of the training record."""

from django.db.models import OuterRef, Subquery
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from viewflow.workflow.models import Task

from api.read.base import (
    IdFilter,
    ReadSerializer,
    ReadViewSet,
    SchemaFilter,
    SearchFilter,
    UnitSubtreeFilter,
)
from core.http import search_text
from dispatch import selectors
from dispatch.models import (
    ClassKind,
    Dispatch,
    DispatchKind,
    Filing,
    FilingStatus,
    Institution,
    InstitutionKind,
    Makeup,
    MakeupReason,
    MakeupStatus,
    RollCall,
    RollCallMode,
    RollCallStatus,
    TrainingClass,
)

CLASSES = "培训机构与班次"
DISPATCH = "点名调训与调训"
RECORDS = "报备与补训"


def _read(summary, description, detail, tag):
    return lambda cls: extend_schema(tags=[tag])(
        extend_schema_view(
            list=extend_schema(summary=summary, description=description),
            retrieve=extend_schema(summary=f"{summary[:-2]}详情", description=detail),
        )(cls)
    )


class InstitutionSerializer(ReadSerializer):
    name = serializers.CharField(source="unit.name", read_only=True, help_text="培训机构名称")

    class Meta:
        model = Institution
        fields = ["id", "unit", "name", "kind", "address"]
        extra_kwargs = {
            "unit": {"help_text": "培训机构本身的单位 id"},
            "kind": {"help_text": "培训机构类别"},
            "address": {"help_text": "地址"},
        }


class InstitutionFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=InstitutionKind.choices, help_text="培训机构类别")

    class Meta:
        model = Institution
        fields = ["kind"]


@_read("培训机构列表", "本单位在调用者管辖范围内的培训机构。", "管辖范围外返回 404。", CLASSES)
class InstitutionViewSet(ReadViewSet):
    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilter
    ordering = ("unit__path", "pk")

    def selector(self, user):
        return selectors.institution_list(user)


class ClassSerializer(ReadSerializer):
    institution_name = serializers.CharField(
        source="institution.unit.name", read_only=True, help_text="培训机构名称"
    )
    organizer_name = serializers.CharField(
        source="organizer.unit.name", read_only=True, help_text="主办组织部门名称"
    )

    class Meta:
        model = TrainingClass
        fields = [
            "id",
            "name",
            "kind",
            "institution",
            "institution_name",
            "organizer",
            "organizer_name",
            "start_date",
            "end_date",
            "report_date",
            "location",
            "credit_hours",
            "days",
            "quota",
            "cancelled_at",
            "cancellation_reason",
        ]
        extra_kwargs = {
            "cancelled_at": {"help_text": "取消班次的时间（未取消为 null）"},
            "cancellation_reason": {"help_text": "取消班次的原因"},
            "name": {"help_text": "班次名称"},
            "kind": {"help_text": "班次类别"},
            "institution": {"help_text": "举办班次的培训机构 id"},
            "organizer": {"help_text": "主办的组织部门 id"},
            "start_date": {"help_text": "开班日期"},
            "end_date": {"help_text": "结业日期"},
            "report_date": {"help_text": "报到日期（不晚于开班日期）"},
            "location": {"help_text": "培训地点"},
            "credit_hours": {"help_text": "班次学时（全勤学员计入的学时）"},
            "days": {"help_text": "培训天数"},
            "quota": {"help_text": "名额（可容纳的学员人数）"},
        }


class ClassFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=ClassKind.choices, help_text="班次类别")
    institution = IdFilter(help_text="培训机构 id")
    organizer = IdFilter(help_text="主办组织部门 id")
    start_from = filters.DateFilter("start_date", "gte", help_text="开班日期不早于（YYYY-MM-DD）")
    start_until = filters.DateFilter("start_date", "lte", help_text="开班日期不晚于（YYYY-MM-DD）")
    search = SearchFilter(method="search_name", help_text="按班次名称查找")

    def search_name(self, queryset, name, value):
        return queryset.filter(name__contains=search_text(value))

    class Meta:
        model = TrainingClass
        fields = ["kind", "institution", "organizer"]


@_read(
    "班次列表",
    "调用者管辖范围内的组织部门主办的、或在管辖范围内的培训机构举办的班次。",
    "管辖范围外的班次返回 404。",
    CLASSES,
)
class ClassViewSet(ReadViewSet):
    serializer_class = ClassSerializer
    filterset_class = ClassFilter
    ordering = ("-start_date", "pk")

    def selector(self, user):
        return selectors.class_list(user)


class RollCallSerializer(ReadSerializer):
    class_name = serializers.CharField(source="training_class.name", read_only=True)
    org_department_name = serializers.CharField(
        source="org_department.unit.name", read_only=True, help_text="发出点名调训的组织部门名称"
    )

    class Meta:
        model = RollCall
        fields = [
            "id",
            "training_class",
            "class_name",
            "org_department",
            "org_department_name",
            "mode",
            "status",
            "response_deadline",
            "cancel_reason",
            "created_at",
        ]
        extra_kwargs = {
            "org_department": {"help_text": "发出点名调训的组织部门 id"},
            "mode": {"help_text": "调训方式"},
            "status": {"help_text": "点名调训状态"},
            "response_deadline": {"help_text": "单位答复截止时间"},
            "cancel_reason": {"help_text": "撤销理由（未撤销为空）"},
            "created_at": {"help_text": "发出时间"},
        }


class RollCallFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RollCallStatus.choices, help_text="状态")
    mode = filters.ChoiceFilter(choices=RollCallMode.choices, help_text="点名调训或名额分配")
    training_class = IdFilter(help_text="班次 id")

    class Meta:
        model = RollCall
        fields = ["status", "mode", "training_class"]


@_read(
    "点名调训列表",
    "管辖范围内的组织部门发出的点名调训与名额分配，最新的在前。",
    "管辖范围外返回 404。",
    DISPATCH,
)
class RollCallViewSet(ReadViewSet):
    serializer_class = RollCallSerializer
    filterset_class = RollCallFilter
    ordering = ("-created_at", "-pk")

    def selector(self, user):
        return selectors.roll_call_list(user)


class DispatchSerializer(ReadSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    unit_name = serializers.CharField(
        source="unit.name", read_only=True, help_text="干部所在单位名称"
    )
    class_name = serializers.CharField(source="training_class.name", read_only=True)
    open_task = serializers.IntegerField(
        source="open_task_id",
        read_only=True,
        allow_null=True,
        help_text="待办任务 id（`actions/tasks/{id}/…` 办理；没有待办时为空）",
    )
    open_task_node = serializers.SerializerMethodField(
        help_text="待办任务的步骤代码：confirm 单位确认、acknowledge 学员签收、"
        "record_attendance 登记考勤（没有待办时为空）"
    )

    def get_open_task_node(self, row) -> str | None:
        node = getattr(row, "open_task_node", None)
        return node.name if node is not None else None

    class Meta:
        model = Dispatch
        fields = [
            "id",
            "roll_call",
            "training_class",
            "class_name",
            "cadre",
            "cadre_name",
            "unit",
            "unit_name",
            "kind",
            "status",
            "confirm_due",
            "acknowledge_due",
            "request_kind",
            "acknowledged_at",
            "attendance",
            "hours_credited",
            "leave_hours",
            "makes_up",
            "escalated",
            "created_at",
            "closed_at",
            "open_task",
            "open_task_node",
        ]
        extra_kwargs = {
            "roll_call": {"help_text": "所属点名调训 id（可为空）"},
            "unit": {"help_text": "干部所在单位 id"},
            "kind": {"help_text": "常规调训或补训"},
            "status": {"help_text": "调训状态"},
            "confirm_due": {"help_text": "单位确认截止时间"},
            "acknowledge_due": {"help_text": "学员签收截止时间（可为空）"},
            "request_kind": {"help_text": "请假、缓训或免训申请的类别（未申请为空）"},
            "acknowledged_at": {"help_text": "签收时间（未签收为空）"},
            "attendance": {"help_text": "考勤结果（未登记为空）"},
            "hours_credited": {"help_text": "认定学时（登记考勤后才有）"},
            "leave_hours": {"help_text": "培训期间请假学时"},
            "makes_up": {"help_text": "本次调训所补的补训 id（仅补训调训）"},
            "escalated": {"help_text": "是否已督办"},
            "closed_at": {"help_text": "办结时间（未办结为空）"},
        }


class DispatchStatusFilter(SchemaFilter, filters.ChoiceFilter):
    """The status filter of the dispatch list page (`selectors.dispatch_status_choices`,
    filtered as `selectors.dispatch_rows` does): 请假 (`leave`) is a deferred dispatch whose
    request was for leave, and 缓训 (`deferred`) leaves those out."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", selectors.dispatch_status_choices)
        super().__init__(*args, **kwargs)

    def schema(self):
        values = [value for value, _label in selectors.dispatch_status_choices()]
        return {"type": "string", "enum": values}

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        rows = selectors.dispatch_rows(self.parent.request.user, status=value)
        return qs.filter(pk__in=rows.values("pk"))


class DispatchFilter(filters.FilterSet):
    status = DispatchStatusFilter(
        help_text="调训状态，与“调训”页面的筛选相同：leave（请假）为申请请假而暂缓的调训，"
        "deferred（缓训）不含请假"
    )
    kind = filters.ChoiceFilter(choices=DispatchKind.choices, help_text="常规调训或补训")
    unit = UnitSubtreeFilter(help_text="只列该单位及其下级单位的调训（单位 id）")
    training_class = IdFilter(help_text="班次 id")
    roll_call = IdFilter(help_text="点名调训 id")
    cadre = IdFilter(help_text="干部 id")

    class Meta:
        model = Dispatch
        fields = ["status", "kind", "training_class", "roll_call", "cadre"]


@_read(
    "调训列表",
    "所在单位在调用者管辖范围内的调训，与“调训”页面相同，最新的在前；"
    "每条带其待办任务（open_task、open_task_node，没有待办时为空）。",
    "管辖范围外的调训返回 404。",
    DISPATCH,
)
class DispatchViewSet(ReadViewSet):
    serializer_class = DispatchSerializer
    filterset_class = DispatchFilter
    ordering = ("-pk",)

    def selector(self, user):
        # The open task's node, by its id (a primary-key lookup per row of the page: the
        # list reads its page's keys first, `ReadViewSet.list`).
        node = Task.objects.filter(pk=OuterRef("open_task_id")).values("flow_task")[:1]
        return selectors.dispatch_list(user).annotate(open_task_node=Subquery(node))


class FilingSerializer(ReadSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, help_text="办班单位名称")
    participants = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="参训干部 id"
    )

    class Meta:
        model = Filing
        fields = [
            "id",
            "unit",
            "unit_name",
            "title",
            "organizer_name",
            "start_date",
            "end_date",
            "hours",
            "participants",
            "status",
            "review_comment",
            "created_at",
        ]
        extra_kwargs = {
            "unit": {"help_text": "办班单位 id"},
            "title": {"help_text": "培训名称"},
            "organizer_name": {"help_text": "主办单位"},
            "start_date": {"help_text": "培训开始日期"},
            "end_date": {"help_text": "培训结束日期"},
            "hours": {"help_text": "报备的学时"},
            "status": {"help_text": "报备状态"},
            "review_comment": {"help_text": "组织部门的审核意见"},
            "created_at": {"help_text": "提交时间"},
        }


class FilingFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=FilingStatus.choices, help_text="报备状态")
    unit = UnitSubtreeFilter(help_text="只列该单位及其下级单位的报备（单位 id）")
    start_from = filters.DateFilter("start_date", "gte", help_text="培训开始日期不早于")
    start_until = filters.DateFilter("start_date", "lte", help_text="培训开始日期不晚于")

    class Meta:
        model = Filing
        fields = ["status"]


@_read(
    "报备列表",
    "管辖范围内单位的报备（自行参加培训的报备），以及列有管辖范围内干部的报备。",
    "管辖范围外返回 404。",
    RECORDS,
)
class FilingViewSet(ReadViewSet):
    serializer_class = FilingSerializer
    filterset_class = FilingFilter
    ordering = ("-start_date", "-pk")

    def selector(self, user):
        return selectors.filing_list(user).prefetch_related("participants")


class MakeupSerializer(ReadSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    unit_name = serializers.CharField(
        source="cadre.unit.name", read_only=True, help_text="干部所在单位名称"
    )
    missed_class = serializers.CharField(
        source="source.training_class.name", read_only=True, help_text="缺训的班次"
    )
    reason = serializers.ChoiceField(
        choices=MakeupReason.choices, read_only=True, help_text="补训理由"
    )

    class Meta:
        model = Makeup
        fields = [
            "id",
            "cadre",
            "cadre_name",
            "unit_name",
            "source",
            "missed_class",
            "reason",
            "due_date",
            "status",
            "escalated",
            "created_at",
        ]
        extra_kwargs = {
            "source": {"help_text": "欠下补训的那次调训 id"},
            "due_date": {"help_text": "补训期限"},
            "status": {"help_text": "补训状态"},
            "escalated": {"help_text": "逾期是否已督办"},
        }


class MakeupFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=MakeupStatus.choices, help_text="补训状态")
    unit = UnitSubtreeFilter(unit_path="cadre__unit__path", help_text="干部所在单位 id（含下级）")
    cadre = IdFilter(help_text="干部 id")
    due_before = filters.DateFilter("due_date", "lte", help_text="补训期限不晚于")

    class Meta:
        model = Makeup
        fields = ["status", "cadre"]


@_read(
    "补训列表",
    "管辖范围内干部欠下的补训，与干部培训档案所列相同。",
    "管辖范围外返回 404。",
    RECORDS,
)
class MakeupViewSet(ReadViewSet):
    serializer_class = MakeupSerializer
    filterset_class = MakeupFilter
    ordering = ("due_date", "pk")

    def selector(self, user):
        return selectors.makeup_list(user)


def register(router) -> None:
    router.register("institutions", InstitutionViewSet, basename="institution")
    router.register("classes", ClassViewSet, basename="class")
    router.register("rollcalls", RollCallViewSet, basename="rollcall")
    router.register("dispatches", DispatchViewSet, basename="dispatch")
    router.register("filings", FilingViewSet, basename="filing")
    router.register("makeups", MakeupViewSet, basename="makeup")
