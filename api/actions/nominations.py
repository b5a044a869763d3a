"""The steps of a nomination for allotted seats (NominationFlow) through the API: the unit's
liaison nominates (`nominate`), the unit head approves or returns it (`approve-nomination`),
the dispatcher accepts or returns it (`review-nomination`) — each the task page's service
(`nomination_submit`, `nomination_head_decide`, `nomination_review`) completing the task,
so the flow moves on as from the page (accepted: a dispatch per nominee)."""

from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from api.actions.base import InputSerializer
from api.actions.starts import chosen, id_list
from api.actions.steps import TaskOutcomeSerializer, TaskSteps, outcome, step_schema
from core.validation import REASON_MAX_LENGTH
from dispatch import services as dispatch_services
from dispatch.flows import NominationFlow
from dispatch.task_views import NominationHeadView, NominationReviewView
from org import selectors as org_selectors
from workflow.runtime import fresh_artifact


class NominateSerializer(InputSerializer):
    cadres = id_list("推荐人选的干部编号（分配单位及其下级单位的干部，不超过名额）")

    def validate_cadres(self, ids):
        # The nominees the task page offers (`NominationForm.offer`).
        allocation = self.context["allocation"]
        offered = org_selectors.cadres_offered(
            self.context["request"].user, "nomination", unit_id=allocation.unit_id
        ).select_related("unit")
        return chosen(
            offered,
            ids,
            _(
                "%(count)s of the chosen cadres are not of your unit or no longer exist; "
                "please choose again."
            ),
        )


class _ReasonedDecision(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=REASON_MAX_LENGTH,
        help_text="理由（退回时必填，至多 1000 字）",
    )


class NominationHeadDecisionSerializer(_ReasonedDecision):
    decision = serializers.ChoiceField(
        choices=NominationHeadView.choices, help_text="approve 同意 / return 退回联络员"
    )


class NominationReviewDecisionSerializer(_ReasonedDecision):
    decision = serializers.ChoiceField(
        choices=NominationReviewView.choices, help_text="accept 接受 / return 说明理由退回"
    )


DECISION_FIELDS = ("decision", "reason")


class NominationActions(TaskSteps):
    """Mixed into `api.actions.tasks.TaskActionViewSet`: tasks/{id}/nominate/ …"""

    @step_schema(
        NominateSerializer,
        "推荐人选",
        "单位联络员为分配给本单位的名额推荐人选（本单位及下级单位的干部，不超过名额；"
        "与其他班次时间冲突者不可推荐），交单位负责人审核。与任务页“推荐人选”相同：服务 "
        "nomination_submit。回复截止后由调训专员代为推荐。未认领的任务先由调用者认领。",
    )
    @action(detail=True, methods=["post"])
    def nominate(self, request, pk=None):
        task = self.take(pk, [NominationFlow.nominate])
        allocation = fresh_artifact(task.process)
        data = self.validated(NominateSerializer, allocation=allocation)
        self.complete(
            task,
            lambda allocation: dispatch_services.nomination_submit(
                actor=request.user, allocation=allocation, cadres=data["cadres"]
            ),
            fields=("cadres",),
        )
        return Response(TaskOutcomeSerializer(outcome(task)).data)

    @step_schema(
        NominationHeadDecisionSerializer,
        "单位负责人审核推荐",
        "单位负责人同意推荐（交调训专员审核），或说明理由退回联络员重新推荐。"
        "推荐由本人作出或推荐了本人的须回避：答 403 并说明原因（与任务页相同）。",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="approve-nomination",
        url_name="approve-nomination",
    )
    def approve_nomination(self, request, pk=None):
        task = self.take(pk, [NominationFlow.head_approval])
        data = self.validated(NominationHeadDecisionSerializer)
        self.complete(
            task,
            lambda allocation: dispatch_services.nomination_head_decide(
                actor=request.user,
                allocation=allocation,
                approve=data["decision"] == "approve",
                reason=data["reason"],
            ),
            fields=DECISION_FIELDS,
        )
        return Response(TaskOutcomeSerializer(outcome(task)).data)

    @step_schema(
        NominationReviewDecisionSerializer,
        "调训专员审核推荐",
        "调训专员接受推荐（每名人选一份调训，进入确认流程），或说明理由退回单位重新推荐。"
        "人选中有本人的须回避：答 403 并说明原因。人选已另有冲突的班次时答 400。",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="review-nomination",
        url_name="review-nomination",
    )
    def review_nomination(self, request, pk=None):
        task = self.take(pk, [NominationFlow.dispatcher_review])
        data = self.validated(NominationReviewDecisionSerializer)
        self.complete(
            task,
            lambda allocation: dispatch_services.nomination_review(
                actor=request.user,
                allocation=allocation,
                accept=data["decision"] == "accept",
                reason=data["reason"],
            ),
            fields=DECISION_FIELDS,
        )
        return Response(TaskOutcomeSerializer(outcome(task)).data)
