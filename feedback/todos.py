"""An attended class's evaluation is a trainee's to-do, though no flow's task: it is
listed in 我的待办 (`workflow.registry.TodoSource`) from the class's last day on
(`policy.class_has_ended`) until it is submitted."""

from django.urls import reverse
from django.utils.translation import gettext as _

from feedback import policy, selectors
from feedback.models import EvaluationStatus
from workflow.mytasks import TodoRow
from workflow.registry import TodoSource


def _open(user):
    return selectors.my_evaluations(user).filter(
        policy.class_has_ended_q(), status=EvaluationStatus.OPEN
    )


def count(user) -> int:
    return _open(user).count()


def rows(user, limit: int) -> list[TodoRow]:
    return [
        TodoRow(
            title=_("Evaluate the class"),
            subject=evaluation.training_class.name,
            flow_title=_("Trainee feedback"),
            due=None,
            url=reverse("feedback:evaluation", args=[evaluation.pk]),
        )
        for evaluation in _open(user).order_by("training_class__end_date", "pk")[:limit]
    ]


EVALUATIONS = TodoSource(name="feedback.evaluations", count=count, rows=rows)
