"""The deadline of each open task, read by the database from the task's subject, so that
我的待办 lists the most urgent first however long it is.

A flow declares where its steps' deadlines are (`ScopedFlowMixin.task_dues`): per node
name, the path of a moment field from the flow's artifact (``"confirm_due"``,
``"roll_call__response_deadline"``), a `Day` for a date field (due at the close of
business on that day, shown as the day), or a function that takes the artifact's key as an
outer reference and returns an expression (an approval step's own window). A step
declared nowhere has no deadline: it sorts after those that have one.
"""

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    ExpressionWrapper,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast
from viewflow.workflow.fields import get_task_ref

from core.deadlines import close_of_business

#: the outer reference to a task's artifact key (its process's artifact)
ARTIFACT = "process__artifact_object_id"


@dataclass(frozen=True)
class Day:
    """A date field's day, by its path from the artifact: due at the close of business
    on that day (`core.deadlines.close_of_business`), shown as the day."""

    path: str


Where = str | Day | Callable


def _day_offset() -> dt.timedelta:
    """From midnight UTC of a day to its close of business, local time (the zone's
    offset of today: a zone without summer time, as China's, keeps it all year)."""
    today = dt.date.today()
    midnight = dt.datetime.combine(today, dt.time(0), tzinfo=dt.UTC)
    return close_of_business(today) - midnight


def _of_artifact(model, path: str) -> Subquery:
    return Subquery(
        model._default_manager.filter(pk=OuterRef(ARTIFACT)).order_by().values(path)[:1]
    )


def _moment(model, where: Where):
    if isinstance(where, Day):
        day = Cast(_of_artifact(model, where.path), DateTimeField())
        return ExpressionWrapper(day + Value(_day_offset()), output_field=DateTimeField())
    if callable(where):
        return where(OuterRef(ARTIFACT))
    return _of_artifact(model, where)


def due_annotations(flow_classes, steps=None) -> dict:
    """`due` (the moment a task is due by, or None) and `due_is_day` (its deadline is a
    day, shown as the day) for the tasks of `flow_classes`, each step as its flow
    declares it; with `steps` (the references of steps, as `Task.flow_task` stores
    them), for the tasks of those steps only (the expression then has a branch per step
    asked, not one per step of every flow). Built once a day per set of flows and steps
    (a request then only compiles them: Django copies an expression as it resolves it,
    so one may serve every query)."""
    steps = None if steps is None else frozenset(steps)
    return _built(tuple(flow_classes), steps, dt.date.today())


@functools.lru_cache(maxsize=64)
def _built(flow_classes: tuple, steps: frozenset | None, _day: dt.date) -> dict:
    moments, days = [], []
    for flow_class in flow_classes:
        flow = flow_class.instance
        for node_name, where in getattr(flow, "task_dues", {}).items():
            node = flow.node(node_name)
            if steps is not None and get_task_ref(node) not in steps:
                continue
            moments.append(When(flow_task=node, then=_moment(flow.artifact_model, where)))
            if isinstance(where, Day):
                days.append(When(flow_task=node, then=Value(True)))
    return {
        "due": Case(*moments, default=Value(None), output_field=DateTimeField()),
        "due_is_day": Case(*days, default=Value(False), output_field=BooleanField()),
    }
