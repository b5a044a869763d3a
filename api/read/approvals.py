"""Approval requests, through the approvals' own read of who sees a request
(`approvals.services.requests_visible_to`: the department-head scope in reach, or the
scope of a deciding organization department)."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from api.read.base import IdFilter, ReadSerializer, ReadViewSet
from approvals.models import ApprovalRequest, ApprovalStep, RequestStatus
from approvals.services import requests_visible_to

TAG = "审批"


class StepSerializer(ReadSerializer):
    decided_by = serializers.CharField(
        source="decided_by.username",
        read_only=True,
        default=None,
        allow_null=True,
        help_text="决定人的登录名",
    )

    class Meta:
        model = ApprovalStep
        fields = [
            "stage",
            "label",
            "round",
            "decision",
            "comment",
            "decided_by",
            "decided_at",
            "due_at",
        ]
        extra_kwargs = {
            "stage": {"help_text": "审批层级（1 单位负责人，2 组织部门）"},
            "label": {"help_text": "审批主体（如单位负责人、主管组织部门）"},
            "round": {"help_text": "第几轮（退回后重新审批时加一）"},
            "decision": {"help_text": "审批意见（尚未决定为 pending）"},
            "comment": {"help_text": "意见说明"},
            "decided_at": {"help_text": "决定时间（未决定为空）"},
            "due_at": {"help_text": "本步骤的审批期限（逾期后督办）；尚未开始的步骤为空"},
        }


class ApprovalRequestSerializer(ReadSerializer):
    kind = serializers.CharField(
        read_only=True, help_text="leave 请假、deferral 缓训、exemption 免训、recognition 学时认定"
    )
    cadre_name = serializers.CharField(
        source="cadre.name",
        read_only=True,
        default=None,
        allow_null=True,
        help_text="申请所涉干部的姓名",
    )
    requested_by = serializers.CharField(
        source="requested_by.username", read_only=True, help_text="申请人的登录名"
    )
    steps = StepSerializer(many=True, read_only=True, help_text="各层级的审批步骤")

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "kind",
            "title",
            "reason",
            "cadre",
            "cadre_name",
            "requested_by",
            "status",
            "created_at",
            "due_at",
            "decided_at",
            "steps",
        ]
        extra_kwargs = {
            "title": {"help_text": "申请标题"},
            "reason": {"help_text": "申请理由"},
            "cadre": {"help_text": "申请所涉干部的 id"},
            "status": {"help_text": "审批状态"},
            "created_at": {"help_text": "提出时间"},
            "due_at": {"help_text": "审批期限"},
            "decided_at": {"help_text": "办结时间（未办结为空）"},
        }


class ApprovalRequestFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RequestStatus.choices, help_text="审批状态")
    kind = filters.ChoiceFilter(
        choices=[(k, k) for k in ("leave", "deferral", "exemption", "recognition")],
        help_text="申请类别",
    )
    cadre = IdFilter(help_text="干部 id")

    class Meta:
        model = ApprovalRequest
        fields = ["status", "kind", "cadre"]


@extend_schema_view(
    list=extend_schema(
        summary="审批申请列表",
        description="调用者可见的请假、缓训、免训和学时认定申请（单位负责人一级在管辖范围内，"
        "或由管辖范围内的组织部门审批），含各级审批步骤，最新的在前。",
    ),
    retrieve=extend_schema(summary="审批申请详情", description="不可见的申请返回 404。"),
)
@extend_schema(tags=[TAG])
class ApprovalRequestViewSet(ReadViewSet):
    serializer_class = ApprovalRequestSerializer
    filterset_class = ApprovalRequestFilter
    ordering = ("-created_at", "-pk")

    def selector(self, user):
        return (
            requests_visible_to(user)
            .select_related("cadre", "requested_by")
            .prefetch_related("steps__decided_by")
        )


def register(router) -> None:
    router.register("approvals", ApprovalRequestViewSet, basename="approval")
