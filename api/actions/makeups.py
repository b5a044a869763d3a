"""Scheduling an owed makeup (补训, MakeupFlow's `schedule` step) through the API: the
dispatcher puts it into a later class of their jurisdiction (`makeup_schedule`, the task
page's service) — a makeup dispatch, which starts its own DispatchFlow as from the page."""

from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from api.actions.base import InputSerializer
from api.actions.starts import one_of
from api.actions.steps import FILING_TAG, TaskOutcomeSerializer, TaskSteps, outcome, step_schema
from dispatch import selectors as dispatch_selectors
from dispatch import services as dispatch_services
from dispatch.flows import MakeupFlow


class MakeupScheduleSerializer(InputSerializer):
    training_class = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        help_text="补训班次编号（本人管辖范围内主办、尚未开班的班次，在补训期限前结业）",
    )

    def validate_training_class(self, pk):
        # The classes the task page offers.
        return one_of(dispatch_selectors.makeup_class_choices(self.context["request"].user), pk)


class MakeupScheduledSerializer(TaskOutcomeSerializer):
    dispatch = serializers.IntegerField(help_text="补训调训编号（进入确认流程）")


class MakeupActions(TaskSteps):
    """Mixed into `api.actions.tasks.TaskActionViewSet`: tasks/{id}/schedule-makeup/."""

    @step_schema(
        MakeupScheduleSerializer,
        "安排补训",
        "调训专员把欠缺的补训安排进本人管辖范围内主办、尚未开班、在补训期限前结业的班次"
        "（逾期后任一后续班次均可），生成一份补训调训，进入确认流程。与任务页相同：服务 "
        "makeup_schedule；时间冲突、名额已满等答 400 并说明原因。",
        tag=FILING_TAG,
        answer=MakeupScheduledSerializer,
    )
    @action(detail=True, methods=["post"], url_path="schedule-makeup", url_name="schedule-makeup")
    def schedule_makeup(self, request, pk=None):
        task = self.take(pk, [MakeupFlow.schedule])
        data = self.validated(MakeupScheduleSerializer)
        dispatch = self.complete(
            task,
            lambda makeup: dispatch_services.makeup_schedule(
                actor=request.user, makeup=makeup, training_class=data["training_class"]
            ),
            fields=("training_class",),
        )
        answer = {**outcome(task), "dispatch": dispatch.pk}
        return Response(MakeupScheduledSerializer(answer).data)
