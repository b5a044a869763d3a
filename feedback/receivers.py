"""What the feedback app does when dispatch records something: a dispatch saved as
attended (by the task page, the class roster or any other door of `attendance_record`)
opens the trainee's evaluation and schedules the follow-up, in the same transaction."""

from dispatch.models import DispatchStatus
from feedback import services


def on_dispatch_saved(sender, instance, created, update_fields=None, **kwargs):
    if instance.status != DispatchStatus.ATTENDED:
        return
    if update_fields is not None and "status" not in update_fields:
        return
    services.feedback_open(dispatch=instance)
