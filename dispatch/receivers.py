"""What the dispatch domain does when another app announces something: an approval
decided about a dispatch resumes its DispatchFlow; 签收 in the inbox completes the
dispatch's acknowledgement task."""

from viewflow.workflow.status import PROCESS

from dispatch import services
from dispatch.flows import DispatchFlow
from dispatch.models import Dispatch, DispatchStatus
from dispatch.notices import decision_to_trainee
from notifications.models import Event
from workflow.runtime import complete_task, open_task, processes_of


def on_decision_made(sender, request, **kwargs):
    """Resume the DispatchFlow that waits for this leave, deferral or exemption request."""
    subject = request.subject
    if not isinstance(subject, Dispatch):
        return
    process = processes_of(subject, DispatchFlow).filter(status=PROCESS.NEW).first()
    task = open_task(process, "await_decision") if process else None
    if task is not None:
        DispatchFlow.await_decision.run(task, request=request)
    decision_to_trainee(subject, request)


def on_notice_acknowledged(sender, notification, user, **kwargs):
    """签收 in the inbox completes the dispatch's acknowledgement task."""
    if notification.event != Event.NOTICE_ISSUED or notification.document_id is None:
        return
    subject = notification.document.subject
    if not isinstance(subject, Dispatch):
        return
    process = processes_of(subject, DispatchFlow).filter(status=PROCESS.NEW).first()
    if process is None:
        return
    # The same door as the task page: its process lock, then `dispatch_acknowledge`. Nested
    # in the inbox's transaction the lock does not wait (`workflow.locks`): while the task
    # page holds it, this 签收 is refused with "try again" and rolled back whole.
    with DispatchFlow.lock(process.pk):
        task = open_task(process, "acknowledge")
        ip = notification.acknowledged_ip
        if task is None:
            subject.refresh_from_db(fields=["status"])
            if subject.status == DispatchStatus.NOTIFIED:
                # The class began and its acknowledgement step ended (the class-start
                # timer): a late 签收 is still the trainee's receipt, recorded as such.
                services.dispatch_acknowledge(actor=user, dispatch=subject, ip=ip)
            return  # otherwise already acknowledged through the task page
        complete_task(
            task, user, lambda: services.dispatch_acknowledge(actor=user, dispatch=subject, ip=ip)
        )
