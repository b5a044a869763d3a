"""What the actions that complete a flow's human task share (`api.actions.tasks` and the
step modules beside it: nominations, filings, makeups): the answer — the task done, the
process and its subject as they now stand, the steps still open — and its schema; and
`TaskSteps`, the viewset mixin that finds the task, checks that the caller may take it,
reads the body and completes the task as its page would (`base.complete_task`)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from api.actions.base import (
    OPEN,
    InputSerializer,
    check_takes,
    complete_task,
    error_responses,
    find_task,
)
from workflow.runtime import fresh_artifact

#: the schema's tags, the read endpoints' domain names
DISPATCH_TAG = "点名调训与调训"
FILING_TAG = "报备与补训"
APPROVAL_TAG = "审批"
TASKS_TAG = "我的待办"


class NextTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", help_text="任务编号")
    node = serializers.CharField(source="flow_task.name", help_text="步骤代码")
    status = serializers.CharField(help_text="任务状态")
    owner = serializers.CharField(
        source="owner.username",
        allow_null=True,
        default=None,
        help_text="认领人的登录名（未认领为空）",
    )


class TaskOutcomeSerializer(serializers.Serializer):
    task = serializers.IntegerField(help_text="已办结的任务编号")
    process = serializers.IntegerField(help_text="流程编号")
    process_status = serializers.CharField(help_text="流程状态")
    subject_status = serializers.CharField(
        allow_null=True, help_text="事项状态（如调训、名额分配、报备或补训的状态）"
    )
    open_tasks = NextTaskSerializer(many=True, help_text="流程中仍待办的后续任务")


def outcome(task) -> dict:
    process = task.process.coerced
    process.refresh_from_db()
    subject = fresh_artifact(process)
    return {
        "task": task.pk,
        "process": process.pk,
        "process_status": process.status,
        "subject_status": getattr(subject, "status", None),
        "open_tasks": list(
            process.task_set.filter(status__in=OPEN).select_related("owner").order_by("pk")
        ),
    }


class NoInputSerializer(InputSerializer):
    pass


def step_schema(serializer_class, summary, description, tag=DISPATCH_TAG, answer=None):
    """The schema of an action completing a task: its body, the outcome, its refusals."""
    return extend_schema(
        tags=[tag],
        summary=summary,
        description=description,
        request=serializer_class,
        responses={
            200: answer or TaskOutcomeSerializer,
            **error_responses(400, 403, 404, 409),
        },
    )


class TaskSteps:
    """Completing a task of a flow's human step through the API, in the page's order: the
    task found among the caller's (else 404), the step theirs to take (else 403 saying why
    — a recusing step's claim page gives its reason, `RecusingView.may_claim` — or 409 once
    done), then the body read (400), then `complete_task` with the page's service."""

    def validated(self, serializer_class, **context):
        serializer = serializer_class(
            data=self.request.data, context={"request": self.request, **context}
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def take(self, pk, nodes):
        """The task `pk` of one of `nodes`, which the caller may take."""
        task = find_task(self.request.user, pk, nodes)
        check_takes(task, self.request.user, claim=_claim(task))
        return task

    def complete(self, task, perform, *, fields=()):
        """Complete `task`: `perform(subject)` runs the page's service on the process's
        subject; its result is returned."""
        return complete_task(
            self.request,
            task,
            lambda activation: perform(activation.process.artifact),
            fields=fields,
            claim=_claim(task),
        )


def _claim(task):
    """A recusing step claims as its claim page does (`RecusingView.may_claim`: refused
    with the reason); any other step by the node's `can_assign`."""
    return getattr(task.flow_task, "may_claim", None)
