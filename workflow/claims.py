"""A claimed task whose owner may no longer do it goes back to the queue: a deputy's,
once the delegation that gave them the task's permission is revoked (at once,
`workflow.receivers`) or has ended (the nightly sweep, `manage.py
release_ended_delegations`). Whatever the flow — an approval step, a nomination's or a
survey answer's head approval, a plan consultation, a follow-up — each task's node says
who may still hold it (`workflow.nodes.may_hold`)."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from audit.services import record_event
from org.models import Delegation
from workflow.labels import task_label
from workflow.nodes import may_hold

#: Why a claimed task went back to the queue (the `task.release` event's reason).
RELEASE_REVOKED = "delegation_revoked"
RELEASE_ENDED = "delegation_ended"


def lost_claims(users, permission: str) -> list:
    """The open human tasks claimed by one of `users` (user ids, or a query of them) that
    ask for `permission` (a delegated one, "org.approve_as_head": only tasks a delegation
    could have given them — not, say, a trainee's acknowledgement assigned to them by its
    flow) and that their owner may no longer do: a deputy whose delegation was revoked or
    has ended, and who holds the task in no other way (their own grant, another head's
    delegation still running)."""
    tasks = (
        Task.objects.filter(
            flow_task_type="HUMAN",
            status=STATUS.ASSIGNED,
            owner__in=users,
            owner_permission=permission,
        )
        .select_related("owner", "process")
        .order_by("pk")
    )
    return [task for task in tasks if task.flow_task is not None and not may_hold(task.owner, task)]


@transaction.atomic
def release_lost_claims(*, actor, users, permission: str, reason: str, delegation=None) -> int:
    """Put each of `lost_claims(users, permission)` back in the queue of those who may
    take it (status NEW, no owner), with a `task.release` event saying why, named by its
    step and subject (`task_label`); the number released. A task its owner completed
    meanwhile is left alone (a conditional update), so the release is safe to repeat."""
    extra = {"delegation": getattr(delegation, "pk", None)}
    return release_tasks(
        actor=actor, tasks=lost_claims(users, permission), reason=reason, extra=extra
    )


def release_tasks(*, actor, tasks, reason: str, extra=None) -> int:
    """Put each of the claimed `tasks` back in the queue (status NEW, no owner), each with
    a `task.release` event saying why (`reason`, and `extra` in its after-state); the
    number released. A task its owner completed meanwhile is left alone (a conditional
    update). Also asked when a moved class takes its tasks elsewhere (dispatch)."""
    released = 0
    for task in tasks:
        before = {"owner": task.owner_id, "status": task.status}
        if not Task.objects.filter(
            pk=task.pk, status=STATUS.ASSIGNED, owner_id=task.owner_id
        ).update(status=STATUS.NEW, owner=None):
            continue
        record_event(
            actor=actor,
            verb="task.release",
            target=task,
            label=task_label(task),
            before=before,
            after={"owner": None, "status": STATUS.NEW.value, "reason": reason, **(extra or {})},
            note=reason,
        )
        released += 1
    return released


def release_ended_delegations() -> int:
    """The periodic sweep: release the lost claims of every deputy whose delegation ended
    before today (or was revoked: one whose revocation did not release it), for the
    permission it gave. Idempotent: a released task is no longer claimed."""
    ended = Delegation.objects.filter(Q(revoked=True) | Q(ends_on__lt=timezone.localdate()))
    released = 0
    for permission in ended.order_by().values_list("permission", flat=True).distinct():
        released += release_lost_claims(
            actor=None,
            users=ended.filter(permission=permission).values("delegate"),
            permission=permission,
            reason=RELEASE_ENDED,
        )
    return released
