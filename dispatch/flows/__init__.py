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
    "processes_of",
    "resume_makeup",
    "start_dispatches",
    "start_makeup",
    "start_scheduled_circular",
]
