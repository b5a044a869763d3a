"""What the circulars app does when dispatch records something: an attendance corrected
(考勤更正) that an issued circular counted is told to that circular's dispatchers."""

from circulars import notices
from dispatch.services.attendance_corrections import attendance_words


def on_attendance_corrected(sender, dispatch, before="", key="", **kwargs):
    if not key:
        return
    notices.attendance_corrected_after_circular(
        dispatch, before=before, after=attendance_words(dispatch), key=key
    )
