"""An approval decided about an hour-recognition request resumes its RecognitionFlow."""

from viewflow.workflow.status import PROCESS

from ledger.flows import RecognitionFlow
from ledger.models import HourRecord
from workflow.runtime import open_task, processes_of


def on_decision_made(sender, request, **kwargs):
    if not isinstance(request.subject, HourRecord):
        return
    process = processes_of(request.subject, RecognitionFlow).filter(status=PROCESS.NEW).first()
    task = open_task(process, "await_decision") if process else None
    if task is not None:
        RecognitionFlow.await_decision.run(task, request=request)
