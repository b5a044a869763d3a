"""Claiming a task (认领) and giving it back (取消认领) are state changes like any other:
each writes an audit event, named by the task's step and subject (`task_label`).

Viewflow's activations assign and unassign a task by saving it (its single and bulk
claim pages, and the API's claim), so the events are written where every one of them
passes: the task's save. The owner the task was read with is remembered when it is
loaded (`post_init`, no query); a save that changes it from nobody to someone is a claim
by that someone, from someone to nobody a release by them (only a task's owner may give
it back: nobody manages the queues, `ScopedFlowMixin.has_manage_permission`). A task
handed from one person to another is the reassignment service's to audit
(`workflow.services.task_reassign`), and a task going back to the queue because its
owner may no longer do it is `workflow.claims.release_tasks`' (an UPDATE, no save)."""

from viewflow.workflow.models import Task

from audit.services import record_event
from workflow.labels import task_label

#: set on a task by a service that audits its change of owner itself
AUDITED_BY_CALLER = "_owner_change_audited"
CLAIM_VERB = "task.claim"
UNCLAIM_VERB = "task.unclaim"


def remember_owner(sender, instance, **kwargs):
    instance._owner_as_loaded = instance.__dict__.get("owner_id")


def audit_claim(sender, instance, created, **kwargs):
    before = getattr(instance, "_owner_as_loaded", None)
    after = instance.owner_id
    instance._owner_as_loaded = after
    if instance.__dict__.pop(AUDITED_BY_CALLER, False):
        return  # the caller's own event says it (a reassignment)
    if created or before == after or (before is not None and after is not None):
        return
    claimed = before is None
    record_event(
        actor=instance.owner if claimed else _user(before),
        verb=CLAIM_VERB if claimed else UNCLAIM_VERB,
        target=instance,
        label=task_label(instance),
        before={"owner": before},
        after={"owner": after, "status": instance.status},
    )


def _user(pk):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=pk).first()


def connect() -> None:
    """Signals name the class saved: Viewflow's Task and the flows' proxy of it."""
    from django.db.models.signals import post_init, post_save

    from workflow.models import ScopedTask

    for model in (Task, ScopedTask):
        uid = model._meta.label_lower
        post_init.connect(remember_owner, sender=model, dispatch_uid=f"{uid}.remember_owner")
        post_save.connect(audit_claim, sender=model, dispatch_uid=f"{uid}.audit_claim")
