"""What the dispatch domain does when another app, or its own services, announce
something: an approval decided about a dispatch resumes its DispatchFlow; 签收 in the
inbox completes the dispatch's acknowledgement task; a class moved moves the open steps
of its dispatches' flows with it, and reissues the notices they hold."""

import datetime as dt
from types import SimpleNamespace

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from approvals.flows import rearm_deadlines
from approvals.models import ApprovalRequest, RequestStatus
from approvals.services import requests_due_advance
from core.formatting import format_span
from dispatch import acknowledgement, services
from dispatch.flows import DispatchFlow
from dispatch.flows.dispatch import class_dated_timers, class_processes, institution_steps
from dispatch.models import Dispatch, DispatchStatus
from dispatch.notices import decision_to_trainee, makeup_of_decision
from dispatch.services.classes import (
    NOTICE_FIELDS,
    class_notices_reissue,
    register_class_moved,
)
from dispatch.services.rollcall import class_start_moment
from notifications.models import Event, IssuedDocument
from workflow.claims import release_tasks
from workflow.nodes import may_hold
from workflow.runtime import (
    complete_task,
    open_task,
    processes_of,
    rearm_timers,
    relist_open_tasks,
    rescope_open_tasks,
)

#: Why a claimed task went back to the queue (the `task.release` event's reason, as
#: `workflow.claims` gives its own): its class moved to another institution.
RELEASE_CLASS_MOVED = "class_moved"


def on_decision_made(sender, request, **kwargs):
    """Resume the DispatchFlow that waits for this leave, deferral or exemption request;
    the trainee hears the decision, and the requester's message (returned,
    `approvals.signals`) says, as theirs, the makeup it made owed."""
    subject = request.subject
    if not isinstance(subject, Dispatch):
        return None
    process = processes_of(subject, DispatchFlow).filter(status=PROCESS.NEW).first()
    task = open_task(process, "await_decision") if process else None
    if task is not None:
        DispatchFlow.await_decision.run(task, request=request)
    also = makeup_of_decision(subject, request)
    decision_to_trainee(subject, request, also=also)
    return also


def on_notice_acknowledged(sender, notification, user, **kwargs):
    """签收 in the inbox completes the dispatch's acknowledgement task — of each dispatch
    whose notice still awaits it, when one message names several (a liaison's reissued
    notices of cadres without an account, `acknowledgement.named`). A notice replaced
    since (its class changed, `class_notices_reissue`) is not signed for — the new one
    is: refused, and the 签收 rolled back."""
    if notification.event != Event.NOTICE_ISSUED:
        return
    if notification.document_id is None:
        for dispatch in acknowledgement.awaiting(notification, lock=True):
            _acknowledge(dispatch, user, notification.acknowledged_ip)
        return
    document = notification.document
    subject = document.subject
    if not isinstance(subject, Dispatch):
        return
    newer = IssuedDocument.objects.filter(supersedes=document).first()
    if newer is not None:
        raise ValidationError(acknowledgement.replaced_reason(newer.document_number))
    _acknowledge(subject, user, notification.acknowledged_ip)


def _acknowledge(dispatch, user, ip):
    """The dispatch's notice signed for by `user` in the inbox, through the same door as
    the task page: its process lock, then `dispatch_acknowledge`. Nested in the inbox's
    transaction the lock does not wait (`workflow.locks`): while the task page holds it,
    this 签收 is refused with "try again" and rolled back whole."""
    process = processes_of(dispatch, DispatchFlow).filter(status=PROCESS.NEW).first()
    if process is None:
        return
    with DispatchFlow.lock(process.pk):
        task = open_task(process, "acknowledge")
        if task is None:
            dispatch.refresh_from_db(fields=["status"])
            if dispatch.status == DispatchStatus.NOTIFIED:
                # The class began and its acknowledgement step ended (the class-start
                # timer): a late 签收 is still the trainee's receipt, recorded as such.
                services.dispatch_acknowledge(actor=user, dispatch=dispatch, ip=ip)
            return  # otherwise already acknowledged through the task page
        complete_task(
            task, user, lambda: services.dispatch_acknowledge(actor=user, dispatch=dispatch, ip=ip)
        )


def on_class_moved(training_class, moved, actor):
    """A class's dates, institution, report date, place or kind changed
    (`services.classes.class_save_audited`: the class service, the class import), in the
    transaction of the change: what its dispatches' notices print changed, so the notices
    still in force are reissued (`class_notices_reissue`); and the open steps of its
    dispatches' flows follow it. A notified dispatch's reissued notice is signed for by
    a fresh due moment, and its acknowledgement deadline's timers move with it. Moved
    dates move the timers computed from them (the class start ending an unanswered
    confirmation or acknowledgement) to the moment for the new dates: a class moved
    earlier ends those steps at its new first day — on the next sweep when that is
    already past —, its attendance tasks are listed from its new first day, and the
    pending requests about its dispatches are due by its new eve.
    A new institution takes the attendance tasks: its registrars' queue from now on, and
    a task the old one claimed and may no longer hold goes back to that queue, with a
    `task.release` event."""
    processes = class_processes(training_class)
    if moved & set(NOTICE_FIELDS):
        reissued = class_notices_reissue(actor=actor, training_class=training_class, changed=moved)
        _rearm_acknowledgement_deadlines(reissued)
    if moved & {"start_date", "end_date"}:
        for node, moment_for in class_dated_timers().items():
            rearm_timers(processes, node, moment_for(training_class))
        relist_open_tasks(processes, DispatchFlow.record_attendance, training_class.start_date)
        _advance_request_deadlines(training_class, actor)
    if "institution_id" in moved:
        scope = training_class.institution.unit
        for node in institution_steps():
            rescope_open_tasks(processes, node, scope=scope)
            _release_lost_claims(processes, node, actor)


def _acknowledgement_deadline_timers() -> list:
    """The timers of DispatchFlow's acknowledgement deadline (`workflow.nodes.deadline`):
    the reminder's boundary on the `acknowledge` step, and the wait until the due moment.
    Both read the dispatch's `acknowledge_due` when they are armed."""
    return [
        node
        for node in DispatchFlow.instance.nodes()
        if node.name == "acknowledge_due"
        or (
            getattr(node, "_attached_to", None) is not None
            and node._attached_to.name == "acknowledge"
            and not node._interrupting
        )
    ]


def _rearm_acknowledgement_deadlines(dispatches) -> None:
    """Those of `dispatches` still notified have a fresh due moment to sign their reissued
    notice (`class_notices_reissue`): the deadline timers armed for the old one — the
    reminder before it, or the wait until it once reminded — move to the moment their
    own delays give now (one already past fires on the next sweep). A deadline already
    escalated stays so."""
    notified = [d.pk for d in dispatches if d.status == DispatchStatus.NOTIFIED]
    if not notified:
        return
    armed = Task.objects.filter(
        process__flow_class=DispatchFlow,
        process__status=PROCESS.NEW,
        process__artifact_content_type=ContentType.objects.get_for_model(Dispatch),
        process__artifact_object_id__in=notified,
        status=STATUS.SCHEDULED,
    ).select_related("process")
    for node in _acknowledgement_deadline_timers():
        for task in armed.filter(flow_task=node):
            moment = node._delay(SimpleNamespace(process=task.process))
            Task.objects.filter(pk=task.pk, status=STATUS.SCHEDULED).update(scheduled=moment)


def _advance_request_deadlines(training_class, actor) -> None:
    """A leave, deferral or exemption request about a dispatch of the class is decided the
    day before the class starts at the latest (`approval_due`): a class moved earlier
    brings the pending ones' deadlines (and their reminders) forward to its new eve."""
    pending = ApprovalRequest.objects.filter(
        subject_type=ContentType.objects.get_for_model(Dispatch),
        subject_id__in=Dispatch.objects.filter(training_class=training_class).values("pk"),
        status=RequestStatus.PENDING,
    )
    changed = requests_due_advance(
        actor=actor,
        requests=list(pending.only("pk")),
        latest=class_start_moment(training_class) - dt.timedelta(days=1),
        reason=_("The class was moved to %(dates)s.")
        % {"dates": format_span(training_class.start_date, training_class.end_date)},
    )
    rearm_deadlines(changed)


def _release_lost_claims(processes, node, actor) -> None:
    """The claimed tasks of `node` in `processes` whose owner may no longer hold them
    (`workflow.nodes.may_hold`: the task's permission on its new scope) go back to the
    queue, as `workflow.claims` releases a deputy's; one completed meanwhile is left."""
    claimed = Task.objects.filter(
        process__in=processes, flow_task=node, status=STATUS.ASSIGNED
    ).select_related("owner", "process")
    lost = [task for task in claimed.order_by("pk") if not may_hold(task.owner, task)]
    release_tasks(actor=actor, tasks=lost, reason=RELEASE_CLASS_MOVED)


# The class services announce a move to the hooks registered with them (services never
# import flows); `DispatchConfig.ready` imports this module.
register_class_moved(on_class_moved)
