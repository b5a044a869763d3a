"""Viewflow flows of the dispatch domain (charts read top-down in each class)."""

from .dispatching import (
    DispatchFlow,
    FilingFlow,
    NominationFlow,
    RollCallFlow,
    cancel_roll_call,
    processes_of,
    start_dispatches,
)
from .followup import (
    CircularFlow,
    MakeupFlow,
    RecognitionFlow,
    issue_circular_document,
    resume_makeup,
    start_makeup,
    start_scheduled_circular,
)


def on_decision_made(sender, request, **kwargs):
    """Resume the flow that waits for this approval request (a dispatch's leave request
    or an hour recognition)."""
    from viewflow.workflow.status import PROCESS

    from approvals.workflow import open_task

    model = request.subject_type.model_class().__name__
    waiting = {"Dispatch": DispatchFlow, "HourRecord": RecognitionFlow}.get(model)
    if waiting is None:
        return
    process = processes_of(request.subject, waiting).filter(status=PROCESS.NEW).first()
    task = open_task(process, "await_decision") if process else None
    if task is not None:
        waiting.await_decision.run(task, request=request)
    if model == "Dispatch":
        from ..notices import decision_to_trainee

        decision_to_trainee(request.subject, request)


def on_notice_acknowledged(sender, notification, user, **kwargs):
    """签收 in the inbox completes the dispatch's acknowledgement task."""
    from viewflow.workflow.status import PROCESS

    from approvals.workflow import complete_task, open_task
    from notifications.models import Event

    from .. import services
    from ..models import Dispatch

    if notification.event != Event.NOTICE_ISSUED or notification.document_id is None:
        return
    document = notification.document
    if document.subject_type is None or document.subject_type.model != "dispatch":
        return
    dispatch = Dispatch.objects.filter(pk=document.subject_id).first()
    if dispatch is None:
        return
    process = processes_of(dispatch, DispatchFlow).filter(status=PROCESS.NEW).first()
    task = open_task(process, "acknowledge") if process else None
    if task is None:
        return  # already acknowledged through the task page
    ip = notification.acknowledged_ip
    complete_task(
        task, user, lambda: services.dispatch_acknowledge(actor=user, dispatch=dispatch, ip=ip)
    )


__all__ = [
    "CircularFlow",
    "DispatchFlow",
    "FilingFlow",
    "MakeupFlow",
    "NominationFlow",
    "RecognitionFlow",
    "RollCallFlow",
    "cancel_roll_call",
    "issue_circular_document",
    "on_decision_made",
    "on_notice_acknowledged",
    "processes_of",
    "resume_makeup",
    "start_dispatches",
    "start_makeup",
    "start_scheduled_circular",
]
