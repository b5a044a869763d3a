"""The caller's open tasks (我的待办, `workflow.mytasks`) and completing them: a dispatch's
confirmation or request not to attend, the trainee's acknowledgement (签收) or request
made instead of it, the registrar's attendance, an approval decision; and, from the mixins
of `api.actions.nominations`, `filings` and `makeups`, a nomination's three steps, a
filing's review and correction, a makeup's scheduling. Each completes the Viewflow task
through `api.actions.base.complete_task` with the service its page calls."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser
from rest_framework.response import Response

from api.actions.base import (
    InputSerializer,
    check_takes,
    complete_task,
    error_responses,
    find_task,
    service_errors,
)
from api.actions.filings import FilingActions
from api.actions.makeups import MakeupActions
from api.actions.nominations import NominationActions
from api.actions.steps import (
    APPROVAL_TAG,
    TASKS_TAG,
    NoInputSerializer,
    TaskOutcomeSerializer,
    outcome,
    step_schema,
)
from api.parsers import JSONParser, MultiPartParser
from api.read.base import TrueFalseFilter
from api.schema import DescribedIdSchema
from approvals import services as approval_services
from approvals.flows import ApprovalFlow
from approvals.models import Decision
from approvals.views import claim_permission, step_for_task
from core.http import positive_int
from dispatch import policy as dispatch_policy
from dispatch import services as dispatch_services
from dispatch.flows import DispatchFlow, FilingFlow, MakeupFlow, NominationFlow
from dispatch.models import AttendanceResult, RequestKind
from workflow import mytasks
from workflow.models import ScopedTask


def _actions():
    """Which API action completes a task of each node."""
    return {
        DispatchFlow.confirm: ["confirm", "request"],
        DispatchFlow.acknowledge: ["acknowledge", "request"],
        DispatchFlow.record_attendance: ["attendance"],
        ApprovalFlow.head_review: ["decide"],
        ApprovalFlow.managing_review: ["decide"],
        ApprovalFlow.co_managing_review: ["decide"],
        NominationFlow.nominate: ["nominate"],
        NominationFlow.head_approval: ["approve-nomination"],
        NominationFlow.dispatcher_review: ["review-nomination"],
        FilingFlow.review: ["review-filing"],
        FilingFlow.correct: ["correct-filing"],
        MakeupFlow.schedule: ["schedule-makeup"],
    }


DECISION_NODES = ("head_review", "managing_review", "co_managing_review")


def _offered(tasks, user) -> dict[int, list[str]]:
    """The actions each task's row names: its node's, less `request` at a 签收 the caller
    may only acknowledge (`dispatch.policy.may_request_after_notice`: a dispatcher who took
    over an escalated one). Asked once for the page (its subjects already loaded)."""
    actions = _actions()
    notices = {
        task.pk: task.process.artifact
        for task in tasks
        if task.flow_task == DispatchFlow.acknowledge
    }
    may_ask = dispatch_policy.may_request_after_notice_among(user, notices.values())
    offered = {}
    for task in tasks:
        names = actions.get(task.flow_task, [])
        if task.pk in notices and notices[task.pk].pk not in may_ask:
            names = [name for name in names if name != "request"]
        offered[task.pk] = names
    return offered


# -- what the answers look like ------------------------------------------------------------


class OpenTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="task.pk", help_text="待办任务编号")
    process = serializers.IntegerField(source="task.process_id", help_text="流程编号")
    flow = serializers.CharField(source="flow_title", help_text="流程名称")
    node = serializers.CharField(source="task.flow_task.name", help_text="步骤代码")
    title = serializers.CharField(help_text="步骤名称")
    subject = serializers.CharField(help_text="事项")
    mine = serializers.BooleanField(help_text="已由我认领（否则为可认领）")
    recused = serializers.BooleanField(
        help_text="本人回避：事项由本人起草、提交或与本人有关（本人的请假等申请），"
        "由其他负责人办理（不可认领）"
    )
    due = serializers.SerializerMethodField(
        help_text="办理期限（时刻，或补训等按日计的日期）；列表按它排序，最早的在前，无期限的在后"
    )
    overdue = serializers.BooleanField(help_text="已逾期")
    actions = serializers.SerializerMethodField(help_text="可用于办理此任务的接口动作")

    def get_due(self, row) -> str | None:
        return row.due.isoformat() if row.due else None

    def get_actions(self, row) -> list[str]:
        return self.context["offered"][row.task.pk]


class OpenTaskFilter(filters.FilterSet):
    overdue = TrueFalseFilter(
        method="overdue_or_not", help_text="true：只列已逾期的；false：只列未逾期的和无期限的"
    )

    def overdue_or_not(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(mytasks.overdue() if value else mytasks.on_time())

    class Meta:
        model = ScopedTask
        fields = []


# -- what the actions take -----------------------------------------------------------------


class RequestSerializer(InputSerializer):
    kind = serializers.ChoiceField(
        choices=RequestKind.choices, help_text="leave 请假 / deferral 缓训 / exemption 免训"
    )
    reason = serializers.CharField(help_text="理由（必填，至多 1000 字）")
    attachment = serializers.FileField(required=False, help_text="附件（可选，≤ 10 MB）")


class AttendanceSerializer(InputSerializer):
    result = serializers.ChoiceField(
        choices=AttendanceResult.choices, help_text="present 出勤 / absent 缺训 / withdrawn 退学"
    )
    leave_hours = serializers.DecimalField(
        max_digits=6, decimal_places=1, required=False, default=0, help_text="请假学时"
    )


class DecisionSerializer(InputSerializer):
    decision = serializers.ChoiceField(
        choices=[
            (Decision.APPROVED, _("Approve")),
            (Decision.REJECTED, _("Reject")),
            (Decision.SENT_BACK, _("Send back")),
        ],
        help_text="approved 同意 / rejected 不同意 / sent_back 退回上一步",
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="意见（不同意或退回时必填）"
    )


@extend_schema_view(
    list=extend_schema(
        tags=[TASKS_TAG],
        summary="我的待办",
        description="本人已认领的任务，以及本人管辖范围内可认领的任务（与“我的待办”页面一致），"
        "每项列出可用于办理它的接口动作。",
    ),
    retrieve=extend_schema(
        tags=[TASKS_TAG],
        summary="一项待办",
        description="我的待办中的一项；不在其中的任务答 404。",
        responses={200: OpenTaskSerializer, **error_responses(404)},
    ),
)
class TaskActionViewSet(
    NominationActions,
    FilingActions,
    MakeupActions,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """我的待办 and the actions that complete its tasks (those of nominations, filings and
    makeups in the mixins' modules)."""

    serializer_class = OpenTaskSerializer
    filterset_class = OpenTaskFilter
    lookup_value_regex = r"\d+"
    schema = DescribedIdSchema()
    id_description = "待办任务编号（见“我的待办”列表的 id）"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema: no caller
            return ScopedTask.objects.none()
        return mytasks.open_tasks(self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self._rows(page, many=True))

    def retrieve(self, request, pk=None):
        task = self.get_queryset().filter(pk=positive_int(pk)).first()
        if task is None:
            raise NotFound()
        return Response(self._rows([task], many=False))

    def _rows(self, tasks, *, many):
        rows = mytasks.rows(tasks, self.request.user)
        context = {"offered": _offered(tasks, self.request.user)}
        return OpenTaskSerializer(rows if many else rows[0], many=many, context=context).data

    @step_schema(
        NoInputSerializer,
        "确认参训",
        "单位联络员对点名调训的确认（与任务页“确认参训”相同：调训服务 dispatch_confirm，"
        "然后流程发出入学通知）。未认领的任务先由调用者认领。",
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        task = self.take(pk, [DispatchFlow.confirm])
        self.validated(NoInputSerializer)  # an unreadable body is a 400, not a confirmation
        self.complete(
            task,
            lambda dispatch: dispatch_services.dispatch_confirm(
                actor=request.user, dispatch=dispatch
            ),
        )
        return Response(TaskOutcomeSerializer(outcome(task)).data)

    @step_schema(
        RequestSerializer,
        "申请请假、缓训或免训",
        "在“确认参训”任务上，单位联络员代替确认提出请假、缓训或免训申请；在“签收入学通知”"
        "任务上，学员本人（干部无账号时为单位联络员）代替签收提出申请，入学通知在审批决定前"
        "仍然有效（调训专员接办的逾期签收不可申请，答 403）。理由必填（至多 1000 字），"
        "附件可选；随后进入审批流程。班次开班后不再受理。可用 multipart/form-data 上传附件。",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="request",
        url_name="request",
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def ask(self, request, pk=None):
        """Instead of confirming (the unit), or instead of 签收 (the trainee, or the
        liaison for a cadre without an account) — the service the task's page calls. Who
        may not ask hears 403 before the body is read (`take`; at 签收 also
        `dispatch.policy.may_request_after_notice`): a dispatcher holding an escalated
        acknowledgement may acknowledge, not ask."""
        task = self.take(pk, [DispatchFlow.confirm, DispatchFlow.acknowledge])
        service = dispatch_services.dispatch_request
        if task.flow_task == DispatchFlow.acknowledge:
            with service_errors():
                dispatch_policy.require_request_after_notice(request.user, task.process.artifact)
            service = dispatch_services.dispatch_request_after_notice
        data = self.validated(RequestSerializer)
        self.complete(
            task,
            lambda dispatch: service(
                actor=request.user,
                dispatch=dispatch,
                kind=data["kind"],
                reason=data["reason"],
                attachment=data.get("attachment"),
            ),
            fields=("kind", "reason", "attachment"),
        )
        return Response(TaskOutcomeSerializer(outcome(task)).data)

    @step_schema(
        NoInputSerializer,
        "签收入学通知",
        "学员本人签收；干部无账号时由单位联络员代为签收（与任务页规则相同）。记录签收时间与 IP。",
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        task = self.take(pk, [DispatchFlow.acknowledge])
        self.validated(NoInputSerializer)  # an unreadable body is a 400, not a receipt
        self.complete(
            task,
            lambda dispatch: dispatch_services.dispatch_acknowledge(
                actor=request.user,
                dispatch=dispatch,
                ip=request.META.get("REMOTE_ADDR"),
            ),
        )
        return Response(TaskOutcomeSerializer(outcome(task)).data)

    @step_schema(
        AttendanceSerializer,
        "登记一名学员的考勤",
        "培训机构教务登记出勤、缺训或退学（请假超过班次学时 1/7 即退学；缺训须补训），"
        "与任务页相同。整班登记见 /actions/classes/{id}/attendance/。",
    )
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        task = self.take(pk, [DispatchFlow.record_attendance])
        data = self.validated(AttendanceSerializer)
        self.complete(
            task,
            lambda dispatch: dispatch_services.attendance_record(
                actor=request.user,
                dispatch=dispatch,
                result=data["result"],
                leave_hours=data["leave_hours"] or 0,
            ),
            fields=("result", "leave_hours"),
        )
        return Response(TaskOutcomeSerializer(outcome(task)).data)

    @step_schema(
        DecisionSerializer,
        "审批决定",
        "审批人同意、不同意或退回（后两者须写明理由）。本人提出的申请或与本人有关的申请须回避："
        "答 403 并说明由谁决定（approvals.policy.may_decide，与任务页相同）。",
        tag=APPROVAL_TAG,
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        nodes = [getattr(ApprovalFlow, name) for name in DECISION_NODES]
        task = find_task(request.user, pk, nodes)
        check_takes(task, request.user, claim=claim_permission(task.flow_task))
        data = self.validated(DecisionSerializer)
        complete_task(
            request,
            task,
            lambda activation: approval_services.step_decide(
                actor=request.user,
                step=step_for_task(activation),
                decision=data["decision"],
                comment=data["comment"],
            ),
            fields=("decision", "comment"),
            claim=claim_permission(task.flow_task),
        )
        return Response(TaskOutcomeSerializer(outcome(task)).data)
