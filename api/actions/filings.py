"""The later steps of a filing (报备, FilingFlow) through the API, each the task page's
service completing the task: `review-filing`, the organization department accepts a
filing (hours credited), returns it for correction or rejects it (`filing_review`; 回避 as
on the page); `correct-filing`, the liaison corrects a returned filing and submits it
again (`filing_correct`), with the fields of the filing form but the unit."""

from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from api.actions.base import InputSerializer
from api.actions.starts import FilingSubmitSerializer
from api.actions.steps import (
    FILING_TAG,
    TaskOutcomeSerializer,
    TaskSteps,
    outcome,
    step_schema,
)
from core.validation import REASON_MAX_LENGTH
from dispatch import services as dispatch_services
from dispatch.flows import FilingFlow
from dispatch.task_views import FilingReviewView


class FilingReviewSerializer(InputSerializer):
    decision = serializers.ChoiceField(
        choices=FilingReviewView.choices,
        help_text="accepted 接受（计入集中培训学时）/ returned 退回修改 / rejected 不予接受",
    )
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=REASON_MAX_LENGTH,
        help_text="审核意见（退回或不予接受时必填，至多 1000 字）",
    )


class FilingCorrectSerializer(FilingSubmitSerializer):
    """The filing form's fields without the unit: a correction keeps the filing's unit."""

    unit = None


class FilingActions(TaskSteps):
    """Mixed into `api.actions.tasks.TaskActionViewSet`: tasks/{id}/review-filing/ …"""

    @step_schema(
        FilingReviewSerializer,
        "审核报备",
        "组织部门接受报备（参训干部计入集中培训学时）、退回修改或不予接受（后两者须写明意见）。"
        "报备由本人提交或本人在参训名单中的须回避：答 403 并说明原因（与任务页相同）。"
        "培训尚未结束，或参训干部同期已计学时的，不能接受：答 400 并说明原因。",
        tag=FILING_TAG,
    )
    @action(detail=True, methods=["post"], url_path="review-filing", url_name="review-filing")
    def review_filing(self, request, pk=None):
        task = self.take(pk, [FilingFlow.review])
        data = self.validated(FilingReviewSerializer)
        self.complete(
            task,
            lambda filing: dispatch_services.filing_review(
                actor=request.user,
                filing=filing,
                decision=data["decision"],
                comment=data["comment"],
            ),
            fields=("decision", "comment"),
        )
        return Response(TaskOutcomeSerializer(outcome(task)).data)

    @step_schema(
        FilingCorrectSerializer,
        "修改被退回的报备",
        "单位联络员按审核意见修改被退回的报备并重新提交审核（字段同提交报备，单位不变）。"
        "与任务页相同：服务 filing_correct。",
        tag=FILING_TAG,
    )
    @action(detail=True, methods=["post"], url_path="correct-filing", url_name="correct-filing")
    def correct_filing(self, request, pk=None):
        task = self.take(pk, [FilingFlow.correct])
        data = self.validated(FilingCorrectSerializer)
        self.complete(
            task,
            lambda filing: dispatch_services.filing_correct(
                actor=request.user, filing=filing, **data
            ),
            fields=tuple(FilingCorrectSerializer().fields),
        )
        return Response(TaskOutcomeSerializer(outcome(task)).data)
