"""What the feedback app does when dispatch records something: a dispatch saved as
attended (by the task page, the class roster or any other door of `attendance_record`)
opens the trainee's evaluation and schedules the follow-up, in the same transaction; an
attendance corrected (考勤更正) to absent or withdrawn withdraws them, and corrected back
to present reopens them, audited as the registrar's."""

from dispatch.models import DispatchStatus
from feedback import services


def on_dispatch_saved(sender, instance, created, update_fields=None, **kwargs):
    if instance.status != DispatchStatus.ATTENDED:
        return
    if update_fields is not None and "status" not in update_fields:
        return
    services.feedback_open(dispatch=instance)


def on_attendance_corrected(sender, dispatch, actor, reason, **kwargs):
    if dispatch.status == DispatchStatus.ATTENDED:
        services.feedback_reopen(actor=actor, dispatch=dispatch, reason=reason)
    else:
        services.feedback_withdraw(actor=actor, dispatch=dispatch, reason=reason)
