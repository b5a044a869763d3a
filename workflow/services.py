"""Reassigning a stuck task: the dispatcher of the task's jurisdiction hands it to another
person who holds the task's permission on its scope. Who may reassign is
`workflow.policy.may_reassign` (re-exported here for the reassign page)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from audit.services import record_event
from org import selectors as org_selectors
from workflow.claim_audit import AUDITED_BY_CALLER
from workflow.labels import task_label
from workflow.nodes import may_hold
from workflow.policy import may_reassign
from workflow.runtime import ADDED_PERMISSION, ADDED_SCOPE


def reassign_candidates(task):
    """Users who hold the task's permission on its scope object — or the permission an
    escalation added to it on the scope it added (`workflow.runtime.ADDED_PERMISSION`) —
    and whom the task's own rule lets hold it (`workflow.nodes.may_hold`: not the maker
    of an approval request, nor anyone else its step's policy refuses)."""
    if not task.owner_permission or not task.owner_permission_obj_pk:
        return get_user_model().objects.none()
    reaching = get_user_model().objects.filter(_reaching(task))
    allowed = [user.pk for user in reaching if may_hold(user, task)]
    return get_user_model().objects.filter(pk__in=allowed)


def _reaching(task) -> Q:
    """Users whose grants reach the task's scope with its permission, or the scope an
    escalation added with the permission it added."""
    model = task.owner_permission_content_type.model_class()
    data = task.data or {}
    held = [(task.owner_permission, task.owner_permission_obj_pk)]
    if data.get(ADDED_PERMISSION):
        held.append((data[ADDED_PERMISSION], data.get(ADDED_SCOPE) or task.owner_permission_obj_pk))
    reaching = Q(pk__in=[])
    for permission, scope_pk in held:
        scope = model._default_manager.get(pk=scope_pk)
        users = org_selectors.users_reaching(scope, permission.split(".", 1)[1])
        reaching |= Q(pk__in=users.values("pk"))
    return reaching


@transaction.atomic
def task_reassign(*, actor, task, to_user):
    task = type(task).objects.select_for_update().get(pk=task.pk)
    if not may_reassign(actor, task):
        raise PermissionDenied(_("This unit is outside your jurisdiction."))
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED) or task.flow_task_type != "HUMAN":
        raise ValidationError(_("This step has already been completed by someone else."))
    if not reassign_candidates(task).filter(pk=to_user.pk).exists():
        raise ValidationError({"user": _("This person may not do this task.")})
    before = {"owner": task.owner_id, "status": task.status}
    task.owner = to_user
    task.status = STATUS.ASSIGNED
    task.assigned = timezone.now()
    setattr(task, AUDITED_BY_CALLER, True)  # as task.reassign, not as a claim
    task.save(update_fields=["owner", "status", "assigned"])
    record_event(
        actor=actor,
        verb="task.reassign",
        target=task,
        label=task_label(task),
        before=before,
        after={"owner": to_user.pk, "status": task.status},
    )
    return task
